"""A form of fitting editors for a tuple of ParamSpec (used by the dataset panel)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QLineEdit,
    QSpinBox,
    QWidget,
)

from playground.graph.spec import ParamSpec


class ParamForm(QWidget):
    """One editor per parameter (spin boxes with ranges, combos, checkboxes); emits ``changed``."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._layout = QFormLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._editors: dict[str, tuple[ParamSpec, QWidget]] = {}

    def set_specs(self, specs: tuple[ParamSpec, ...], values: dict[str, Any] | None = None) -> None:
        while self._layout.rowCount():
            self._layout.removeRow(0)
        self._editors.clear()
        values = values or {}
        for spec in specs:
            editor = self._editor(spec, values.get(spec.name, spec.default))
            editor.setObjectName(f"param_{spec.name}")
            editor.setToolTip(spec.help or spec.name)
            self._layout.addRow(spec.name.replace("_", " "), editor)
            self._editors[spec.name] = (spec, editor)

    def _editor(self, spec: ParamSpec, value: Any) -> QWidget:
        if spec.kind == "bool":
            box = QCheckBox()
            box.setChecked(bool(value))
            box.toggled.connect(self.changed)
            return box
        if spec.kind == "choice":
            combo = QComboBox()
            combo.addItems(list(spec.choices))
            combo.setCurrentText(str(value))
            combo.currentTextChanged.connect(self.changed)
            return combo
        if spec.kind == "int" and value is not None:
            spin = QSpinBox()
            spin.setRange(int(spec.min if spec.min is not None else -10**9),
                          int(spec.max if spec.max is not None else 10**9))
            spin.setValue(int(value))
            spin.setKeyboardTracking(False)
            spin.valueChanged.connect(self.changed)
            return spin
        if spec.kind == "float" and value is not None:
            dspin = QDoubleSpinBox()
            dspin.setDecimals(4)
            dspin.setRange(spec.min if spec.min is not None else -1e9, spec.max if spec.max is not None else 1e9)
            dspin.setSingleStep(0.05)
            dspin.setValue(float(value))
            dspin.setKeyboardTracking(False)
            dspin.valueChanged.connect(self.changed)
            return dspin
        line = QLineEdit("" if value is None else
                         ", ".join(map(str, value)) if isinstance(value, (list, tuple)) else str(value))
        line.editingFinished.connect(self.changed)
        return line

    def values(self) -> dict[str, Any]:
        """Current values; text fields are parsed by kind (a bad entry is passed on as text so the
        dataset's own validation can say what is wrong)."""
        out: dict[str, Any] = {}
        for name, (spec, editor) in self._editors.items():
            if isinstance(editor, QCheckBox):
                out[name] = editor.isChecked()
            elif isinstance(editor, QComboBox):
                out[name] = editor.currentText()
            elif isinstance(editor, QSpinBox | QDoubleSpinBox):
                out[name] = editor.value()
            elif isinstance(editor, QLineEdit):
                out[name] = _parse(spec, editor.text().strip())
        return out


def _parse(spec: ParamSpec, text: str) -> Any:
    if text == "" and spec.optional:
        return None
    try:
        if spec.kind == "int":
            return int(text)
        if spec.kind == "float":
            return float(text)
        if spec.kind == "ints":
            return [int(t) for t in text.replace(",", " ").split()]
    except ValueError:
        return text
    return text
