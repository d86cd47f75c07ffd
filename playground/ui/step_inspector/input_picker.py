"""InputPicker: the four ways to choose the inspector's input, as tabs: a dataset sample, a 2-D
point (typed, or clicked on the decision boundary view), typed tokens, or a drawing.

It emits ``chosen(InputChoice)`` when a person edits one of them, and ``failed(message)`` when
typed text cannot be read; checking the choice against the network is the state's work.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QSpinBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from playground.analysis.inspect_input import (
    InputChoice,
    InspectInputError,
    image_size,
    input_kind,
    parse_input_text,
    value_range,
)
from playground.data import DataBundle
from playground.ui.step_inspector.draw_pad import DrawPad

TABS = ("sample", "point", "tokens", "image")


def _named(widget: QWidget, name: str, tip: str) -> QWidget:
    widget.setAccessibleName(name)
    widget.setToolTip(tip)
    return widget


class InputPicker(QTabWidget):
    chosen = Signal(object)
    failed = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        _named(self, "Input choice", "How to choose the input: a dataset sample, a point, tokens or a drawing")
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        self.bundle: DataBundle | None = None
        self._split = "val"
        self._index = 0
        self._point = [0.0, 0.0]
        # a dataset sample
        self.split = QComboBox()
        self.split.addItem("validation", "val")
        self.split.addItem("training", "train")
        _named(self.split, "Sample split", "Count samples in the validation or the training set")
        self.sample = QSpinBox()
        _named(self.sample, "Sample index", "Which sample of the chosen split to run the network on")
        self.sample_target = QLabel()
        sample_page = QWidget()
        form = QFormLayout(sample_page)
        form.addRow("Split", self.split)
        form.addRow("Sample", self.sample)
        form.addRow("Target", self.sample_target)
        # a point
        self.x_spin = QDoubleSpinBox()
        self.y_spin = QDoubleSpinBox()
        for spin, name in ((self.x_spin, "x₁"), (self.y_spin, "x₂")):
            spin.setRange(-1000.0, 1000.0)
            spin.setDecimals(3)
            spin.setSingleStep(0.1)
            _named(spin, f"Point {name}", f"The point's {name} coordinate (or click on the decision boundary view)")
        point_page = QWidget()
        form = QFormLayout(point_page)
        form.addRow("x₁", self.x_spin)
        form.addRow("x₂", self.y_spin)
        form.addRow(QLabel("Or click a point on the Decision boundary view."))
        # tokens
        self.tokens = QLineEdit()
        _named(self.tokens, "Tokens", "Token ids separated by spaces, e.g. 3 1 4 1; press Enter to run")
        self.run_tokens = QPushButton("Run")
        _named(self.run_tokens, "Run tokens", "Run the network on the typed tokens")
        self.tokens_hint = QLabel()
        self.tokens_hint.setWordWrap(True)
        tokens_page = QWidget()
        box = QVBoxLayout(tokens_page)
        row = QHBoxLayout()
        row.addWidget(self.tokens, 1)
        row.addWidget(self.run_tokens)
        box.addLayout(row)
        box.addWidget(self.tokens_hint)
        box.addStretch(1)
        # a drawing
        self.pad = DrawPad()
        self.clear_pad = QPushButton("Clear")
        _named(self.clear_pad, "Clear drawing", "Blank the drawing pad (and run the network on the blank picture)")
        self.copy_sample = QPushButton("Copy sample")
        _named(self.copy_sample, "Copy sample to drawing", "Start the drawing from the chosen dataset sample")
        image_page = QWidget()
        side = QHBoxLayout(image_page)
        side.addWidget(self.pad)
        buttons = QVBoxLayout()
        buttons.addWidget(self.clear_pad)
        buttons.addWidget(self.copy_sample)
        buttons.addStretch(1)
        side.addLayout(buttons)
        side.addStretch(1)
        for page, title in ((sample_page, "Sample"), (point_page, "Point"), (tokens_page, "Tokens"),
                            (image_page, "Draw")):
            self.addTab(page, title)
        self.split.currentIndexChanged.connect(self._split_changed)
        self.sample.valueChanged.connect(self._sample_changed)
        self.x_spin.valueChanged.connect(lambda v: self._point_changed(0, v))
        self.y_spin.valueChanged.connect(lambda v: self._point_changed(1, v))
        self.tokens.returnPressed.connect(self._tokens_entered)
        self.run_tokens.clicked.connect(self._tokens_entered)
        self.pad.drawn.connect(lambda rows: self.chosen.emit(InputChoice.image(rows)))
        self.clear_pad.clicked.connect(self.pad.clear)
        self.copy_sample.clicked.connect(self._copy_sample)

    # ------------------------------------------------------------------ the data
    def configure(self, bundle: DataBundle | None) -> None:
        """Offer the ways this data's input can be chosen (a sample always)."""
        self.bundle = bundle
        kind = input_kind(bundle.task) if bundle is not None else "sample"
        for index, tab in enumerate(TABS):
            self.setTabEnabled(index, tab == "sample" or tab == kind or (tab == "point" and kind == "vector"
                                                                        and bundle is not None
                                                                        and bundle.task.input_shape == (2,)))
        self._update_sample_range()
        if bundle is not None and kind == "tokens":
            task = bundle.task
            self.tokens_hint.setText(f"{task.input_shape[0]} token ids from 0 to {(task.vocab_size or task.num_classes) - 1}")
        size = image_size(bundle.task) if bundle is not None else None
        if bundle is not None and size is not None:
            self.pad.set_size(*size, *value_range(bundle))
        self.setCurrentIndex(TABS.index(kind) if kind in TABS and self.isTabEnabled(TABS.index(kind)) else 0)

    def _samples(self) -> tuple[Any, Any]:
        if self.bundle is None:
            return None, None
        if self._split == "train":
            return self.bundle.x_train, self.bundle.y_train
        return self.bundle.x_val, self.bundle.y_val

    def _update_sample_range(self) -> None:
        x, _ = self._samples()
        self.sample.blockSignals(True)
        top = max(int(x.shape[0]) - 1, 0) if x is not None else 0
        self.sample.setRange(0, top)
        self.sample.blockSignals(False)
        self._index = min(self._index, top)
        self._show_target(self._index)

    def _show_target(self, index: int) -> None:
        _, y = self._samples()
        if y is None or not 0 <= index < len(y):
            self.sample_target.setText("")
            return
        target = y[index]
        names = list(self.bundle.meta.get("class_names") or []) if self.bundle is not None else []
        if target.ndim == 0 and not target.is_floating_point():
            k = int(target)
            self.sample_target.setText(f"class {k}" + (f" ({names[k]})" if k < len(names) and names[k] != str(k) else ""))
        else:
            flat = target.reshape(-1)
            text = " ".join(f"{float(v):.3g}" if target.is_floating_point() else str(int(v)) for v in flat[:16])
            self.sample_target.setText(text + (" …" if flat.numel() > 16 else ""))

    # ------------------------------------------------------------------ edits
    def _split_changed(self, index: int) -> None:
        self._split = str(self.split.itemData(index))
        self._update_sample_range()
        self.chosen.emit(InputChoice.sample(self._index, self._split))

    def _sample_changed(self, index: int) -> None:
        self._index = index
        self._show_target(index)
        self.chosen.emit(InputChoice.sample(index, self._split))

    def _point_changed(self, axis: int, value: float) -> None:
        self._point[axis] = float(value)
        self.chosen.emit(InputChoice.point(*self._point))

    def set_point(self, x: float, y: float) -> None:
        """A point chosen elsewhere (a click on the boundary view): shown here, then run once."""
        self._point = [float(x), float(y)]
        for spin, v in ((self.x_spin, x), (self.y_spin, y)):
            spin.blockSignals(True)
            spin.setValue(v)
            spin.blockSignals(False)
        self.setCurrentIndex(TABS.index("point"))
        self.chosen.emit(InputChoice.point(*self._point))

    def _tokens_entered(self) -> None:
        if self.bundle is None:
            return
        try:
            choice = parse_input_text(self.tokens.text(), self.bundle.task)
        except InspectInputError as err:
            self.failed.emit(str(err))
            return
        self.chosen.emit(choice)

    def _copy_sample(self) -> None:
        x, _ = self._samples()
        index = self._index
        size = image_size(self.bundle.task) if self.bundle is not None else None
        if x is None or not 0 <= index < len(x) or size is None:
            return
        rows = x[index].reshape(*size).tolist()
        self.pad.set_rows(rows)
        self.chosen.emit(InputChoice.image(rows))
