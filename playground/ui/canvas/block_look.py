"""How blocks look: sizes, fonts, the colours shared by every block (recoloured in place for a
theme switch) and the prepared paths and texts that make painting one cheap."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetricsF, QPainter, QPainterPath, QPen, QStaticText
from PySide6.QtWidgets import QGraphicsItem

from playground.graph.spec import BlockSpec

WIDTH = 170.0
HEADER = 26.0
ROW = 20.0
SUMMARY = 16.0
THUMB = 96.0  # the per-unit heatmap: a 4×4 grid of units, each ~22 units (pixels at zoom 1) wide
THUMB_LARGE = WIDTH - 12  # "large heatmaps": as wide as the block
TITLE_POINTS = 11.0  # block titles; the view never zooms out below 9 pt on screen (READABLE_ZOOM)
SMALL_POINTS = 8.5
READABLE_ZOOM = 9.0 / TITLE_POINTS
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
LESION_BADGE_RECT = QRectF(-_BADGE, -_BADGE, 2 * _BADGE, 2 * _BADGE)  # the top-left corner
_LESION_BRUSH = QBrush(QColor(120, 60, 170))  # a colour no problem badge uses
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


_BUTTON = QBrush(QColor(255, 255, 255, 150))  # a light button face on either body colour
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
        title.setPointSizeF(TITLE_POINTS)
        small = QFont()
        small.setPointSizeF(SMALL_POINTS)
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


def paint_lesion_badge(painter: QPainter) -> None:
    """The lesion badge: a purple disc with a slash, on the block's top-left corner."""
    painter.setPen(_OUTLINE)
    painter.setBrush(_LESION_BRUSH)
    painter.drawEllipse(LESION_BADGE_RECT)
    painter.setPen(QPen(QColor(255, 255, 255), 1.8))
    r = _BADGE * 0.45
    painter.drawLine(QPointF(-r, r), QPointF(r, -r))
