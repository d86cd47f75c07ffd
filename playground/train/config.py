"""TrainConfig: every training setting in one validated dataclass.

Each field is declared once in ``CONFIG_PARAMS`` (a ``ParamSpec`` with help and
range, so a form can be built from it) and checked by ``TrainConfig.from_dict``
and ``validate``. ``SAFE_FIELDS`` may change while a run is going.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from playground.graph.spec import ParamSpec

OPTIMIZERS = ("sgd", "adam", "adamw", "rmsprop")
SCHEDULES = ("constant", "step", "cosine", "warmup_cosine")
INITS = ("default", "xavier", "kaiming", "orthogonal", "small")
DEVICES = ("auto", "cpu", "cuda", "mps")
PACES = ("watch", "fastest")
BEST_METRICS = ("auto", "val_loss", "val_acc")  # auto: val_acc when the task records accuracy, else val_loss

# Settings the trainer applies between two steps without a reset.
SAFE_FIELDS = frozenset({
    "lr", "momentum", "weight_decay", "grad_clip", "l1", "l2", "probe_every", "eval_every",
    "schedule", "warmup_steps", "step_size", "gamma", "epochs", "max_steps", "horizon_steps", "blowup_train",
    "blowup_val", "pace", "watch_steps_per_s", "until_stopped", "best_metric", "patience",
})


class ConfigError(ValueError):
    """A bad training setting; ``problems`` lists each one as a sentence."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = list(problems)
        super().__init__("invalid training settings: " + "; ".join(self.problems))


def _p(name: str, kind: str, default: Any, help: str, **kw: Any) -> ParamSpec:
    return ParamSpec(name, kind, default, help, **kw)  # type: ignore[arg-type]


CONFIG_PARAMS: tuple[ParamSpec, ...] = (
    _p("optimizer", "choice", "adam", "Update rule", choices=OPTIMIZERS),
    _p("lr", "float", 0.01, "Learning rate (peak value when a schedule is used)", min=0.0, max=1e6),
    _p("momentum", "float", 0.0, "SGD momentum / RMSprop momentum (Adam uses betas)", min=0.0, max=0.9999),
    _p("nesterov", "bool", False, "Nesterov momentum (SGD only)"),
    _p("schedule", "choice", "constant", "How the learning rate changes over steps", choices=SCHEDULES),
    _p("warmup_steps", "int", 100, "Linear warm-up length for warmup_cosine", min=0, max=10**9),
    _p("step_size", "int", 1000, "Steps between decays for the step schedule; cosine period when "
       "neither epochs nor max_steps is set", min=1, max=10**9),
    _p("gamma", "float", 0.5, "Decay factor of the step schedule", min=0.0, max=1.0),
    _p("batch_size", "int", 32, "Samples per step (0 = full batch)", min=0, max=10**7),
    _p("epochs", "int", 0, "Stop after this many passes over the data (0 = no limit)", min=0, max=10**9),
    _p("max_steps", "int", 0, "Stop after this many steps (0 = no limit)", min=0, max=10**12),
    _p("horizon_steps", "int", 0, "Steps the cosine schedules decay over (0 = max_steps, else epochs, "
       "else step_size); kept when a run is split, so resuming draws the same curve", min=0, max=10**12),
    _p("weight_decay", "float", 0.0, "Decoupled (AdamW) or L2-style (others) weight decay", min=0.0, max=10.0),
    _p("l1", "float", 0.0, "L1 penalty on weight matrices added to the loss", min=0.0, max=10.0),
    _p("l2", "float", 0.0, "L2 penalty on weight matrices added to the loss", min=0.0, max=10.0),
    _p("grad_clip", "float", 0.0, "Clip the global gradient norm to this (0 = off)", min=0.0, max=1e6),
    _p("init", "choice", "default", "Weight initialisation", choices=INITS),
    _p("seed", "int", 0, "Seed for initial weights, batch order and dropout", min=0, max=2**31 - 1),
    _p("device", "choice", "auto", "Where to train: auto picks cuda, then mps, then cpu", choices=DEVICES),
    _p("probe_every", "int", 50, "Steps between probes (histograms, attention, activations, "
       "boundary); probes never take more than a few percent of the time", min=1, max=10**9),
    _p("eval_every", "int", 25, "Steps between validation passes", min=1, max=10**9),
    _p("blowup_train", "float", 100.0, "Pause when the training loss exceeds this many times its first "
       "value (0 = only NaN/inf)", min=0.0, max=1e12),
    _p("blowup_val", "float", 1000.0, "Pause when the validation loss exceeds this many times its best "
       "(0 = only NaN/inf)", min=0.0, max=1e12),
    _p("pace", "choice", "fastest", "How fast the app trains: watch (a steady, slowed rate a person can "
       "follow, every frame redrawn) or fastest; never changes what is recorded", choices=PACES),
    _p("watch_steps_per_s", "float", 50.0, "Steps per second at the watch pace", min=1.0, max=1000.0),
    _p("until_stopped", "bool", False, "Train on until paused or stopped, ignoring epochs and max_steps "
       "(the epoch limit is kept for when this is turned off)"),
    _p("best_metric", "choice", "auto", "The validation metric the best checkpoint is kept by: auto takes "
       "accuracy when the task has it, else the loss", choices=BEST_METRICS),
    _p("patience", "int", 0, "Stop early after this many validations in a row without a better best "
       "metric (0 = never)", min=0, max=10**6),
)
_SPECS = {p.name: p for p in CONFIG_PARAMS}


@dataclass(frozen=True)
class TrainConfig:
    """Training settings. Immutable: use ``dataclasses.replace`` or ``with_changes``."""

    optimizer: str = "adam"
    lr: float = 0.01
    momentum: float = 0.0
    nesterov: bool = False
    schedule: str = "constant"
    warmup_steps: int = 100
    step_size: int = 1000
    gamma: float = 0.5
    batch_size: int = 32
    epochs: int = 0
    max_steps: int = 0
    horizon_steps: int = 0
    weight_decay: float = 0.0
    l1: float = 0.0
    l2: float = 0.0
    grad_clip: float = 0.0
    init: str = "default"
    seed: int = 0
    device: str = "auto"
    probe_every: int = 50
    eval_every: int = 25
    blowup_train: float = 100.0
    blowup_val: float = 1000.0
    # pace: how fast steps run in the app (the UI's worker sleeps between them); never what is recorded
    pace: str = "fastest"
    watch_steps_per_s: float = 50.0
    until_stopped: bool = False
    # the best checkpoint and early stopping (playground.train.best)
    best_metric: str = "auto"
    patience: int = 0

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: Any) -> TrainConfig:
        """Build from untrusted data (a session file, a CLI option); missing keys take defaults."""
        if not isinstance(data, dict):
            raise ConfigError([f"training settings must be a mapping, got {type(data).__name__}"])
        problems = [f"unknown setting {k!r}" for k in data if k not in _SPECS]
        values = {k: _coerce(_SPECS[k], v) for k, v in data.items() if k in _SPECS}
        problems += check_values(values)
        if problems:
            raise ConfigError(problems)
        return cls(**values)

    def validate(self) -> None:
        """Raise ConfigError if any field is out of range (e.g. after ``dataclasses.replace``)."""
        problems = check_values(self.to_dict())
        if problems:
            raise ConfigError(problems)

    def horizon(self, steps_per_epoch: int) -> int:
        """Steps the cosine schedules decay over: ``horizon_steps``, else the run's length when
        known (``max_steps``, else ``epochs`` × ``steps_per_epoch``), else ``step_size``."""
        if self.horizon_steps > 0:
            return self.horizon_steps
        if self.max_steps > 0:
            return self.max_steps
        if self.epochs > 0:
            return self.epochs * max(int(steps_per_epoch), 1)
        return self.step_size

    def pinned_horizon(self, steps_per_epoch: int) -> TrainConfig:
        """This config with its schedule's horizon made explicit, so that changing ``max_steps`` or
        ``epochs`` for one piece of a run (``train --steps N``) leaves the learning rate curve alone."""
        return dataclasses.replace(self, horizon_steps=self.horizon(steps_per_epoch))

    def run_limits(self) -> TrainConfig:
        """The settings a run trains with: ``until_stopped`` drops the epoch and step limits (so
        the run, its record schedule and a cosine schedule's horizon are open-ended)."""
        if not self.until_stopped or (self.epochs == 0 and self.max_steps == 0):
            return self
        return dataclasses.replace(self, epochs=0, max_steps=0)

    def with_changes(self, **changes: Any) -> TrainConfig:
        """A validated copy with ``changes`` applied."""
        unknown = [k for k in changes if k not in _SPECS]
        if unknown:
            raise ConfigError([f"unknown setting {k!r}" for k in unknown])
        new = dataclasses.replace(self, **{k: _coerce(_SPECS[k], v) for k, v in changes.items()})
        new.validate()
        return new


def _coerce(spec: ParamSpec, value: Any) -> Any:
    # JSON has one number type: accept 1 for 1.0, and 3.0 for an int setting.
    if spec.kind == "float" and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if spec.kind == "int" and isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def check_values(values: dict[str, Any]) -> list[str]:
    """Problems with ``values`` (a subset of fields is fine), phrased for a person."""
    problems = []
    for name, value in values.items():
        spec = _SPECS.get(name)
        if spec is None:
            problems.append(f"unknown setting {name!r}")
            continue
        msg = spec.check(value)
        if msg:
            problems.append(msg)
    if (not problems and values.get("nesterov") and values.get("optimizer", "adam") == "sgd"
            and values.get("momentum", 0.9) == 0):
        problems.append("nesterov needs momentum above 0")
    return problems


# Full batch, Adam and a high learning rate solve the 2-D toy sets in a fraction of a second;
# small batches there only add per-step overhead (a 2-16-16-2 MLP spends it all in PyTorch's
# dispatch, not in arithmetic).
# Those two are also the ones a person watches learn: they start at the watch pace.
DATASET_DEFAULTS: dict[str, dict[str, Any]] = {
    "2-D": {"optimizer": "adam", "lr": 0.05, "batch_size": 0, "eval_every": 10, "probe_every": 25,
            "pace": "watch"},
    "hierarchical": {"optimizer": "sgd", "momentum": 0.0, "lr": 0.05, "batch_size": 0, "init": "small",
                     "eval_every": 10, "probe_every": 10, "pace": "watch"},
    "sequence": {"optimizer": "adam", "lr": 0.003, "batch_size": 64},
    "image": {"optimizer": "adam", "lr": 0.002, "batch_size": 64},
}


def default_config(category: str | None = None, **overrides: Any) -> TrainConfig:
    """Good starting settings for a dataset category ("2-D", "sequence", "image", ...)."""
    base = dict(DATASET_DEFAULTS.get(category or "", {}))
    base.update(overrides)
    return TrainConfig.from_dict(base)
