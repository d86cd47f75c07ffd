"""The record's memory over a 1,000,000-step run (target: under 50 MB for the whole record).

For each template, a real Trainer trains a few steps with its full record into a spying
MetricsBuffer, which keeps one real item of every call the record makes (the scalar names, and
for each snapshot kind the data the probes produced: histograms, activations, boundary and unit
maps, attention, confusion, mode strengths, similarity). Those real-shaped items are then
written into a fresh, real ``MetricsBuffer`` as a 1,000,000-step run writes them: the training
loss at every step (``add_points`` in blocks, as the trainer flushes it), and the recorded
scalars and every snapshot kind at each step the record's schedule makes due. To be on the safe
side every kind is written on the open-ended schedule (the densest one: every step until its
store fills, then each doubled stride), which the mode strengths follow; the others follow the
run's planned length and are written less often. Stores are bounded, so what is kept is the
same either way.

The memory is measured with tracemalloc (numpy's buffers included) from before the buffer is
made until the last step, with the sample items allocated before the measurement starts, so
only what the buffer holds is counted: ``traced_mb`` at the end and ``peak_mb`` on the way.
``record_mb`` is the buffer's own account (``MetricsBuffer.record_bytes``), a cross-check.

    .venv/bin/python benchmarks/bench_history_memory.py [--quick] [--steps 1000000] [--template NAME]

Prints one JSON line per template and a summary line {"case": "history_memory_1m_steps",
"max_traced_mb": ..., "target_mb": 50, "met": ...}. Memory does not depend on machine load.
"""

from __future__ import annotations

import argparse
import copy
import json
import sys
import time
import tracemalloc
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from playground.train.metrics import MetricsBuffer  # noqa: E402
from playground.train.schedule import due_steps  # noqa: E402

TARGET_MB = 50.0
QUICK_TEMPLATES = ("mlp", "deep_linear", "transformer")
LOSS_BLOCK = 1000  # training-loss points per add_points call (the trainer flushes in blocks too)


class SpyBuffer(MetricsBuffer):
    """A real buffer that also keeps one sample of every scheduled write (the newest)."""

    def __init__(self) -> None:
        super().__init__()
        self.samples: dict[str, Any] = {}
        self.scalars: dict[str, float] = {}
        self.per_step: set[str] = set()

    def record_scalars(self, step: int, values: dict[str, float]) -> None:
        self.scalars.update(values)
        super().record_scalars(step, values)

    def put_snapshot(self, kind: str, step: int, data: Any, keep_history: bool = True) -> None:
        self.samples[kind] = copy.deepcopy(data)
        super().put_snapshot(kind, step, data, keep_history)

    def add_points(self, name: str, steps: Any, values: Any) -> None:
        self.per_step.add(name)
        super().add_points(name, steps, values)


def capture(template: str, steps: int = 12) -> SpyBuffer:
    """One real item of everything the template's record writes (a short run: every step is due)."""
    from playground.session.new import new_session
    from playground.train import Trainer

    session, _ = new_session(template)
    assert session.config is not None
    config = session.config.with_changes(max_steps=steps, device="cpu", pace="fastest")
    spy = SpyBuffer()
    trainer = Trainer(session.graph, session.bundle(), config, spy)
    trainer.run(wait_when_paused=False)
    return spy


def fill(spy: SpyBuffer, steps: int) -> tuple[MetricsBuffer, dict[str, float]]:
    """A fresh buffer written as a ``steps``-step run writes it; tracemalloc figures in MB."""
    samples = {kind: copy.deepcopy(data) for kind, data in spy.samples.items()}  # before tracing
    loss_values = np.linspace(1.0, 0.01, LOSS_BLOCK)
    due = due_steps(0, steps)
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    buffer = MetricsBuffer()
    next_due = 0
    for start in range(0, steps + 1, LOSS_BLOCK):
        block = range(start, min(start + LOSS_BLOCK, steps + 1))
        for name in spy.per_step:
            buffer.add_points(name, block, loss_values[: len(block)])
        while next_due < len(due) and due[next_due] < block.stop:
            step = due[next_due]
            buffer.record_scalars(step, spy.scalars)
            for kind, data in samples.items():
                # each write is a new object, as each probe pass makes one
                buffer.put_snapshot(kind, step, copy.deepcopy(data))
            next_due += 1
    current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return buffer, {"traced_mb": (current - base) / 2**20, "peak_mb": (peak - base) / 2**20}


def measure(template: str, steps: int) -> dict[str, Any]:
    t0 = time.perf_counter()
    spy = capture(template)
    buffer, mb = fill(spy, steps)
    kinds = buffer.snapshot_kinds()
    return {"case": "history_memory", "template": template, "steps": steps,
            "traced_mb": round(mb["traced_mb"], 2), "peak_mb": round(mb["peak_mb"], 2),
            "record_mb": round(buffer.record_bytes() / 2**20, 2),
            "kinds": kinds, "entries_per_kind": max(len(buffer.recorded_steps(k)) for k in kinds) if kinds else 0,
            "loss_points": len(buffer.series("train/loss")[0]), "target_mb": TARGET_MB,
            "met": mb["traced_mb"] < TARGET_MB, "seconds": round(time.perf_counter() - t0, 1)}


def run(quick: bool = False, steps: int = 1_000_000, templates: list[str] | None = None) -> list[dict[str, Any]]:
    """One line per template and a summary line (``run_all.py`` calls this)."""
    from playground.graph.templates import TEMPLATES

    names = templates or list(QUICK_TEMPLATES if quick else TEMPLATES)
    lines = [measure(name, steps) for name in names]
    worst = max(lines, key=lambda line: line["traced_mb"])
    lines.append({"case": "history_memory_1m_steps" if steps == 1_000_000 else f"history_memory_{steps}_steps",
                  "max_traced_mb": worst["traced_mb"], "worst_template": worst["template"],
                  "templates": len(names), "target_mb": TARGET_MB, "met": all(line["met"] for line in lines)})
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help=f"only {', '.join(QUICK_TEMPLATES)}")
    parser.add_argument("--steps", type=int, default=1_000_000)
    parser.add_argument("--template", action="append", help="a template to measure (repeatable)")
    args = parser.parse_args()
    for line in run(args.quick, args.steps, args.template):
        print(json.dumps(line), flush=True)


if __name__ == "__main__":
    main()
