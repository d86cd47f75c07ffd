"""A card floating over the main window: a title, a few lines and buttons (the tour's steps,
an example's story). It never takes focus on its own, so Space still starts training."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QPoint, QRect, Qt
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

CARD_WIDTH = 360
MARGIN = 12


class InfoCard(QFrame):
    """``set_content(title, text, buttons)`` where buttons are (text, tooltip, slot); then
    ``place_near(rect)`` puts it beside a rectangle of its parent."""

    def __init__(self, parent: QWidget, name: str) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAutoFillBackground(True)
        self.setFixedWidth(CARD_WIDTH)
        self.setStyleSheet(f"QFrame#{name} {{ background: palette(window); border: 2px solid palette(highlight); "
                           "border-radius: 6px; }")
        self.title = QLabel(self)
        self.title.setObjectName(f"{name}_title")
        font = self.title.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.15)
        self.title.setFont(font)
        self.title.setWordWrap(True)
        self.text = QLabel(self)
        self.text.setObjectName(f"{name}_text")
        self.text.setWordWrap(True)
        self.text.setTextFormat(Qt.TextFormat.PlainText)
        self.buttons = QHBoxLayout()
        self.buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(MARGIN, MARGIN, MARGIN, MARGIN)
        layout.addWidget(self.title)
        layout.addWidget(self.text)
        layout.addLayout(self.buttons)
        self.button_widgets: dict[str, QPushButton] = {}
        self.hide()

    def set_content(self, title: str, text: str, buttons: list[tuple[str, str, object]]) -> None:
        self.title.setText(title)
        self.text.setText(text)
        self.setAccessibleName(title)
        self.setAccessibleDescription(text)
        for button in self.button_widgets.values():
            self.buttons.removeWidget(button)
            button.hide()  # gone from the screen now, even while the event loop is busy
            button.deleteLater()
        self.button_widgets = {}
        for label, tip, slot in buttons:
            button = QPushButton(label, self)
            button.setObjectName(f"{self.objectName()}_{label.lower().replace(' ', '_').strip('…')}")
            button.setAccessibleName(label)
            button.setToolTip(tip)
            button.clicked.connect(slot)
            button.installEventFilter(self)
            self.buttons.addWidget(button)
            button.show()  # now, not when the layout gets to it: a hidden button cannot take focus
            self.button_widgets[label] = button
        self.fit()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if not isinstance(watched, QPushButton) or event.type() not in (QEvent.Type.KeyPress,
                                                                          QEvent.Type.ShortcutOverride):
            return False
        key = event.key()  # type: ignore[attr-defined]
        if event.type() == QEvent.Type.ShortcutOverride:
            if key == Qt.Key.Key_Space:  # a focused button takes Space before the window's Start
                event.accept()
            return False
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):  # Return presses a focused button, as in a dialog
            watched.click()
            return True
        return False

    def fit(self) -> None:
        """Tall enough for the wrapped text at the fixed width (the layout's own height-for-width
        answer lags one text behind, so the parts are measured here)."""
        inner = CARD_WIDTH - 2 * MARGIN - 2 * self.frameWidth()
        buttons = max((b.sizeHint().height() for b in self.button_widgets.values()), default=0)
        height = (2 * MARGIN + 2 * self.frameWidth() + self.title.heightForWidth(inner)
                  + self.text.heightForWidth(inner) + buttons + 2 * max(0, self.layout().spacing()))
        self.resize(CARD_WIDTH, height)

    def place_near(self, target: QRect | None) -> None:
        """Beside ``target`` (parent coordinates) where there is room, else centred; always inside."""
        parent = self.parentWidget()
        area = parent.rect()
        self.fit()
        size = self.size()
        if target is None or target.isEmpty():
            pos = QPoint((area.width() - size.width()) // 2, (area.height() - size.height()) // 3)
        elif target.right() + MARGIN + size.width() <= area.right():
            pos = QPoint(target.right() + MARGIN, target.top() + MARGIN)
        elif target.left() - MARGIN - size.width() >= 0:
            pos = QPoint(target.left() - MARGIN - size.width(), target.top() + MARGIN)
        elif target.bottom() + MARGIN + size.height() <= area.bottom():
            pos = QPoint(target.left() + MARGIN, target.bottom() + MARGIN)
        else:
            pos = QPoint(target.left() + MARGIN, max(0, target.top() - MARGIN - size.height()))
        x = min(max(0, pos.x()), max(0, area.width() - size.width()))
        y = min(max(0, pos.y()), max(0, area.height() - size.height()))
        self.move(x, y)
        self.show()
        self.raise_()


    def place_inside(self, target: QRect) -> None:
        """In the top-right corner of ``target`` (parent coordinates), e.g. over the canvas."""
        self.fit()
        x = max(target.left(), target.right() - self.width() - MARGIN)
        self.move(x, target.top() + MARGIN)
        self.show()
        self.raise_()


class Highlight(QWidget):
    """A ring around one rectangle of its parent, drawn over everything and transparent to the
    mouse (the person can still use what is highlighted)."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("tour_highlight")
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.target = QRect()
        self.hide()

    def ring(self, target: QRect) -> None:
        self.target = QRect(target)
        self.setGeometry(self.parentWidget().rect())
        self.show()
        self.raise_()
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        if self.target.isEmpty():
            return
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        shade = QColor(0, 0, 0, 70)
        outer, inner = self.rect(), self.target.adjusted(-4, -4, 4, 4)
        for part in (QRect(outer.left(), outer.top(), outer.width(), inner.top() - outer.top()),
                     QRect(outer.left(), inner.bottom() + 1, outer.width(), outer.bottom() - inner.bottom()),
                     QRect(outer.left(), inner.top(), inner.left() - outer.left(), inner.height()),
                     QRect(inner.right() + 1, inner.top(), outer.right() - inner.right(), inner.height())):
            if part.isValid():
                painter.fillRect(part, shade)
        pen = QPen(self.palette().highlight().color(), 3)
        painter.setPen(pen)
        painter.drawRoundedRect(inner, 6, 6)
