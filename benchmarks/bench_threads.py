"""Training speed beside busy processes: does the thread policy keep small networks fast?

Trains the MLP example (its template and dataset, batch 10) through the Trainer for a few seconds
on a quiet machine and then beside ``--busy`` processes that spin on a core each, and prints one
JSON line with steps per second in *wall-clock* time (the point here is contention, so CPU time
would hide it) and ``loaded_over_quiet``. With ``--compare-default`` it measures the same with
torch's default threading (one intra-op thread per core, the behaviour before the policy) too.

    .venv/bin/python benchmarks/bench_threads.py [--seconds 3] [--busy 2] [--compare-default]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from playground.data import DATASETS, make_dataset
from playground.graph.templates import TEMPLATES
from playground.train import Trainer, default_config, threads


def _spin() -> None:
    while True:
        pass


@contextmanager
def busy_processes(n: int) -> Iterator[None]:
    """``n`` processes that each keep a core busy, ended (by their own pid) on exit."""
    ctx = multiprocessing.get_context("fork")
    procs = [ctx.Process(target=_spin, daemon=True) for _ in range(n)]
    for p in procs:
        p.start()
    time.sleep(0.5)  # let them get going
    try:
        yield
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            p.join()


def mlp_trainer(batch: int) -> Trainer:
    t = TEMPLATES["mlp"]
    config = default_config(DATASETS[t.dataset].category, **t.config).with_changes(
        batch_size=batch, epochs=0, max_steps=0, device="cpu")
    return Trainer(t.build(), make_dataset(t.dataset, t.dataset_params), config)


def wall_rate(trainer: Trainer, seconds: float) -> float:
    """Steps per wall-clock second of ``trainer.run()`` in its own thread for ``seconds``."""
    thread = threading.Thread(target=trainer.run, daemon=True)
    start = trainer.step
    t0 = time.perf_counter()
    thread.start()
    time.sleep(seconds)
    trainer.stop()
    thread.join()
    return (trainer.step - start) / (time.perf_counter() - t0)


@contextmanager
def default_threading() -> Iterator[None]:
    """Torch's own choice (a thread per core), as before the policy existed."""
    chosen = threads.threads_for
    threads.threads_for = lambda flops, device, limit: threads.cores()  # type: ignore[assignment]
    try:
        yield
    finally:
        threads.threads_for = chosen  # type: ignore[assignment]


def measure(seconds: float, busy: int, batch: int) -> dict[str, float]:
    trainer = mlp_trainer(batch)
    wall_rate(trainer, 0.5)  # warm-up
    quiet = wall_rate(trainer, seconds)
    with busy_processes(busy):
        loaded = wall_rate(trainer, seconds)
    # the count the training thread chose (OpenMP keeps it per thread, so ask the policy, not torch)
    chosen = threads.threads_for(threads.step_flops(trainer.model, trainer.data.x[: trainer.data.batch]),
                                 trainer.device, threads.thread_limit())
    return {"quiet_steps_per_s": round(quiet, 1), "loaded_steps_per_s": round(loaded, 1),
            "loaded_over_quiet": round(loaded / quiet, 3), "threads": chosen}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0, help="length of each timed phase")
    parser.add_argument("--busy", type=int, default=2, help="busy-loop processes in the loaded phase")
    parser.add_argument("--batch", type=int, default=10)
    parser.add_argument("--compare-default", action="store_true", help="also measure torch's default threading")
    args = parser.parse_args()
    threads.configure_process()
    result: dict[str, object] = {"case": "mlp_threads", "cores": threads.cores(), "busy_processes": args.busy,
                                 "batch_size": args.batch, "clock": "wall"}
    result.update(measure(args.seconds, args.busy, args.batch))
    if args.compare_default:
        with default_threading():
            result["default_threading"] = measure(args.seconds, args.busy, args.batch)
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
