"""Train layer: TrainConfig, Trainer (start/pause/step/stop), probes and MetricsBuffer.

Layer: above compile and data. May import compile, data, graph, numpy, torch. Never Qt.
"""
