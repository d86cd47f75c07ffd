"""How many CPU threads torch may use for one training run.

Torch's default, one intra-op thread per core, is the wrong choice for the small networks a
playground trains: each operator then wakes and joins a thread pool for a few microseconds of
arithmetic, and on a busy machine a pool thread that has lost its core stalls every step. On
a 2-core machine shared with other work, a 2-16-16-2 MLP ran 50–100× slower with two threads than
with one; measured there, two threads lost to one for every network up to 2.6 GFLOP per forward
pass (see ``benchmarks/bench_threads.py``). So:

* ``configure_process()`` sets one inter-op thread, once, at start-up (eager training has no
  independent operators to overlap; the pool would only take a core), and one intra-op thread
  for the thread that calls it (the app's interface thread, the CLI's main thread), whose
  torch work is small.
* ``apply_for(model, example, device)`` counts the floating-point operations of one training
  step (3× a forward pass over ``example``, counted by torch's FLOP counter) and uses one
  intra-op thread below ``SMALL_STEP_FLOPS``, then one more thread per ``FLOPS_PER_THREAD``,
  never more than the limit. On CUDA or MPS the CPU only launches kernels: one thread.
* ``set_thread_limit(n)`` caps that: the CLI's ``--threads``, and the app sets cores − 1 so
  the interface keeps a core. Without a limit the cap is the number of cores.

The choice depends on the network and the example batch only, never on timing, so the same
session trains with the same thread count on every run on the same machine. With torch's OpenMP
backend the intra-op count belongs to the calling thread: ``apply_for`` is called by the
training thread itself (``Trainer.run``), and other threads keep their own setting.
"""

from __future__ import annotations

import os
import threading
import weakref

import torch
from torch.utils.flop_counter import FlopCounterMode

SMALL_STEP_FLOPS = 1e9  # a training step below this (≈ 20–100 ms on one core) runs on one thread
FLOPS_PER_THREAD = 1e9  # above it, one more thread per this much work per step
INTEROP_THREADS = 1
MAX_THREADS = 1024  # the largest count ``set_thread_limit`` accepts

_lock = threading.Lock()
_limit: int | None = None
_configured = False
_costs: weakref.WeakKeyDictionary[torch.nn.Module, tuple[tuple[int, ...], int, float]] = weakref.WeakKeyDictionary()


def cores() -> int:
    """CPU cores this process may run on."""
    try:
        return max(len(os.sched_getaffinity(0)), 1)
    except (AttributeError, OSError):
        return max(os.cpu_count() or 1, 1)


def configure_process() -> None:
    """Set torch's inter-op threads once (safe to call again, and after torch has started work)."""
    global _configured
    with _lock:
        if _configured:
            return
        _configured = True
        torch.set_num_threads(1)
        try:
            torch.set_num_interop_threads(INTEROP_THREADS)
        except RuntimeError:  # torch allows it only before its first parallel work; keep what it has
            pass


def set_thread_limit(n: int | None) -> None:
    """At most ``n`` intra-op threads from now on (None: up to the number of cores)."""
    global _limit
    if n is not None:
        if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= MAX_THREADS:
            raise ValueError(f"thread limit must be a whole number from 1 to {MAX_THREADS}, got {n!r}")
    with _lock:
        _limit = n


def thread_limit() -> int:
    """The cap in force: the limit set, and never more than the cores."""
    with _lock:
        limit = _limit
    return max(1, min(limit if limit is not None else MAX_THREADS, cores()))


def step_flops(model: torch.nn.Module, example: torch.Tensor) -> float:
    """Floating-point operations of one training step on ``example`` (forward + backward ≈ 3× forward).

    Runs one forward pass in eval mode without gradients, with the random state saved and
    restored, so training is not disturbed. Cached per model and example shape."""
    key = (tuple(example.shape), sum(p.numel() for p in model.parameters()))
    cached = _costs.get(model)
    if cached is not None and cached[:2] == key:
        return cached[2]
    was_training = model.training
    devices = [example.device] if example.device.type == "cuda" else []
    try:
        model.eval()
        with torch.no_grad(), torch.random.fork_rng(devices=devices), FlopCounterMode(display=False) as counter:
            model(example)
        flops = 3.0 * float(counter.get_total_flops())
    except Exception:  # the FLOP counter's module hooks choke on some modules (a source
        # block returning its own Parameter): a step costs about 6 FLOPs per weight and sample
        flops = 6.0 * key[1] * max(int(example.shape[0]) if example.dim() else 1, 1)
    finally:
        model.train(was_training)
    _costs[model] = (*key, flops)
    return flops


def threads_for(flops: float, device: torch.device, limit: int) -> int:
    """The policy itself: intra-op threads for a step of ``flops`` on ``device`` under ``limit``."""
    if device.type != "cpu" or flops < SMALL_STEP_FLOPS:
        return 1
    return max(1, min(limit, 1 + int((flops - SMALL_STEP_FLOPS) // FLOPS_PER_THREAD)))


def apply_for(model: torch.nn.Module, example: torch.Tensor, device: torch.device) -> int:
    """Choose and set torch's intra-op threads for training ``model`` on batches like ``example``."""
    configure_process()
    n = threads_for(step_flops(model, example) if device.type == "cpu" else 0.0, device, thread_limit())
    if torch.get_num_threads() != n:
        torch.set_num_threads(n)
    return n
