"""Trainer overhead and time-to-solve benchmarks. Prints one JSON line per case.

Each speed case trains the same model (same modules, same initial weights) on the
same data with the same batch size and ``torch.set_num_threads(1)``: once through
the Trainer with every probe on at its default interval, once through a minimal
hand-written PyTorch loop (per-epoch randperm, index, forward, loss, zero_grad,
backward, step). Rounds alternate between the two so load on a shared machine
hits both; the best round of each is reported. Rates are steps per second of CPU time
(``time.process_time``, one torch thread), so other programs on a busy machine do not
skew the ratio; ``wall_ratio`` gives the same comparison in wall-clock time.

    .venv/bin/python benchmarks/bench_trainer.py [--seconds 1.5] [--rounds 4] [--case NAME]
"""

from __future__ import annotations

import argparse
import copy
import json
import statistics
import threading
import time
from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import nn

from playground.data import DATASETS, make_dataset
from playground.graph.builder import chain_graph
from playground.graph.model import Graph
from playground.graph.templates import TEMPLATES
from playground.graph.validate import topological_order
from playground.train import TrainConfig, Trainer, default_config


def mlp_graph() -> Graph:
    return chain_graph(("Linear", {"out_features": 16}), ("ReLU", {}), ("Linear", {"out_features": 16}),
                       ("ReLU", {}), ("Linear", {"out_features": 2}))


CASES: dict[str, tuple[Callable[[], Graph], str, int, float]] = {
    # name: (graph, dataset, batch size, adam lr)
    "mlp_spirals": (mlp_graph, "spirals", 32, 0.01),
    "transformer_reverse": (TEMPLATES["transformer"].build, "reverse", 64, 0.003),
    "lenet_digits": (TEMPLATES["lenet"].build, "digits", 64, 0.003),
}


def hand_written(trainer: Trainer, graph: Graph) -> nn.Module:
    """The network as a person would write it: nn.Sequential of the same layers (a copy)."""
    order, _ = topological_order(graph)
    model = trainer.model
    layers = [model.node_module(nid) for nid in order if nid in model.node_names]
    return copy.deepcopy(nn.Sequential(*layers))


def raw_loop(model: nn.Module, x: torch.Tensor, y: torch.Tensor, batch: int, lr: float, seconds: float,
             sequence: bool, fused: bool = False) -> tuple[float, float]:
    """Minimal training loop; returns steps per CPU second and per wall second.
    ``fused`` uses the Adam kernel the Trainer uses."""
    opt = torch.optim.Adam(model.parameters(), lr=lr, fused=fused or None)
    gen = torch.Generator().manual_seed(0)
    n = len(x)
    perm, pos, steps = torch.randperm(n, generator=gen), 0, 0
    t0, c0 = time.perf_counter(), time.process_time()
    while True:
        for _ in range(50):
            if pos >= n:
                perm, pos = torch.randperm(n, generator=gen), 0
            idx = perm[pos:pos + batch]
            pos += batch
            xb, yb = x[idx], y[idx]
            out = model(xb)
            loss = F.cross_entropy(out.reshape(-1, out.shape[-1]), yb.reshape(-1)) if sequence \
                else F.cross_entropy(out, yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
        steps += 50
        elapsed = time.perf_counter() - t0
        if elapsed >= seconds:
            return steps / (time.process_time() - c0), steps / elapsed


def trainer_rate(trainer: Trainer, seconds: float, per_step: float) -> tuple[float, float]:
    steps = max(50, int(seconds / per_step))
    t0, c0 = time.perf_counter(), time.process_time()
    trainer.run(max_steps=steps)
    return steps / (time.process_time() - c0), steps / (time.perf_counter() - t0)


def speed_case(name: str, seconds: float, rounds: int) -> dict:
    build, dataset, batch, lr = CASES[name]
    bundle = make_dataset(dataset)
    graph = build()
    trainer = Trainer(graph, bundle, TrainConfig(optimizer="adam", lr=lr, batch_size=batch, device="cpu"))
    raw_model = hand_written(trainer, graph)
    sequence = bundle.task.task == "sequence"
    x, y = bundle.x_train, bundle.y_train
    raw_loop(raw_model, x, y, batch, lr, 0.2, sequence)  # warm-up both
    trainer.run(max_steps=50)
    raw_rates, pg_rates, fused_rates = [], [], []
    for _ in range(rounds):
        raw_rates.append(raw_loop(raw_model, x, y, batch, lr, seconds, sequence))
        pg_rates.append(trainer_rate(trainer, seconds, 1.0 / raw_rates[-1][1]))
        fused_rates.append(raw_loop(raw_model, x, y, batch, lr, seconds, sequence, fused=True))
    wall_ratio = max(p[1] for p in pg_rates) / max(r[1] for r in raw_rates)
    raw_rates, pg_rates, fused_rates = ([r[0] for r in rates] for rates in (raw_rates, pg_rates, fused_rates))
    probes = [k for k in ("weights", "grads", "activations", "attention", "boundary", "units")
              if trainer.buffer.snapshot(k) is not None]
    raw, pg = max(raw_rates), max(pg_rates)
    return {"case": name, "playground_steps_per_s": round(pg, 1), "raw_steps_per_s": round(raw, 1),
            "ratio": round(pg / raw, 3), "wall_ratio": round(wall_ratio, 3),
            "median_ratio": round(statistics.median(p / r for p, r in zip(pg_rates, raw_rates, strict=True)), 3),
            "raw_fused_adam_steps_per_s": round(max(fused_rates), 1),
            "ratio_vs_fused_adam": round(pg / max(fused_rates), 3),
            "batch_size": batch, "probes": probes, "steps": trainer.step}


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
    parser.add_argument("--seconds", type=float, default=3.0, help="length of one timed round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--case", choices=[*CASES, "time_to_solve_spiral", "control_latency"], action="append")
    args = parser.parse_args()
    torch.set_num_threads(1)
    for name in args.case or [*CASES, "time_to_solve_spiral", "control_latency"]:
        if name == "time_to_solve_spiral":
            result = time_to_solve_spiral()
        elif name == "control_latency":
            result = control_latency()
        else:
            result = speed_case(name, args.seconds, args.rounds)
        print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
