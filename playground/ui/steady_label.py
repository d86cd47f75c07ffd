"""SteadyLabel: text that changes many times a second (the readout's numbers, the timeline's step,
the status bar's counters) without asking the window for a new layout each time.

A QLabel whose text changes tells its parent layout that its size may have changed; the request
climbs to the main window, which lays out every dock again and repaints the whole window. While
training that happened at every tick, for a number going from 0.6931 to 0.6929. A steady label has
a fixed size: as wide as the widest text it has shown, so a text that fits costs only the label's
own repaint, and one that does not fit widens it once. A new font or style measures again.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent
from PySide6.QtWidgets import QLabel, QWidget

PAD = 4  # pixels beyond the text's advance and the label's margins: rounding, and a little air


class SteadyLabel(QLabel):
    def __init__(self, text: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._widest = ""
        self.setText(text)

    def needed_width(self, text: str) -> int:
        margins = self.contentsMargins()
        frame = 2 * (self.margin() + self.frameWidth()) + margins.left() + margins.right()
        return self.fontMetrics().horizontalAdvance(text) + frame + PAD

    def needed_height(self) -> int:
        margins = self.contentsMargins()
        return self.fontMetrics().height() + 2 * (self.margin() + self.frameWidth()) + margins.top() + margins.bottom()

    def setText(self, text: str) -> None:
        if text == self.text() and self._widest:
            return
        if not self._widest or self.needed_width(text) > self.needed_width(self._widest):
            self._widest = text
            self._fit()
        super().setText(text)

    def _fit(self) -> None:
        self.setFixedSize(self.needed_width(self._widest), self.needed_height())

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.StyleChange) and self._widest:
            self._fit()  # the same texts in a new font
