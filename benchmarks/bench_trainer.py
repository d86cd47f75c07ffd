"""Trainer overhead and time-to-solve benchmarks. Prints one JSON line per case.

Each speed case compares, in one alternating run, three ways to train the same network (copies
of the same compiled module with the same initial weights) on the same batches:

* ``loop``: a hand-written PyTorch loop (next batch, forward, loss, zero_grad, backward, step)
  with the *same* optimizer object the Trainer builds (``make_optimizer``: same fused Adam
  flags), the same loss function and a batch sampler with the Trainer's seed, so it sees the
  very batches the Trainer sees;
* ``trainer``: the Trainer with its full record (validation, probes, every snapshot kind);
* ``trainer_off``: the Trainer with ``record=False`` (training loss only).

Each round trains all three afresh (same seed) for a whole run of ``--steps`` steps from
step 0, in turn, with the thread count the thread policy picks, so the Trainer's record is the
one a user's run of that length gets (the record is step-scheduled: 128–256 snapshots of each
kind whatever the length, so its share of the time shrinks as runs get longer; say which
length a figure is for). Rates are steps per second of CPU time (``time.process_time``), so
other programs on a busy machine skew the ratios less; ``wall_*`` give the same in wall-clock
time. ``ratio_same_kernel`` = trainer / loop and ``ratio_record_off`` = trainer_off / loop use
the best round of each. ``ratio_validation_only`` = the hand loop plus nothing but the Trainer's
validation pass (its own code, on the whole validation set) at the record's due steps, over the
loop: a ceiling on ``ratio_same_kernel`` for any record that keeps validation at that density,
however cheap every other probe becomes. ``median_*`` the median of per-round ratios, and ``loop_spread``
(slowest / fastest loop round) says how noisy the machine was.

    .venv/bin/python benchmarks/bench_trainer.py [--steps 1000] [--rounds 3] [--case NAME]
"""

from __future__ import annotations

import argparse
import copy
import inspect
import json
import statistics
import threading
import time
from collections.abc import Callable

import torch

from playground.data import DATASETS, make_dataset
from playground.graph.builder import chain_graph
from playground.graph.model import Graph
from playground.graph.templates import TEMPLATES
from playground.train import MetricsBuffer, TrainConfig, Trainer, default_config, threads
from playground.train.batches import BatchSampler
from playground.train.optim import make_optimizer

SNAPSHOT_KINDS = ("weights", "grads", "grad_norms", "activations", "attention", "boundary", "units",
                  "modes", "similarity", "confusion")


def mlp_graph() -> Graph:
    return chain_graph(("Linear", {"out_features": 16}), ("ReLU", {}), ("Linear", {"out_features": 16}),
                       ("ReLU", {}), ("Linear", {"out_features": 2}))


CASES: dict[str, tuple[Callable[[], Graph], str, int, float]] = {
    # name: (graph, dataset, batch size, adam lr)
    "mlp_spirals": (mlp_graph, "spirals", 32, 0.01),
    "transformer_reverse": (TEMPLATES["transformer"].build, "reverse", 64, 0.003),
    "lenet_digits": (TEMPLATES["lenet"].build, "digits", 64, 0.003),
}


class HandLoop:
    """The training loop a person would write, sharing only the kernels with the Trainer."""

    def __init__(self, trainer: Trainer) -> None:
        self.model = copy.deepcopy(trainer.model)
        self.model.train()
        params = [p for p in self.model.parameters() if p.requires_grad]
        self.optimizer = make_optimizer(params, trainer.config)  # same class, same fused flags
        cfg = trainer.config
        self.data = BatchSampler(trainer.bundle, trainer.device, trainer.loss, cfg.batch_size, cfg.seed)
        self.loss_fn = trainer.loss.fn
        self.losses: list[torch.Tensor] = []

    def run(self, steps: int, validate_on: Callable[[int], bool] | None = None) -> None:
        """``validate_on(step)``: also run the validation pass after that step (and at the end),
        as the record schedule does; nothing else of the record."""
        model, opt, loss_fn, data = self.model, self.optimizer, self.loss_fn, self.data
        if validate_on is not None and validate_on(0):
            self.validate()
        for t in range(1, steps + 1):
            xb, yb = data.next()
            loss = loss_fn(model(xb), yb)
            self.losses.append(loss.detach())  # keeps the losses, as the Trainer does
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            if validate_on is not None and (validate_on(t) or t == steps):
                self.validate()
        self.losses.clear()

    def validate(self) -> None:
        """The Trainer's own validation pass (the same code), on the whole validation set."""
        self.model.eval()
        with torch.no_grad():
            self.data.evaluate(self.model)
        self.model.train()


def make_trainer(graph: Graph, bundle, config: TrainConfig, record: bool) -> Trainer | None:
    """A Trainer; None for ``record=False`` where this Trainer has no such switch yet."""
    if record:
        return Trainer(graph, bundle, config, MetricsBuffer())
    if "record" not in inspect.signature(Trainer).parameters:
        return None
    return Trainer(graph, bundle, config, MetricsBuffer(), record=False)


def recorded(buffer: MetricsBuffer) -> dict[str, int]:
    """How many snapshots of each kind (and points of each scalar series) the record holds."""
    counts = {}
    for kind in SNAPSHOT_KINDS:
        n = len(buffer.snapshot_history(kind)) or (1 if buffer.snapshot(kind) is not None else 0)
        if n:
            counts[kind] = n
    for name in buffer.series_names():
        counts[f"series:{name}"] = len(buffer.series(name)[0])
    return counts


def record_passes(steps: int) -> int | None:
    """Record passes a run of ``steps`` steps makes (due steps of the schedule, plus the end)."""
    try:
        from playground.train.schedule import is_due
    except ImportError:  # a Trainer from before the step-scheduled record
        return None
    return sum(1 for t in range(steps + 1) if is_due(t, steps)) + (0 if is_due(steps, steps) else 1)


def due_in_run(steps: int) -> Callable[[int], bool]:
    """The record schedule of a run of ``steps`` steps (its length is known, as in the Trainer)."""
    from playground.train.schedule import is_due
    return lambda t: is_due(t, steps)


def timed(fn: Callable[[], object], steps: int) -> tuple[float, float]:
    t0, c0 = time.perf_counter(), time.process_time()
    fn()
    return steps / max(time.process_time() - c0, 1e-9), steps / max(time.perf_counter() - t0, 1e-9)


def speed_case(name: str, steps: int, rounds: int) -> dict:
    build, dataset, batch, lr = CASES[name]
    bundle = make_dataset(dataset)
    config = TrainConfig(optimizer="adam", lr=lr, batch_size=batch, device="cpu")

    def fresh() -> tuple[Trainer, Trainer | None, HandLoop]:
        # every round is a whole run from step 0 with the same seed: the same weights, batches
        # and record each time, and the record a user's run of that length gets
        trainer = make_trainer(build(), bundle, config, record=True)
        assert trainer is not None
        return trainer, make_trainer(build(), bundle, config, record=False), HandLoop(trainer)

    trainer, off, loop = fresh()
    validating = HandLoop(trainer)
    n_threads = threads.apply_for(loop.model, loop.data.x[: loop.data.batch], trainer.device)
    loop.run(20)  # warm-up all three (first calls allocate, fill caches)
    trainer.run(max_steps=20)
    if off is not None:
        off.run(max_steps=20)
    validating.run(20, due_in_run(20))
    rates: dict[str, list[tuple[float, float]]] = {"loop": [], "trainer": [], "trainer_off": [], "loop_validating": []}
    for _ in range(rounds):
        trainer, off, loop = fresh()
        validating = HandLoop(trainer)
        rates["loop"].append(timed(lambda lp=loop: lp.run(steps), steps))
        rates["loop_validating"].append(timed(lambda v=validating: v.run(steps, due_in_run(steps)), steps))
        rates["trainer"].append(timed(lambda t=trainer: t.run(max_steps=steps), steps))
        if off is not None:
            rates["trainer_off"].append(timed(lambda o=off: o.run(max_steps=steps), steps))

    def best(kind: str, wall: bool = False) -> float:
        return max(r[1 if wall else 0] for r in rates[kind])

    def median_ratio(kind: str) -> float:
        return statistics.median(t[0] / lp[0] for t, lp in zip(rates[kind], rates["loop"], strict=True))

    result = {"case": name, "batch_size": batch, "threads": n_threads, "steps_per_run": steps,
              "rounds": rounds, "loop_steps_per_s": round(best("loop"), 1),
              "trainer_steps_per_s": round(best("trainer"), 1),
              "ratio_same_kernel": round(best("trainer") / best("loop"), 3),
              "median_ratio_same_kernel": round(median_ratio("trainer"), 3),
              "wall_ratio_same_kernel": round(best("trainer", True) / best("loop", True), 3),
              "ratio_record_off": None, "loop_spread": round(min(r[0] for r in rates["loop"]) / best("loop"), 3),
              "optimizer": type(trainer.optimizer).__name__,
              "fused": bool(trainer.optimizer.defaults.get("fused")), "steps": trainer.step,
              "ratio_validation_only": round(best("loop_validating") / best("loop"), 3),
              "record_passes": record_passes(steps), "snapshots": recorded(trainer.buffer)}
    if off is not None:
        result.update({"trainer_off_steps_per_s": round(best("trainer_off"), 1),
                       "ratio_record_off": round(best("trainer_off") / best("loop"), 3),
                       "median_ratio_record_off": round(median_ratio("trainer_off"), 3),
                       "wall_ratio_record_off": round(best("trainer_off", True) / best("loop", True), 3),
                       "snapshots_record_off": recorded(off.buffer)})
    else:
        result["note"] = "this Trainer has no record=False yet: ratio_record_off not measured"
    return result


def time_to_solve_spiral(seeds: int = 5, limit: float = 10.0, target: float = 0.05) -> dict:
    """Default mlp template, default spirals, default config: seconds until val loss < target."""
    t = TEMPLATES["mlp"]
    bundle = make_dataset(t.dataset, t.dataset_params)
    times: list[float] = []
    steps: list[int] = []
    for seed in range(seeds):
        config = default_config(DATASETS[t.dataset].category, **t.config).with_changes(epochs=0, max_steps=0)
        config = TrainConfig.from_dict({**config.to_dict(), "seed": seed})
        trainer = Trainer(t.build(), bundle, config)
        thread = threading.Thread(target=trainer.run, daemon=True)
        t0 = time.perf_counter()
        thread.start()
        solved = None
        while time.perf_counter() - t0 < limit:
            values = trainer.buffer.series("val/loss")[1]
            if len(values) and values.min() < target:
                solved = time.perf_counter() - t0
                break
            time.sleep(0.002)
        trainer.stop()
        thread.join()
        if solved is not None:
            times.append(solved)
            steps.append(trainer.step)
    return {"case": "time_to_solve_spiral", "median_s": round(statistics.median(times), 3) if times else None,
            "solved": len(times), "seeds": seeds, "times_s": [round(v, 3) for v in times],
            "steps_at_stop": steps, "config": {k: v for k, v in t.config.items()}}


def control_latency(name: str = "lenet_digits", repeats: int = 5) -> dict:
    """Seconds from pause()/stop() in another thread until the trainer has stopped stepping."""
    build, dataset, batch, lr = CASES[name]
    bundle = make_dataset(dataset)
    trainer = Trainer(build(), bundle, TrainConfig(optimizer="adam", lr=lr, batch_size=batch, device="cpu"))
    pauses, stops = [], []
    for _ in range(repeats):
        thread = threading.Thread(target=trainer.run, daemon=True)
        thread.start()
        start = trainer.step
        while trainer.step < start + 30:
            time.sleep(0.001)
        t0 = time.perf_counter()
        trainer.pause()
        while trainer.state != "paused":
            time.sleep(0.0002)
        pauses.append(time.perf_counter() - t0)
        trainer.resume()
        while trainer.state != "running":
            time.sleep(0.0002)
        time.sleep(0.05)
        t0 = time.perf_counter()
        trainer.stop()
        thread.join()
        stops.append(time.perf_counter() - t0)
    step_s = 1.0 / max(trainer.buffer.status()["steps_per_s"], 1e-9)
    return {"case": f"control_latency_{name}", "pause_ms_max": round(1e3 * max(pauses), 2),
            "pause_ms_median": round(1e3 * statistics.median(pauses), 2),
            "stop_ms_max": round(1e3 * max(stops), 2), "stop_ms_median": round(1e3 * statistics.median(stops), 2),
            "step_ms": round(1e3 * step_s, 2),
            "note": "stop includes the final probe and validation pass before run() returns"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=1000, help="length of each timed run (from step 0)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--case", choices=[*CASES, "time_to_solve_spiral", "control_latency"], action="append")
    args = parser.parse_args()
    threads.configure_process()
    for name in args.case or [*CASES, "time_to_solve_spiral", "control_latency"]:
        if name == "time_to_solve_spiral":
            result = time_to_solve_spiral()
        elif name == "control_latency":
            result = control_latency()
        else:
            result = speed_case(name, args.steps, args.rounds)
        print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
