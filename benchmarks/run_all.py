"""Run every benchmark in ``benchmarks/`` and say, line by line, whether each target was met.

    .venv/bin/python benchmarks/run_all.py [--quick] [--only NAME ...] [--timeout S]

Each benchmark runs in its own fresh interpreter (offscreen), one after the other, so they do not
disturb each other's timings; a benchmark that defines ``run(quick) -> list[dict]`` is called
through it, the others through their own command line (``--quick`` passes their shorter
options). Every JSON line a benchmark prints is passed on, marked with its benchmark; then each
target gets one JSON line ``{"benchmark", "case", "metric", "value", "target", "met", "source"}``
and the whole is printed as one table. A benchmark that is missing, fails or runs too long gets
a line that says so (``met`` is then false: the target was not shown to hold). The targets are
the issues' (the ``source`` column names it); where an issue says only "smooth", 30 frames a
second (≤ 33 ms a frame) is taken.

Timings depend on the machine and its load: a busy machine misses speed targets that a quiet
one meets. ``--quick`` is for a first look; its shorter runs are noisier still.
Exit status: 0 when every target was met, 1 otherwise.
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


@dataclass(frozen=True)
class Target:
    """``metric`` of the lines whose case matches ``case`` (fnmatch patterns) ``op`` ``value``."""

    case: str
    metric: str
    op: str  # ">=", "<=", "<", "is"
    value: Any
    source: str

    def holds(self, measured: Any) -> bool:
        if self.op == "is":
            return bool(measured is self.value)
        if not isinstance(measured, (int, float)) or isinstance(measured, bool):
            return False
        return {">=": measured >= self.value, "<=": measured <= self.value, "<": measured < self.value}[self.op]

    def text(self) -> str:
        return f"{self.op} {self.value}" if self.op != "is" else f"is {self.value}"


@dataclass(frozen=True)
class Bench:
    """A benchmark file ``benchmarks/NAME.py``: what it measures, its options, its targets."""

    name: str
    what: str
    args: tuple[str, ...] = ()
    quick_args: tuple[str, ...] = ()
    targets: tuple[Target, ...] = ()
    has_run: bool = False  # defines run(quick) -> list[dict]
    full_only: bool = False  # skipped with --quick (too long for a first look)
    needs_folder: bool = False  # takes a scratch folder as its first argument


SMOOTH_MS = 33.0  # "smooth": 30 frames a second
BENCHES: tuple[Bench, ...] = (
    Bench("bench_trainer", "trainer against the raw loop",
          quick_args=("--steps", "200", "--rounds", "1", "--case", "mlp_spirals", "--case", "transformer_reverse",
                      "--case", "lenet_digits"),
          targets=(*(Target(case, "ratio_same_kernel", ">=", 0.90, "issue 10")
                     for case in ("mlp_spirals", "transformer_reverse", "lenet_digits")),
                   *(Target(case, "ratio_record_off", ">=", 0.97, "issue 10")
                     for case in ("mlp_spirals", "transformer_reverse", "lenet_digits")))),
    Bench("bench_threads", "threads under load", quick_args=("--seconds", "1"),
          targets=(Target("mlp_threads", "loaded_over_quiet", ">=", 0.4, "issue 10"),)),
    Bench("bench_ui", "UI stalls and watch-pace frames", quick_args=("--steps", "100", "--rounds", "1"),
          targets=(Target("*_all_views", "p99_stall_ms", "<=", 30, "issues 6, 11"),
                   Target("*_all_views", "training_ratio", ">=", 0.9, "issues 6, 11"),
                   Target("pan_zoom_300_blocks", "p99_frame_ms", "<=", 30, "issue 6"),
                   Target("spiral_watch", "boundary_frames_watch", ">=", 200, "issue 13"))),
    Bench("bench_startup", "start-up", quick_args=("--rounds", "1"),
          targets=(Target("summary", "window_over_imports", "<=", 1.3, "issue 13"),)),
    Bench("bench_cli", "command-line start-up", quick_args=("--repeats", "3"),
          targets=(Target("cli_version", "median_s", "<", 0.3, "issue 11"),
                   Target("cli_help", "median_s", "<", 0.3, "issue 11"))),
    Bench("bench_check", "the 500-block re-check", quick_args=("--repeats", "5"),
          targets=(Target("recheck_500_blocks", "median_ms", "<", 100, "issue 8"),)),
    Bench("bench_canvas", "canvas pan/zoom", quick_args=("--steps", "10", "--repeats", "1"),
          targets=tuple(Target(case, "median_ms", "<=", SMOOTH_MS, "issue 6 (smooth)")
                        for case in ("pan_at_fit", "zoom_at_fit", "pan_at_100"))),
    Bench("bench_views", "views", quick_args=("--quick",),
          # (the *_no_downsampling cases are the comparison without clip/peak downsampling: no target)
          targets=(Target("curve_1e6_zoom_repaint", "ms", "<=", SMOOTH_MS, "issue 7 (smooth)"),
                   Target("curve_1e6_pan_repaint", "ms", "<=", SMOOTH_MS, "issue 7 (smooth)"),
                   Target("training_steps_per_s_all_views_30hz", "ratio", ">=", 0.95, "issue 7"))),
    Bench("bench_variants", "variants", quick_args=("--steps", "100", "--rounds", "1"),
          targets=(Target("mlp_spirals_sgd_batch10", "variants_over_single", ">=", 20, "issue 15"),)),
    Bench("bench_prune", "pruning", quick_args=("--seeds", "1"),
          targets=(Target("summary", "sparsity", ">=", 0.7, "issue 14"),
                   Target("summary", "ok", "is", True, "issue 14 (within 2 points of dense)"))),
    Bench("bench_save", "session save/load of a 10M-parameter model", has_run=True,
          targets=(Target("save_load_10m", "save_s", "<", 1.5, "issue 16"),
                   Target("save_load_10m", "load_s", "<", 1.5, "issue 16"),
                   Target("app_save_stall_10m", "max_stall_ms_saving", "<=", 100, "issues 13, 16"))),
    Bench("bench_history_memory", "history memory over 1,000,000 steps", has_run=True,
          targets=(Target("history_memory_1m_steps", "max_traced_mb", "<", 50, "issue 16"),)),
    Bench("hostile_sessions", "memory of check/train on hostile session files (no target; figures only)",
          args=("--measure",), full_only=True, needs_folder=True),
)
NAMES = [b.name for b in BENCHES]


@dataclass
class Outcome:
    bench: Bench
    lines: list[dict[str, Any]]
    problem: str = ""  # "" when it ran to the end
    seconds: float = 0.0


def command(bench: Bench, quick: bool, folder: str) -> list[str]:
    if bench.has_run:
        code = (f"import json, sys; sys.path.insert(0, {str(HERE)!r}); import {bench.name} as b\n"
                f"for line in b.run(quick={quick}):\n    print(json.dumps(line), flush=True)")
        return [sys.executable, "-c", code]
    return [sys.executable, str(HERE / f"{bench.name}.py"), *((folder,) if bench.needs_folder else ()),
            *(bench.quick_args if quick else bench.args)]


def run_bench(bench: Bench, quick: bool, timeout: float, echo: bool = True) -> Outcome:
    """Run one benchmark in a fresh interpreter; its JSON lines, or what went wrong."""
    if not (HERE / f"{bench.name}.py").is_file():
        return Outcome(bench, [], f"not available (benchmarks/{bench.name}.py is not in this checkout)")
    env = dict(os.environ, PYTHONPATH=str(ROOT), QT_QPA_PLATFORM="offscreen", PLAYGROUND_NO_AUTOSAVE_PROMPT="1")
    lines: list[dict[str, Any]] = []
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as folder:
        env["PLAYGROUND_STATE_DIR"] = os.path.join(folder, "state")
        env["XDG_CONFIG_HOME"] = os.path.join(folder, "config")
        try:
            done = subprocess.run(command(bench, quick, os.path.join(folder, "scratch")), cwd=ROOT, env=env,
                                  capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired as late:
            out = late.stdout.decode() if isinstance(late.stdout, bytes) else (late.stdout or "")
            lines = parse(out)
            return Outcome(bench, lines, f"ran past {timeout:.0f} s and was stopped", time.perf_counter() - start)
    lines = parse(done.stdout)
    if echo:
        for line in lines:
            print(json.dumps({"benchmark": bench.name, **line}), flush=True)
    problem = ""
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no message"])[-1]
        missing_run = bench.has_run and "has no attribute 'run'" in done.stderr
        problem = (f"not available (benchmarks/{bench.name}.py has no run(quick) yet)" if missing_run
                   else f"failed (exit status {done.returncode}): {last}")
    return Outcome(bench, lines, problem, time.perf_counter() - start)


def parse(stdout: str) -> list[dict[str, Any]]:
    lines = []
    for text in stdout.splitlines():
        text = text.strip()
        if text.startswith("{"):
            try:
                value = json.loads(text)
            except ValueError:
                continue
            if isinstance(value, dict):
                lines.append(value)
    return lines


def evaluate(outcome: Outcome) -> list[dict[str, Any]]:
    """One row per target (and per line a pattern matched): benchmark, case, metric, value,
    target, met, source. A target no line answered is a row that says why."""
    bench, rows = outcome.bench, []
    if outcome.problem and not outcome.lines:  # nothing measured: one line says why
        return [{"benchmark": bench.name, "case": "-", "metric": ", ".join(t.metric for t in bench.targets) or "-",
                 "value": outcome.problem, "target": "; ".join(t.text() for t in bench.targets) or "none",
                 "met": False, "source": ", ".join(sorted({t.source for t in bench.targets})) or "-"}]
    for target in bench.targets:
        found = []
        for line in outcome.lines:
            case = str(line.get("case", ""))
            if not fnmatch.fnmatchcase(case, target.case):
                continue
            for metric, value in line.items():
                if metric != "case" and fnmatch.fnmatchcase(metric, target.metric) and not isinstance(value, dict):
                    found.append({"benchmark": bench.name, "case": case, "metric": metric, "value": value,
                                  "target": target.text(), "met": target.holds(value), "source": target.source})
        if not found:
            found.append({"benchmark": bench.name, "case": target.case, "metric": target.metric,
                          "value": outcome.problem or "no such line", "target": target.text(), "met": False,
                          "source": target.source})
        rows.extend(found)
    if not bench.targets:
        rows.append({"benchmark": bench.name, "case": "-", "metric": "-",
                     "value": outcome.problem or f"{len(outcome.lines)} lines", "target": "none",
                     "met": None if not outcome.problem else False, "source": "-"})
    return rows


def table(rows: list[dict[str, Any]]) -> str:
    """The rows as a plain-text table, one target a line."""
    heads = ("benchmark", "case", "metric", "value", "target", "met", "source")
    cells = [[_cell(row.get(h)) if h != "met" else _met(row["met"]) for h in heads] for row in rows]
    widths = [max(len(h), *(len(c[i]) for c in cells)) if cells else len(h) for i, h in enumerate(heads)]
    out = ["  ".join(h.ljust(w) for h, w in zip(heads, widths, strict=True)).rstrip(),
           "  ".join("-" * w for w in widths)]
    out += ["  ".join(c.ljust(w) for c, w in zip(cell, widths, strict=True)).rstrip() for cell in cells]
    return "\n".join(out)


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    text = str(value)
    return text if len(text) <= 70 else text[:67] + "..."


def _met(met: bool | None) -> str:
    return "n/a" if met is None else ("met" if met else "NOT MET")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="shorter runs of each benchmark (noisier)")
    parser.add_argument("--only", action="append", choices=NAMES, metavar="NAME",
                        help=f"run only this benchmark (repeatable): {', '.join(NAMES)}")
    parser.add_argument("--timeout", type=float, default=None,
                        help="seconds each benchmark may take (default: 900 with --quick, else 3600)")
    args = parser.parse_args(argv)
    timeout = args.timeout or (900.0 if args.quick else 3600.0)
    rows: list[dict[str, Any]] = []
    for bench in BENCHES:
        if args.only and bench.name not in args.only:
            continue
        if args.quick and bench.full_only:
            rows.append({"benchmark": bench.name, "case": "-", "metric": "-", "value": "skipped with --quick",
                         "target": "none", "met": None, "source": "-"})
            continue
        print(f"# {bench.name}: {bench.what}", file=sys.stderr, flush=True)
        outcome = run_bench(bench, args.quick, timeout)
        rows.extend(evaluate(outcome))
    for row in rows:
        print(json.dumps(row), flush=True)
    print()
    print(table(rows))
    missed = [row for row in rows if row["met"] is False]
    print(f"\n{len(rows) - len(missed)} of {len(rows)} lines met their target or have none"
          + (f"; not met: {', '.join(sorted({r['benchmark'] for r in missed}))}" if missed else ""))
    return 1 if missed else 0


if __name__ == "__main__":
    raise SystemExit(main())
