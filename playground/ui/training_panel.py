"""Training settings: optimizer, learning rate, schedule, batch size, epochs, regularisation, device.

The panel edits the Workspace's TrainConfig and shows it again whenever it changes (a
load, an edit, undo). Fields it does not show stay as the workspace has them. Only devices
that exist on this machine are offered.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QSignalBlocker
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QSpinBox,
    QWidget,
)

from playground.train.config import ConfigError, TrainConfig
from playground.workspace import Workspace
from playground.workspace.sources import available_devices

OPTIMIZERS = ("sgd", "adam", "adamw", "rmsprop")
SCHEDULES = ("constant", "step", "cosine", "warmup_cosine")
INITS = ("default", "xavier", "kaiming", "orthogonal", "small")


class TrainingPanel(QWidget):
    """A person's change of one field goes to ``Workspace.update_config``; a refused value shows
    its message in red and the field goes back to the workspace's value."""

    def __init__(self, workspace: Workspace, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.workspace = workspace
        form = QFormLayout(self)
        self.optimizer = self._combo(OPTIMIZERS, "optimizer", "The update rule (Adam is a safe default)")
        self.lr = QDoubleSpinBox()
        self.lr.setDecimals(5)
        self.lr.setRange(0.00001, 100.0)
        self.lr.setSingleStep(0.001)
        self._wire(self.lr, "lr", "Learning rate: the step size (can change while training)")
        self.momentum = QDoubleSpinBox()
        self.momentum.setRange(0.0, 0.999)
        self.momentum.setDecimals(3)
        self.momentum.setSingleStep(0.05)
        self._wire(self.momentum, "momentum", "SGD/RMSprop momentum (0 = none)")
        self.schedule = self._combo(SCHEDULES, "schedule", "How the learning rate changes over the run")
        self.batch_size = QSpinBox()
        self.batch_size.setRange(0, 65536)
        self.batch_size.setSpecialValueText("full batch")
        self._wire(self.batch_size, "batch_size", "Samples per step (0 = the whole training set)")
        self.epochs = QSpinBox()
        self.epochs.setRange(0, 1_000_000)
        self.epochs.setSpecialValueText("no limit")
        self._wire(self.epochs, "epochs", "Stop after this many passes over the training set (0 = no limit)")
        self.weight_decay = QDoubleSpinBox()
        self.weight_decay.setDecimals(5)
        self.weight_decay.setRange(0.0, 1.0)
        self.weight_decay.setSingleStep(0.0001)
        self._wire(self.weight_decay, "weight_decay", "Shrinks weights towards zero each step")
        self.init = self._combo(INITS, "init", "How weights start (applies on reset)")
        self.seed = QSpinBox()
        self.seed.setRange(0, 2**31 - 1)
        self._wire(self.seed, "seed", "Random seed: the same seed gives the same run")
        self.device = self._combo(tuple(available_devices()), "device",
                                  "Where to train: only devices found on this machine are listed")
        for label, widget in (("Optimizer", self.optimizer), ("Learning rate", self.lr),
                              ("Momentum", self.momentum), ("LR schedule", self.schedule),
                              ("Batch size", self.batch_size), ("Epochs", self.epochs),
                              ("Weight decay", self.weight_decay), ("Initialisation", self.init),
                              ("Seed", self.seed), ("Device", self.device)):
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
    def _combo(self, items: tuple[str, ...], name: str, tip: str) -> QComboBox:
        combo = QComboBox()
        combo.addItems(list(items))
        self._wire(combo, name, tip)
        return combo

    def _wire(self, widget: QWidget, name: str, tip: str) -> None:
        widget.setObjectName(f"train_{name}")
        widget.setToolTip(tip)
        if isinstance(widget, QComboBox):
            widget.currentTextChanged.connect(lambda _v, n=name: self._changed(n))
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
        widget = getattr(self, name)
        return widget.currentText() if isinstance(widget, QComboBox) else widget.value()

    # ---------------------------------------------------------------- shown
    def _show_workspace(self) -> None:
        config: TrainConfig = self.workspace.config
        for name in ("optimizer", "schedule", "init", "device"):
            combo: QComboBox = getattr(self, name)
            value = str(getattr(config, name))
            with QSignalBlocker(combo):
                combo.setCurrentText(value if combo.findText(value) >= 0 else combo.itemText(0))
        for name, kind in (("lr", float), ("momentum", float), ("batch_size", int), ("epochs", int),
                           ("weight_decay", float), ("seed", int)):
            widget = getattr(self, name)
            with QSignalBlocker(widget):
                widget.setValue(kind(getattr(config, name)))
        self.error.setText("")
