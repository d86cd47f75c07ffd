"""One editor widget per block parameter kind, used by the Inspector.

Each emits ``committed(value)`` once per finished user change (not per keystroke)
and ``invalid(message)`` when the typed text cannot be a value at all.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QHBoxLayout,
    QLineEdit,
    QSpinBox,
    QWidget,
)

from playground.graph.spec import ParamSpec

INT_LIMIT = 2**31 - 1
FLOAT_LIMIT = 1e9


def parse_ints(text: str, name: str) -> list[int]:
    """"3, 3" or "3 3" -> [3, 3]; raises ValueError with a message saying what is wrong."""
    parts = [p for p in text.replace(",", " ").replace("×", " ").split() if p]
    try:
        return [int(p) for p in parts]
    except ValueError:
        raise ValueError(f"{name} must be whole numbers separated by commas, e.g. 3, 3 (got {text!r})") from None


class ParamEditor(QWidget):
    """Editor for one ParamSpec; optional params get an "auto" checkbox meaning None."""

    committed = Signal(object)
    invalid = Signal(str)

    def __init__(self, spec: ParamSpec, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.spec = spec
        self._value: Any = spec.default
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.auto: QCheckBox | None = None
        self.editor = self._make_editor()
        self.editor.setToolTip(self._tooltip())
        self.editor.setAccessibleName(spec.name.replace("_", " "))  # what a screen reader says for the field
        layout.addWidget(self.editor, 1)
        if spec.optional:
            self.auto = QCheckBox("auto", self)
            self.auto.setToolTip(f"Leave {spec.name} to be worked out from the incoming shape")
            self.auto.toggled.connect(self._auto_toggled)
            layout.addWidget(self.auto)

    def _tooltip(self) -> str:
        bits = [self.spec.help or self.spec.name]
        if self.spec.min is not None or self.spec.max is not None:
            lo = "−∞" if self.spec.min is None else f"{self.spec.min:g}"
            hi = "∞" if self.spec.max is None else f"{self.spec.max:g}"
            bits.append(f"range {lo} … {hi}")
        return "\n".join(bits)

    def _make_editor(self) -> QWidget:
        spec = self.spec
        if spec.kind == "bool":
            box = QCheckBox(self)
            box.toggled.connect(lambda on: self._commit(bool(on)))
            return box
        if spec.kind == "choice":
            combo = QComboBox(self)
            combo.addItems(list(spec.choices))
            combo.activated.connect(lambda i: self._commit(combo.itemText(i)))
            return combo
        if spec.kind == "int":
            spin = QSpinBox(self)
            spin.setRange(int(spec.min) if spec.min is not None else -INT_LIMIT,
                          int(spec.max) if spec.max is not None else INT_LIMIT)
            spin.setKeyboardTracking(False)
            spin.valueChanged.connect(lambda v: self._commit(int(v)))
            return spin
        if spec.kind == "float":
            dspin = QDoubleSpinBox(self)
            dspin.setDecimals(6)
            dspin.setRange(spec.min if spec.min is not None else -FLOAT_LIMIT,
                           spec.max if spec.max is not None else FLOAT_LIMIT)
            dspin.setStepType(QAbstractSpinBox.StepType.AdaptiveDecimalStepType)
            dspin.setKeyboardTracking(False)
            dspin.valueChanged.connect(lambda v: self._commit(float(v)))
            return dspin
        line = QLineEdit(self)
        if spec.kind == "ints":
            line.setPlaceholderText("e.g. 3, 3")
        line.editingFinished.connect(self._line_finished)
        return line

    # ------------------------------------------------------------------ values
    def value(self) -> Any:
        return self._value

    def set_value(self, value: Any) -> None:
        """Show ``value`` without emitting anything."""
        self._value = value
        widgets = [self.editor] + ([self.auto] if self.auto is not None else [])
        for w in widgets:
            w.blockSignals(True)
        try:
            if self.auto is not None:
                self.auto.setChecked(value is None)
                self.editor.setEnabled(value is not None)
            if value is not None:
                self._show(value)
        finally:
            for w in widgets:
                w.blockSignals(False)

    def _show(self, value: Any) -> None:
        e = self.editor
        if isinstance(e, QCheckBox):
            e.setChecked(bool(value))
        elif isinstance(e, QComboBox):
            e.setCurrentText(str(value))
        elif isinstance(e, QSpinBox | QDoubleSpinBox):
            e.setValue(value)
        elif isinstance(e, QLineEdit):
            e.setText(", ".join(str(v) for v in value) if isinstance(value, list | tuple) else str(value))

    def _editor_value(self) -> Any:
        e = self.editor
        if isinstance(e, QCheckBox):
            return e.isChecked()
        if isinstance(e, QComboBox):
            return e.currentText()
        if isinstance(e, QSpinBox):
            return int(e.value())
        if isinstance(e, QDoubleSpinBox):
            return float(e.value())
        text = e.text()  # type: ignore[attr-defined]
        return parse_ints(text, self.spec.name) if self.spec.kind == "ints" else text

    def _commit(self, value: Any) -> None:
        if value != self._value:
            self._value = value
            self.committed.emit(value)

    def _line_finished(self) -> None:
        try:
            value = self._editor_value()
        except ValueError as err:
            self.invalid.emit(str(err))
            return
        self._commit(value)

    def _auto_toggled(self, on: bool) -> None:
        self.editor.setEnabled(not on)
        if on:
            self._commit(None)
            return
        try:
            value = self._editor_value()
        except ValueError as err:
            self.invalid.emit(str(err))
            return
        self._commit(value)
