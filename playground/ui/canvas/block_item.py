"""A block on the canvas: title, type, named ports, a parameter summary, a problem badge,
an optional per-unit heatmap and (Linear, convolutions) +/− unit buttons and "+ layer".
It mirrors a Node; it never owns state."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import (
    QBrush,
    QColor,
    QImage,
    QPainter,
    QPainterPath,
    QPen,
)
from PySide6.QtWidgets import QGraphicsItem, QStyle, QStyleOptionGraphicsItem, QWidget

from playground.graph.edits import unit_param
from playground.graph.model import Node
from playground.graph.spec import BlockSpec, Diagnostic
from playground.ui.canvas import block_controls as controls
from playground.ui.canvas.port_item import PortItem
from playground.ui.canvas.static_text import placed_text

if TYPE_CHECKING:
    from playground.ui.canvas.edge_item import EdgeItem
    from playground.ui.canvas.group_item import GroupItem

from playground.ui.canvas.block_look import (  # noqa: F401 (re-exported: other canvas modules use them)
    _BADGE,
    _BADGE_CENTER,
    _BADGE_RECT,
    _BODY,
    _BODY_TEXT,
    _BUTTON,
    _FONTS,
    _HEADER_FOOT,
    _HEADER_RECT,
    _HEADER_TEXT,
    _LEFT,
    _LOOKS,
    _OUTLINE,
    _OUTLINE_HAIRLINE,
    _PATHS,
    _POSITION_CHANGED,
    _RIGHT,
    _SELECTED,
    _SUBTLE_TEXT,
    _UNKNOWN_COLOR,
    _WHITE,
    BADGE_COLORS,
    CATEGORY_COLORS,
    HEADER,
    LESION_BADGE_RECT,
    OVERVIEW_BODY,
    OVERVIEW_ZOOM,
    READABLE_ZOOM,
    ROW,
    SELECTED_COLOR,
    SMALL_POINTS,
    SMALL_TEXT_ZOOM,
    SUMMARY,
    THUMB,
    THUMB_LARGE,
    TITLE_POINTS,
    WIDTH,
    _fonts,
    _header_path,
    _rounded,
    _summary,
    _Texts,
    paint_lesion_badge,
    set_block_look,
)


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
        self._lesion: str | None = None  # what is lesioned (the lesion badge's tooltip), None: intact
        self._thumbnail: QImage | None = None
        self._thumb_size = THUMB
        self._unit_param = unit_param(spec)
        self._units: int | None = None  # the unit count shown between the − and + buttons
        self._controls = self._unit_param is not None  # the scene turns them off on a head layer
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
        if self._unit_param is not None and self.spec is not None:
            value = node.params.get(self._unit_param, self.spec.param(self._unit_param).default)  # type: ignore[union-attr]
            units = int(value) if isinstance(value, int) else None
            if units != self._units:
                self._units = units
                self._layout()
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
            self.prepareGeometryChange()  # the shape grows or loses the badge
            self._diagnostics = key
            self._update_tooltip()
            self.redraw()

    def set_lesion(self, description: str | None) -> None:
        """Show the lesion badge (top-left corner) saying ``description``; None removes it."""
        if description != self._lesion:
            self.prepareGeometryChange()
            self._lesion = description
            self._update_tooltip()
            self.redraw()

    @property
    def lesion(self) -> str | None:
        return self._lesion

    @property
    def badge(self) -> str | None:
        """"error", "warning" or None: what the badge shows."""
        severities = {s for s, _ in self._diagnostics}
        return "error" if "error" in severities else ("warning" if severities else None)

    def set_thumbnail(self, image: QImage | None) -> None:
        """A small heatmap drawn in the block (e.g. a hidden unit's response); None removes it."""
        if image is None and self._thumbnail is None:
            return
        had = self._thumbnail is not None
        self._thumbnail = None if image is None or image.isNull() else image
        if had != (self._thumbnail is not None):  # the block grows or shrinks by the heatmap's row
            self._layout()
        self.redraw()  # a new picture in the same place (every probe while training): no new geometry

    @property
    def thumbnail(self) -> QImage | None:
        return self._thumbnail

    def set_thumbnail_size(self, size: float) -> None:
        """Side of the heatmap in scene units (THUMB, or THUMB_LARGE for large heatmaps)."""
        if size != self._thumb_size:
            self._thumb_size = size
            self._layout()
            self.redraw()

    def set_unit_controls(self, shown: bool) -> None:
        """Show the +/− unit and "+ layer" buttons (only blocks with units have them)."""
        shown = shown and self._unit_param is not None
        if shown != self._controls:
            self._controls = shown
            self._layout()
            self.redraw()

    @property
    def has_unit_controls(self) -> bool:
        return self._controls and self._units is not None

    @property
    def units_word(self) -> str:
        return "units" if self._unit_param == "out_features" else "channels"

    def button_rects(self) -> dict[str, QRectF]:
        """The +/− and "+ layer" buttons in block coordinates (empty when the block has none)."""
        return controls.button_rects(self._controls_top) if self.has_unit_controls else {}

    def region_at(self, local: QPointF) -> str | None:
        """"badge", "unit_minus", "unit_plus", "layer_plus", "thumbnail" or None at block point ``local``."""
        if self.badge is not None and (local - _BADGE_CENTER).manhattanLength() <= _BADGE * 1.5:
            return "badge"
        if self._lesion is not None and local.manhattanLength() <= _BADGE * 1.5:
            return "lesion"
        for name, rect in self.button_rects().items():
            if rect.contains(local):
                return name
        if self._thumbnail is not None and self._thumb_rect.contains(local):
            return "thumbnail"
        return None

    def tooltip_at(self, local: QPointF) -> tuple[str, QRectF] | None:
        """The tooltip of the part under ``local`` and the block rect it holds for, or None
        (then the block's own tooltip applies)."""
        region = self.region_at(local)
        if region == "badge":
            text = "\n".join(f"{'Error' if s == 'error' else 'Warning'}: {m}" for s, m in self._diagnostics)
            return text, QRectF(_BADGE_RECT)
        if region == "lesion" and self._lesion is not None:
            return f"Lesioned: {self._lesion}", QRectF(LESION_BADGE_RECT)
        if region in controls.BUTTON_GLYPHS and self._units is not None:
            return controls.button_tooltip(region, self.units_word, self._units), self.button_rects()[region]
        if region == "thumbnail" and self._thumbnail is not None:
            tile = controls.tile_rect(self._thumbnail, self._thumb_rect, local)
            return (controls.heatmap_readout(self._thumbnail, self._thumb_rect, local),
                    tile if tile is not None else QRectF(self._thumb_rect))
        return None

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
        thumb = self._thumb_size if self._thumbnail is not None else 0.0
        top = HEADER + ROW * self._rows
        self._thumb_rect = QRectF((WIDTH - self._thumb_size + 6) / 2, top + 2,
                                  self._thumb_size - 6, self._thumb_size - 6)
        top += thumb
        self._summary_rect = QRectF(6, top, WIDTH - 12, SUMMARY)
        self._controls_top = top + SUMMARY
        self._height = self._controls_top + (controls.CONTROLS if self.has_unit_controls else 0.0)
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
        return QRectF(-_BADGE - 2, -_BADGE - 2, WIDTH + 2 * _BADGE + 4, self._height + _BADGE + 4)

    def shape(self) -> QPainterPath:
        path = QPainterPath()
        path.addRoundedRect(QRectF(0, 0, WIDTH, self._height), 6, 6)
        if self.badge is not None:  # the badge sticks out of the corner: pointing at it is pointing here
            path.addEllipse(_BADGE_CENTER, _BADGE + 2, _BADGE + 2)
        if self._lesion is not None:
            path.addEllipse(QPointF(0, 0), _BADGE + 2, _BADGE + 2)
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
        if self._lesion is not None:
            lines.append(f"Lesioned: {self._lesion}")
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
        if self.has_unit_controls:
            for name, rect in self.button_rects().items():
                small_print.append((_BODY_TEXT, *placed_text(controls.BUTTON_GLYPHS[name], small, rect,
                                                             Qt.AlignmentFlag.AlignCenter)))
            count = QRectF(controls.COUNT_RECT_X, self._controls_top, controls.COUNT_RECT_W, controls.CONTROLS)
            small_print.append((_BODY_TEXT, *placed_text(f"{self._units} {'units' if self.units_word == 'units' else 'ch'}", small, count,
                                                         Qt.AlignmentFlag.AlignCenter)))
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
        if self.has_unit_controls:
            painter.setPen(_OUTLINE_HAIRLINE)
            painter.setBrush(_BUTTON)
            for rect in self.button_rects().values():
                painter.drawRoundedRect(rect, 3, 3)
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
        if self._lesion is not None:
            paint_lesion_badge(painter)
