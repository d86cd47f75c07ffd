"""MistakesGallery: the most confidently wrong validation examples, most confident first, each
shown as what it is: a picture for images, its tokens for sequences, its coordinates for 2-D
points (which the confusion view also rings on the decision boundary), else its first values."""

from __future__ import annotations

from typing import Any

import numpy as np
from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QIcon, QImage, QPixmap
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableWidget, QTableWidgetItem, QWidget

from playground.analysis.confusion import WrongExample

COLUMNS = ("sample", "input", "true", "predicted", "confidence")
PICTURE = 40  # px


def describe_input(bundle: Any, index: int) -> tuple[str, np.ndarray | None]:
    """Text for validation sample ``index`` of ``bundle`` and, for images, its (H, W) picture."""
    if bundle is None or not 0 <= index < len(bundle.x_val):
        return "—", None
    x = bundle.x_val[index]
    meta = getattr(bundle, "meta", {}) or {}
    if x.dtype.is_floating_point and x.dim() == 3:
        return "", x[0].float().numpy()
    if not x.dtype.is_floating_point:
        tokens = meta.get("tokens")
        ids = x.reshape(-1).tolist()
        if tokens:
            return " ".join(str(tokens[i]) if 0 <= i < len(tokens) else "?" for i in ids), None
        return " ".join(map(str, ids)), None
    values = x.reshape(-1).tolist()
    text = ", ".join(f"{v:.2f}" for v in values[:4]) + (", …" if len(values) > 4 else "")
    return f"({text})", None


def grey_image(picture: np.ndarray) -> QImage:
    """(H, W) values as a grey picture, darkest at the minimum, as the dataset preview draws digits."""
    low, high = float(picture.min()), float(picture.max())
    scaled = np.clip((picture - low) / ((high - low) or 1.0) * 255, 0, 255).astype(np.uint8)
    scaled = np.ascontiguousarray(scaled)
    height, width = scaled.shape
    return QImage(scaled.data, width, height, width, QImage.Format.Format_Grayscale8).copy()


class MistakesGallery(QTableWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(0, len(COLUMNS), parent)
        self.setHorizontalHeaderLabels(list(COLUMNS))
        self.setAccessibleName("Confusion: most confidently wrong validation examples")
        self.setToolTip("The validation examples the network got wrong with the highest confidence, "
                        "most confident first")
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.verticalHeader().setVisible(False)
        self.setIconSize(QSize(PICTURE, PICTURE))
        header = self.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.shown: list[WrongExample] = []

    def set_examples(self, wrong: list[WrongExample], bundle: Any, names: list[str] | None = None) -> None:
        self.shown = list(wrong)
        self.setRowCount(len(wrong))
        has_pictures = False
        for row, w in enumerate(wrong):
            text, picture = describe_input(bundle, w.index)
            cells = (str(w.index), text, self._name(w.true, names), self._name(w.predicted, names),
                     f"{w.confidence:.3f}")
            for col, value in enumerate(cells):
                item = QTableWidgetItem(value)
                item.setTextAlignment(Qt.AlignmentFlag.AlignVCenter |
                                      (Qt.AlignmentFlag.AlignLeft if col == 1 else Qt.AlignmentFlag.AlignRight))
                self.setItem(row, col, item)
            if picture is not None:
                has_pictures = True
                pixmap = QPixmap.fromImage(grey_image(picture)).scaled(PICTURE, PICTURE, Qt.AspectRatioMode.KeepAspectRatio,
                                                         Qt.TransformationMode.FastTransformation)
                self.item(row, 1).setIcon(QIcon(pixmap))
        self.verticalHeader().setDefaultSectionSize(PICTURE + 4 if has_pictures else self.fontMetrics().height() + 8)

    @staticmethod
    def _name(c: int, names: list[str] | None) -> str:
        if names and 0 <= c < len(names) and str(names[c]) != str(c):
            return f"{names[c]} ({c})"
        return str(c)
