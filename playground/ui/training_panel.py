"""Training settings: optimizer, learning rate, schedule, batch size, epochs, regularisation, device.

The panel edits a TrainConfig; fields it does not show are kept from the
config it was given. Only devices that exist on this machine are offered.
"""

from __future__ import annotations

from typing import Any

import torch
from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QSpinBox,
    QWidget,
)

from playground.train.config import ConfigError, TrainConfig

OPTIMIZERS = ("sgd", "adam", "adamw", "rmsprop")
SCHEDULES = ("constant", "step", "cosine", "warmup_cosine")
INITS = ("default", "xavier", "kaiming", "orthogonal", "small")
LIVE_FIELDS = ("lr", "momentum", "weight_decay")  # may change while a run goes on


def available_devices() -> list[str]:
    """"auto" and "cpu", plus "cuda"/"mps" only where present."""
    devices = ["auto", "cpu"]
    if torch.cuda.is_available():
        devices.append("cuda")
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        devices.append("mps")
    return devices


class TrainingPanel(QWidget):
    """Emits ``config_changed(fields)`` with the fields a person just changed."""

    config_changed = Signal(dict)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._base = TrainConfig()
        self._updating = False
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
        self.set_config(self._base)

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
        if self._updating:
            return
        fields = {name: self._fields()[name]}
        try:
            self._base = self._base.with_changes(**fields)
        except (ConfigError, ValueError, TypeError) as exc:
            self.error.setText(str(exc))
            return
        self.error.setText("")
        self.config_changed.emit(fields)

    # ---------------------------------------------------------------- API
    def _fields(self) -> dict[str, Any]:
        return {"optimizer": self.optimizer.currentText(), "lr": self.lr.value(),
                "momentum": self.momentum.value(), "schedule": self.schedule.currentText(),
                "batch_size": self.batch_size.value(), "epochs": self.epochs.value(),
                "weight_decay": self.weight_decay.value(), "init": self.init.currentText(),
                "seed": self.seed.value(), "device": self.device.currentText()}

    def set_config(self, config: TrainConfig) -> None:
        self._base = config
        self._updating = True
        try:
            for name in ("optimizer", "schedule", "init", "device"):
                combo: QComboBox = getattr(self, name)
                value = str(getattr(config, name))
                if combo.findText(value) < 0:
                    value = "auto" if name == "device" else combo.itemText(0)
                combo.setCurrentText(value)
            self.lr.setValue(float(config.lr))
            self.momentum.setValue(float(config.momentum))
            self.batch_size.setValue(int(config.batch_size))
            self.epochs.setValue(int(config.epochs))
            self.weight_decay.setValue(float(config.weight_decay))
            self.seed.setValue(int(config.seed))
        finally:
            self._updating = False
        if self.device.currentText() != config.device:  # saved on a machine with another device
            self._base = config.with_changes(device=self.device.currentText())
        self.error.setText("")

    def config(self) -> TrainConfig:
        return self._base
