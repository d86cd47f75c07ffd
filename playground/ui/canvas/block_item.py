"""A block on the canvas: title, type, named ports, a parameter summary, a problem badge
and an optional small heatmap thumbnail. It mirrors a Node; it never owns state."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QFontMetricsF,
    QImage,
    QPainter,
    QPainterPath,
    QPen,
    QStaticText,
)
from PySide6.QtWidgets import QGraphicsItem, QStyle, QStyleOptionGraphicsItem, QWidget

from playground.graph.model import Node
from playground.graph.spec import BlockSpec, Diagnostic
from playground.ui.canvas.port_item import PortItem
from playground.ui.canvas.static_text import placed_text

if TYPE_CHECKING:
    from playground.ui.canvas.edge_item import EdgeItem
    from playground.ui.canvas.group_item import GroupItem

WIDTH = 170.0
HEADER = 26.0
ROW = 20.0
SUMMARY = 16.0
THUMB = 48.0
_BADGE = 8.0
OVERVIEW_ZOOM = 0.4  # below this zoom text is unreadable: blocks and wires are drawn as silhouettes
SMALL_TEXT_ZOOM = 0.5  # below this the small print (port names, params, shapes) is a smudge: skipped

# The title-bar colour of each category in graph.spec.BLOCK_CATEGORIES (which holds their order).
CATEGORY_COLORS = {
    "Input/Output": QColor(70, 130, 90), "Dense": QColor(60, 110, 180), "Convolution": QColor(120, 90, 170),
    "Activation": QColor(190, 120, 50), "Normalization": QColor(60, 150, 160), "Sequence": QColor(170, 80, 120),
    "Attention": QColor(200, 80, 70), "Structure": QColor(110, 110, 120),
}
_UNKNOWN_COLOR = QColor(150, 60, 60)
_FONTS: dict[str, Any] = {}  # built on first use: fonts need a running QGuiApplication
_BODY = QBrush(QColor(246, 247, 249))
_BODY_TEXT = QPen(QColor(35, 38, 44))
_WHITE = QPen(QColor(255, 255, 255))
_SUBTLE_TEXT = QPen(QColor(95, 100, 110))
_OUTLINE = QPen(QColor(70, 74, 82), 1.0)
_OUTLINE_HAIRLINE = QPen(QColor(70, 74, 82), 0)
_PATHS: dict[object, QPainterPath] = {}
# (title position, title) and the small print: (pen, position, text) for type, port names, params
_Texts = tuple[tuple[QPointF, QStaticText], list[tuple[QPen, QPointF, QStaticText]]]
SELECTED_COLOR = QColor(255, 170, 0)
_SELECTED = QPen(SELECTED_COLOR, 2.5)
_POSITION_CHANGED = QGraphicsItem.GraphicsItemChange.ItemPositionHasChanged
_LEFT = Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft
_RIGHT = Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignRight
_HEADER_RECT = QRectF(0.5, 0.5, WIDTH - 1, HEADER - 1)
_HEADER_FOOT = QRectF(0.5, HEADER - 6, WIDTH - 1, 5.5)
_HEADER_TEXT = QRectF(8, 0, WIDTH - 16, HEADER)
_BADGE_CENTER = QPointF(WIDTH, 0)
_BADGE_RECT = QRectF(WIDTH - _BADGE, -_BADGE, 2 * _BADGE, 2 * _BADGE)
# Body colours (light, dark): the shared brushes/pens above are recoloured in place, so every
# block and its laid-out text follow a theme switch without rebuilding anything.
_LOOKS = {
    "body": ((246, 247, 249), (52, 55, 61)),
    "body_text": ((35, 38, 44), (222, 225, 230)),
    "subtle_text": ((95, 100, 110), (160, 166, 176)),
    "outline": ((70, 74, 82), (20, 21, 24)),
    "overview": ((222, 225, 230), (72, 76, 84)),
}


def set_block_look(dark: bool) -> None:
    """Recolour block bodies for a dark or light canvas (shared by every canvas)."""
    pick = 1 if dark else 0
    targets = {"body": [_BODY], "body_text": [_BODY_TEXT], "subtle_text": [_SUBTLE_TEXT],
               "outline": [_OUTLINE, _OUTLINE_HAIRLINE], "overview": [OVERVIEW_BODY]}
    for key, objects in targets.items():
        color = QColor(*_LOOKS[key][pick])
        for obj in objects:
            obj.setColor(color)


BADGE_COLORS = {"error": QBrush(QColor(220, 50, 47)), "warning": QBrush(QColor(235, 180, 30))}
OVERVIEW_BODY = QBrush(QColor(222, 225, 230))  # no outline far out, so a shade darker than _BODY


def _rounded(rect: QRectF, radius: float) -> QPainterPath:
    """A rounded rectangle path, built once per size (painting a prepared path is cheaper)."""
    key = (rect.x(), rect.y(), rect.width(), rect.height(), radius)
    if key not in _PATHS:
        path = QPainterPath()
        path.addRoundedRect(QRectF(rect), radius, radius)
        _PATHS[key] = path
    return _PATHS[key]


def _header_path() -> QPainterPath:
    """The title bar: rounded on top, square where it meets the body."""
    if "header" not in _PATHS:
        foot = QPainterPath()
        foot.addRect(_HEADER_FOOT)
        _PATHS["header"] = _rounded(_HEADER_RECT, 5.5).united(foot)
    return _PATHS["header"]


def _fonts() -> dict[str, Any]:
    if not _FONTS:
        title = QFont()
        title.setBold(True)
        title.setPointSizeF(9.0)
        small = QFont()
        small.setPointSizeF(7.5)
        _FONTS.update(title=title, small=small, title_m=QFontMetricsF(title), small_m=QFontMetricsF(small))
    return _FONTS


def _summary(spec: BlockSpec | None, params: dict[str, Any]) -> str:
    """A short "name=value" list of the params that differ from nothing, for the block body."""
    if spec is None:
        return ""
    parts = []
    for p in spec.params[:4]:
        value = params.get(p.name, p.default)
        if value is None:
            continue
        if p.kind == "bool":
            if p.name in ("bias",):
                continue
            if value:
                parts.append(p.name)
            continue
        if isinstance(value, float):
            value = f"{value:g}"
        elif isinstance(value, list | tuple):
            value = "×".join(str(v) for v in value)
        parts.append(f"{p.name}={value}")
    return ", ".join(parts)


class BlockItem(QGraphicsItem):
    """Positions come from ``Node.pos`` (the top-left corner); gestures move it and then
    push one MoveNode edit, after which the model and the item agree again."""

    def __init__(self, node: Node, spec: BlockSpec | None) -> None:
        super().__init__()
        self.node_id = node.id
        self.spec = spec
        self.edges: list[EdgeItem] = []
        self.groups: list[GroupItem] = []
        self._diagnostics: tuple[tuple[str, str], ...] = ()
        self._thumbnail: QImage | None = None
        self._overview = False
        self._color = CATEGORY_COLORS[spec.category] if spec else _UNKNOWN_COLOR
        self.setFlags(QGraphicsItem.GraphicsItemFlag.ItemIsSelectable
                      | QGraphicsItem.GraphicsItemFlag.ItemSendsGeometryChanges)
        # A cached picture per block makes panning a blit (measured ~35% faster per frame than
        # drawing); far out the overview draws blocks instead (no re-render per wheel step).
        self.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        self.inputs: dict[str, PortItem] = {}
        self.outputs: dict[str, PortItem] = {}
        if spec is not None:
            for p in spec.inputs:
                self.inputs[p.name] = PortItem(node.id, p.name, False, self, p.help)
            for p in spec.outputs:
                self.outputs[p.name] = PortItem(node.id, p.name, True, self, p.help)
        self._rows = max(len(self.inputs), len(self.outputs), 1)
        self._height = 0.0
        self._texts: _Texts | None = None  # laid out at the first detailed paint
        self._port_batches: list[tuple[QPen | Qt.PenStyle, QBrush, QPainterPath]] | None = None
        self._layout()
        self.sync(node)

    # ------------------------------------------------------------- model sync
    def sync(self, node: Node) -> None:
        """Take label, params and position from the model."""
        self.label = node.label
        self.type_name = node.type
        fonts = _fonts()
        self._title = fonts["title_m"].elidedText(node.label, Qt.TextElideMode.ElideRight, WIDTH - 70)
        self._type_text = fonts["small_m"].elidedText(node.type, Qt.TextElideMode.ElideRight, 64)
        summary = _summary(self.spec, node.params)
        self._summary = fonts["small_m"].elidedText(summary, Qt.TextElideMode.ElideRight, WIDTH - 12)
        self._texts = None
        self._update_tooltip()
        if self.pos() != QPointF(*node.pos):
            self.setPos(QPointF(*node.pos))
        self.redraw()

    def port(self, name: str, is_output: bool) -> PortItem:
        """The named port, created (marked unknown) when the block type lacks it."""
        table = self.outputs if is_output else self.inputs
        if name not in table:
            table[name] = PortItem(self.node_id, name, is_output, self, known=False)
            self._rows = max(len(self.inputs), len(self.outputs), 1)
            self._layout()
        return table[name]

    def ports(self) -> list[PortItem]:
        return [*self.inputs.values(), *self.outputs.values()]

    def set_diagnostics(self, diagnostics: list[Diagnostic]) -> None:
        key = tuple((d.severity, d.message) for d in diagnostics)
        if key != self._diagnostics:
            self._diagnostics = key
            self._update_tooltip()
            self.redraw()

    @property
    def badge(self) -> str | None:
        """"error", "warning" or None: what the badge shows."""
        severities = {s for s, _ in self._diagnostics}
        return "error" if "error" in severities else ("warning" if severities else None)

    def set_thumbnail(self, image: QImage | None) -> None:
        """A small heatmap drawn in the block (e.g. a hidden unit's response); None removes it."""
        if image is None and self._thumbnail is None:
            return
        self._thumbnail = None if image is None or image.isNull() else image
        self._layout()
        self.redraw()

    @property
    def thumbnail(self) -> QImage | None:
        return self._thumbnail

    # --------------------------------------------------------------- geometry
    def _layout(self) -> None:
        self.prepareGeometryChange()
        self._port_labels: list[tuple[QRectF, Qt.AlignmentFlag, str]] = []
        for i, item in enumerate(self.inputs.values()):
            y = HEADER + ROW * (i + 0.5)
            item.setPos(0.0, y)
            self._port_labels.append((QRectF(10, y - ROW / 2, WIDTH / 2 - 10, ROW), _LEFT, item.name))
        for i, item in enumerate(self.outputs.values()):
            y = HEADER + ROW * (i + 0.5)
            item.setPos(WIDTH, y)
            self._port_labels.append((QRectF(WIDTH / 2, y - ROW / 2, WIDTH / 2 - 10, ROW), _RIGHT, item.name))
        self._height = HEADER + ROW * self._rows + SUMMARY + (THUMB if self._thumbnail is not None else 0.0)
        top = HEADER + ROW * self._rows
        self._thumb_rect = QRectF((WIDTH - THUMB + 6) / 2, top + 2, THUMB - 6, THUMB - 6)
        if self._thumbnail is not None:
            top += THUMB
        self._summary_rect = QRectF(6, top, WIDTH - 12, SUMMARY)
        self._texts = None
        self._body_rect = QRectF(0, 0, WIDTH, self._height)
        self._body_path = _rounded(self._body_rect, 6)
        self._port_batches = None
        for edge in self.edges:
            edge.update_path()
        for group in self.groups:
            group.update_geometry()

    @property
    def color(self) -> QColor:
        """The category colour of the title bar."""
        return self._color

    def thumbnail_rect(self) -> QRectF:
        """Where the thumbnail is drawn, in block coordinates."""
        return QRectF(self._thumb_rect)

    def size(self) -> tuple[float, float]:
        return WIDTH, self._height

    def boundingRect(self) -> QRectF:
        return QRectF(-2, -_BADGE - 2, WIDTH + _BADGE + 4, self._height + _BADGE + 4)

    def shape(self) -> QPainterPath:
        path = QPainterPath()
        path.addRoundedRect(QRectF(0, 0, WIDTH, self._height), 6, 6)
        return path

    def itemChange(self, change: QGraphicsItem.GraphicsItemChange, value: Any) -> Any:
        if change == _POSITION_CHANGED:
            for edge in self.edges:
                edge.update_path()
            for group in self.groups:
                group.update_geometry()
            if self._overview and self.scene() is not None:
                self.scene().overview_changed()  # type: ignore[attr-defined]
        return super().itemChange(change, value)

    # ---------------------------------------------------------------- drawing
    def _update_tooltip(self) -> None:
        lines = [f"{self.label} ({self.type_name})"]
        if self.spec is not None:
            lines.append(self.spec.description)
        else:
            lines.append("Unknown block type: it cannot be compiled")
        lines += [f"{s}: {m}" for s, m in self._diagnostics]
        self.setToolTip("\n".join(lines))

    def set_overview(self, overview: bool) -> None:
        """Far out the view paints this block in a batch (overview.py); then it paints nothing."""
        if overview != self._overview:
            self._overview = overview
            self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemHasNoContents, overview)
            self.update()

    def ports_changed(self) -> None:
        """A port's look changed (wired, dimmed, target): regroup them and repaint."""
        self._port_batches = None
        self.redraw()

    def _ports_by_look(self) -> list[tuple[QPen | Qt.PenStyle, QBrush, QPainterPath]]:
        """Ports that look alike in one path each: one draw call per look, not per port."""
        if self._port_batches is None:
            batches: dict[tuple[int, int, float], tuple[QPen | Qt.PenStyle, QBrush, QPainterPath]] = {}
            for port in (*self.inputs.values(), *self.outputs.values()):
                pen, brush, radius = port.look()
                key = (id(pen), id(brush), radius)
                if key not in batches:
                    batches[key] = (pen, brush, QPainterPath())
                batches[key][2].addEllipse(port.pos(), radius, radius)
            self._port_batches = list(batches.values())
        return self._port_batches

    def redraw(self) -> None:
        """Repaint after a change of look, in whichever mode the view is drawing."""
        self.update()
        scene = self.scene()
        if self._overview and scene is not None:
            scene.overview_changed()  # type: ignore[attr-defined]

    def _lay_out_texts(self) -> _Texts:
        small = _fonts()["small"]
        small_print = [(_WHITE, *placed_text(self._type_text, small, _HEADER_TEXT, _RIGHT))]
        small_print += [(_BODY_TEXT, *placed_text(text, small, rect, align))
                        for rect, align, text in self._port_labels]
        small_print.append((_SUBTLE_TEXT, *placed_text(self._summary, small, self._summary_rect, _LEFT)))
        return placed_text(self._title, _fonts()["title"], _HEADER_TEXT, _LEFT), small_print

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem,
              widget: QWidget | None = None) -> None:
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        fonts = _fonts()
        scale = painter.worldTransform().m11()
        # Up to ~1 px on screen a cosmetic hairline looks the same as the 1-unit outline and skips
        # stroking the rounded outline into a polygon.
        painter.setPen(_SELECTED if selected else (_OUTLINE_HAIRLINE if scale <= 1.25 else _OUTLINE))
        painter.setBrush(_BODY)
        painter.drawPath(self._body_path)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(self._color)
        painter.drawPath(_header_path())
        if self._texts is None:
            self._texts = self._lay_out_texts()
        title, small_print = self._texts
        painter.setPen(_WHITE)
        painter.setFont(fonts["title"])
        painter.drawStaticText(*title)
        if scale >= SMALL_TEXT_ZOOM:
            painter.setFont(fonts["small"])
            for pen, at, text in small_print:
                painter.setPen(pen)
                painter.drawStaticText(at, text)
        if self._thumbnail is not None:
            painter.drawImage(self._thumb_rect, self._thumbnail)
        for pen, brush, path in self._ports_by_look():
            painter.setPen(pen)
            painter.setBrush(brush)
            painter.drawPath(path)
        badge = self.badge
        if badge is not None:
            painter.setPen(_OUTLINE)
            painter.setBrush(BADGE_COLORS[badge])
            painter.drawEllipse(_BADGE_CENTER, _BADGE, _BADGE)
            painter.setPen(Qt.GlobalColor.white if badge == "error" else Qt.GlobalColor.black)
            painter.setFont(fonts["title"])
            painter.drawText(_BADGE_RECT, Qt.AlignmentFlag.AlignCenter, "!")
