"""Train layer: TrainConfig, Trainer (start/pause/step/stop), probes and MetricsBuffer.

Layer: above compile and data. May import compile, data, graph, numpy, torch. Never Qt.
"""

from playground.train.config import CONFIG_PARAMS, SAFE_FIELDS, ConfigError, TrainConfig, default_config
from playground.train.metrics import Event, MetricsBuffer
from playground.train.trainer import Trainer, TrainerError

__all__ = [
    "CONFIG_PARAMS",
    "SAFE_FIELDS",
    "ConfigError",
    "Event",
    "MetricsBuffer",
    "TrainConfig",
    "Trainer",
    "TrainerError",
    "default_config",
]
