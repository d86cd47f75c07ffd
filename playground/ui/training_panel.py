"""Training settings: pace, optimizer, learning rate, schedule, batch size, epochs,
regularisation (weight decay, L1, L2, gradient clipping), device, and the best checkpoint's
metric with early stopping's patience.

The panel edits the Workspace's TrainConfig and shows it again whenever it changes (a
load, an edit, undo). Fields it does not show stay as the workspace has them. Fields that do
not apply are hidden: Momentum for Adam/AdamW (they use betas), Nesterov except for SGD, the
steps-per-second slider at the fastest pace. Epochs is disabled while "Run until stopped" is
ticked (its value is kept for when it is turned off). Only devices that exist on this
machine are offered.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QSignalBlocker, Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QSlider,
    QSpinBox,
    QWidget,
)

from playground.train.config import ConfigError, TrainConfig
from playground.workspace import Workspace
from playground.workspace.sources import available_devices

OPTIMIZERS = ("sgd", "adam", "adamw", "rmsprop")
SCHEDULES = ("constant", "step", "cosine", "warmup_cosine")
INITS = ("default", "xavier", "kaiming", "orthogonal", "small")
PACES = (("Watch", "watch"), ("Fastest", "fastest"))
BEST_METRICS = (("Auto (accuracy, else loss)", "auto"), ("Validation loss", "val_loss"),
                ("Validation accuracy", "val_acc"))
WITH_MOMENTUM = frozenset({"sgd", "rmsprop"})
RATE_RANGE = (1, 200)  # steps per second the slider offers (50: the first 500 steps in about 10 s)


class TrainingPanel(QWidget):
    """A person's change of one field goes to ``Workspace.update_config``; a refused value shows
    its message in red and the field goes back to the workspace's value."""

    def __init__(self, workspace: Workspace, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.workspace = workspace
        self.form = form = QFormLayout(self)
        self._build_pace()
        self.optimizer = self._combo(OPTIMIZERS, "optimizer", "The update rule (Adam is a safe default)")
        self.lr = self._float("lr", 5, (0.00001, 100.0), 0.001,
                              "Learning rate: the step size (can change while training)")
        self.momentum = self._float("momentum", 3, (0.0, 0.999), 0.05,
                                    "SGD/RMSprop momentum (0 = none); Adam and AdamW use their own betas")
        self.nesterov = QCheckBox("Nesterov")
        self._wire(self.nesterov, "nesterov", "Nesterov momentum (SGD with momentum above 0)")
        self.schedule = self._combo(SCHEDULES, "schedule", "How the learning rate changes over the run")
        self.batch_size = QSpinBox()
        self.batch_size.setRange(0, 65536)
        self.batch_size.setSpecialValueText("full batch")
        self._wire(self.batch_size, "batch_size", "Samples per step (0 = the whole training set)")
        self.epochs = QSpinBox()
        self.epochs.setRange(0, 1_000_000)
        self.epochs.setSpecialValueText("no limit")
        self._wire(self.epochs, "epochs", "Stop after this many passes over the training set (0 = no limit)")
        self.until_stopped = QCheckBox("Run until stopped")
        self._wire(self.until_stopped, "until_stopped",
                   "Train on until you pause or stop, as TensorFlow Playground plays until paused "
                   "(the Epochs value is kept for when this is off)")
        self.weight_decay = self._float("weight_decay", 5, (0.0, 1.0), 0.0001,
                                        "Shrinks weights towards zero each step (decoupled for AdamW)")
        self.l1 = self._float("l1", 5, (0.0, 10.0), 0.0001,
                              "L1 penalty: adds l1·Σ|w| over the weight matrices to the loss (pushes "
                              "weights to exactly zero; can change while training)")
        self.l2 = self._float("l2", 5, (0.0, 10.0), 0.0001,
                              "L2 penalty: adds l2·Σw² over the weight matrices to the loss (can change "
                              "while training)")
        self.grad_clip = self._float("grad_clip", 3, (0.0, 1e6), 0.1,
                                     "Clip the global gradient norm to this value (0 = off; can change "
                                     "while training)")
        self.grad_clip.setSpecialValueText("off")
        self.init = self._combo(INITS, "init", "How weights start (applies on Reset weights)")
        self.seed = QSpinBox()
        self.seed.setRange(0, 2**31 - 1)
        self._wire(self.seed, "seed", "Random seed: the same seed gives the same run")
        self.device = self._combo(tuple(available_devices()), "device",
                                  "Where to train: only devices found on this machine are listed")
        self._build_stopping()
        rows: tuple[tuple[str, QWidget], ...] = (
            ("Optimizer", self.optimizer), ("Learning rate", self.lr), ("Momentum", self.momentum),
            ("", self.nesterov), ("LR schedule", self.schedule), ("Batch size", self.batch_size),
            ("Epochs", self.epochs), ("", self.until_stopped), ("Weight decay", self.weight_decay),
            ("L1", self.l1), ("L2", self.l2), ("Gradient clipping", self.grad_clip),
            ("Initialisation", self.init), ("Seed", self.seed), ("Device", self.device),
            ("Best checkpoint by", self.best_metric), ("Early stopping", self.patience))
        for label, widget in rows:
            form.addRow(label, widget)
        self.error = QLabel()
        self.error.setObjectName("training_config_error")
        self.error.setStyleSheet("color: #d9534f")
        self.error.setWordWrap(True)
        form.addRow(self.error)
        workspace.loaded.connect(self._show_workspace)
        workspace.config_changed.connect(lambda _fields: self._show_workspace())
        self._show_workspace()

    # ------------------------------------------------------------ widgets
    def _build_pace(self) -> None:
        self.pace = QComboBox()
        for label, value in PACES:
            self.pace.addItem(label, value)
        self.pace.setObjectName("train_pace")
        self.pace.setAccessibleName("Pace")
        self.pace.setToolTip("Watch: a steady, slowed rate you can follow, every frame redrawn. Fastest: as "
                             "fast as this machine trains. The same steps are recorded either way.")
        self.pace.currentIndexChanged.connect(lambda _i: self._changed("pace"))
        self.rate = QSlider(Qt.Orientation.Horizontal)
        self.rate.setObjectName("train_watch_steps_per_s")
        self.rate.setAccessibleName("Steps per second")
        self.rate.setToolTip("Steps per second at the watch pace")
        self.rate.setRange(*RATE_RANGE)
        self.rate.setPageStep(10)
        self.rate.setTracking(False)  # one setting change per drag, at release
        self.rate.valueChanged.connect(lambda _v: self._changed("watch_steps_per_s"))
        self.rate.sliderMoved.connect(self._show_rate)
        self.rate_label = QLabel()
        self.rate_label.setMinimumWidth(self.rate_label.fontMetrics().horizontalAdvance("200 steps/s"))
        self.rate_row = QWidget()
        row = QHBoxLayout(self.rate_row)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.rate, 1)
        row.addWidget(self.rate_label)
        self.form.addRow("Pace", self.pace)
        self.form.addRow("Speed", self.rate_row)

    def _build_stopping(self) -> None:
        self.best_metric = QComboBox()
        for label, value in BEST_METRICS:
            self.best_metric.addItem(label, value)
        self.best_metric.setObjectName("train_best_metric")
        self.best_metric.setAccessibleName("Best checkpoint by")
        self.best_metric.setToolTip("The validation metric the best weights are kept by while training "
                                    "(Analyze > Restore best checkpoint puts them back)")
        self.best_metric.currentIndexChanged.connect(lambda _i: self._changed("best_metric"))
        self.patience = QSpinBox()
        self.patience.setRange(0, 100_000)
        self.patience.setSpecialValueText("off")
        self.patience.setSuffix(" validations")
        self._wire(self.patience, "patience", "Stop the run after this many validations in a row without a "
                   "better best metric (off = train to the limit)")
        self.patience.setAccessibleName("Early stopping patience")

    def _show_rate(self, value: int) -> None:
        self.rate_label.setText(f"{value} steps/s")

    def _float(self, name: str, decimals: int, bounds: tuple[float, float], step: float, tip: str) -> QDoubleSpinBox:
        spin = QDoubleSpinBox()
        spin.setDecimals(decimals)
        spin.setRange(*bounds)
        spin.setSingleStep(step)
        self._wire(spin, name, tip)
        return spin

    def _combo(self, items: tuple[str, ...], name: str, tip: str) -> QComboBox:
        combo = QComboBox()
        combo.addItems(list(items))
        self._wire(combo, name, tip)
        return combo

    def _wire(self, widget: QWidget, name: str, tip: str) -> None:
        widget.setObjectName(f"train_{name}")
        widget.setToolTip(tip)
        widget.setAccessibleName(name.replace("_", " ").capitalize())
        if isinstance(widget, QComboBox):
            widget.currentTextChanged.connect(lambda _v, n=name: self._changed(n))
        elif isinstance(widget, QCheckBox):
            widget.toggled.connect(lambda _v, n=name: self._changed(n))
        else:
            widget.setKeyboardTracking(False)  # type: ignore[attr-defined]
            widget.valueChanged.connect(lambda _v, n=name: self._changed(n))  # type: ignore[attr-defined]

    def _changed(self, name: str) -> None:
        try:
            self.workspace.update_config(**{name: self._value(name)})
        except (ConfigError, ValueError, TypeError) as exc:
            self._show_workspace()  # the fields never show what the run would not use
            self.error.setText(str(exc))
            return
        self.error.setText("")

    def _value(self, name: str) -> Any:
        if name == "pace":
            return self.pace.currentData()
        if name == "watch_steps_per_s":
            return float(self.rate.value())
        if name == "best_metric":
            return self.best_metric.currentData()
        widget = getattr(self, name)
        if isinstance(widget, QComboBox):
            return widget.currentText()
        if isinstance(widget, QCheckBox):
            return widget.isChecked()
        return widget.value()

    # ---------------------------------------------------------------- shown
    def _show_workspace(self) -> None:
        config: TrainConfig = self.workspace.config
        for name in ("optimizer", "schedule", "init", "device"):
            combo: QComboBox = getattr(self, name)
            value = str(getattr(config, name))
            with QSignalBlocker(combo):
                combo.setCurrentText(value if combo.findText(value) >= 0 else combo.itemText(0))
        for name, kind in (("lr", float), ("momentum", float), ("batch_size", int), ("epochs", int),
                           ("weight_decay", float), ("l1", float), ("l2", float), ("grad_clip", float),
                           ("seed", int), ("patience", int)):
            widget = getattr(self, name)
            with QSignalBlocker(widget):
                widget.setValue(kind(getattr(config, name)))
        for name in ("nesterov", "until_stopped"):
            box: QCheckBox = getattr(self, name)
            with QSignalBlocker(box):
                box.setChecked(bool(getattr(config, name)))
        with QSignalBlocker(self.pace):
            self.pace.setCurrentIndex(max(self.pace.findData(config.pace), 0))
        with QSignalBlocker(self.best_metric):
            self.best_metric.setCurrentIndex(max(self.best_metric.findData(config.best_metric), 0))
        rate = round(min(max(config.watch_steps_per_s, RATE_RANGE[0]), RATE_RANGE[1]))
        with QSignalBlocker(self.rate):
            self.rate.setValue(rate)
        self.rate_label.setText(f"{config.watch_steps_per_s:g} steps/s")
        self._show_applicable(config)
        self.error.setText("")

    def _show_applicable(self, config: TrainConfig) -> None:
        """Hide the fields the chosen settings do not use."""
        self.form.setRowVisible(self.momentum, config.optimizer in WITH_MOMENTUM)
        self.form.setRowVisible(self.nesterov, config.optimizer == "sgd")
        self.form.setRowVisible(self.rate_row, config.pace == "watch")
        self.epochs.setEnabled(not config.until_stopped)

    def field_visible(self, widget: QWidget) -> bool:
        """Whether ``widget``'s row is shown (tests and the tour ask)."""
        return self.form.isRowVisible(widget)
