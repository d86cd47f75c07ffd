"""The app leaves a core for the window: training threads are capped at cores − 1."""

from __future__ import annotations

import torch

from playground.train import threads
from playground.ui.app import use_threads_politely


def test_the_app_caps_training_threads_below_the_core_count():
    try:
        use_threads_politely()
        assert threads.thread_limit() == max(1, threads.cores() - 1)
        assert torch.get_num_interop_threads() >= 1
    finally:
        threads.set_thread_limit(None)
