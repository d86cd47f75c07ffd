"""``benchmarks/run_all.py``: every benchmark is on its list, a real benchmark's lines are judged
against their targets and printed as one table, and a benchmark that is not there says so. No
timing is asserted: whether a target is met depends on the machine."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BENCHMARKS = ROOT / "benchmarks"


def load(name: str):
    spec = importlib.util.spec_from_file_location(name, BENCHMARKS / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


run_all = load("run_all")


def test_every_benchmark_in_the_folder_is_run():
    files = {p.stem for p in BENCHMARKS.glob("*.py")} - {"run_all"}
    assert files - set(run_all.NAMES) == set()
    for bench in run_all.BENCHES:
        assert bench.targets or bench.name == "hostile_sessions", f"{bench.name} has no target"


def test_quick_run_of_one_benchmark_prints_its_lines_each_target_judged_and_one_table():
    done = subprocess.run([sys.executable, str(BENCHMARKS / "run_all.py"), "--quick", "--only", "bench_check"],
                          cwd=ROOT, capture_output=True, text=True, timeout=600)
    lines = [json.loads(t) for t in done.stdout.splitlines() if t.startswith("{")]
    measured = [line for line in lines if line.get("benchmark") == "bench_check" and "median_ms" in line]
    assert measured and isinstance(measured[0]["median_ms"], float)
    verdicts = [line for line in lines if line.get("metric") == "median_ms"]
    assert len(verdicts) == 1
    verdict = verdicts[0]
    assert verdict["value"] == measured[0]["median_ms"] and verdict["target"] == "< 100"
    assert verdict["met"] == (measured[0]["median_ms"] < 100)
    assert done.returncode == (0 if verdict["met"] else 1)
    table = done.stdout.split("\n\n")[1].splitlines()
    assert table[0].split() == ["benchmark", "case", "metric", "value", "target", "met", "source"]
    assert table[2].split()[:3] == ["bench_check", "recheck_500_blocks", "median_ms"]
    assert ("met" if verdict["met"] else "NOT MET") in table[2]


def test_a_target_is_judged_on_the_lines_it_names_and_a_missing_line_is_not_met():
    bench = run_all.Bench("bench_x", "x", targets=(
        run_all.Target("case_a", "ms", "<=", 33.0, "issue 1"),
        run_all.Target("summary", "ok", "is", True, "issue 2"),
        run_all.Target("case_b", "ratio", ">=", 0.9, "issue 3")))
    lines = [{"case": "case_a", "ms": 12.5}, {"case": "case_a_other", "ms": 99.0}, {"case": "summary", "ok": False}]
    rows = run_all.evaluate(run_all.Outcome(bench, lines))
    assert [(r["case"], r["value"], r["met"]) for r in rows] == [
        ("case_a", 12.5, True), ("summary", False, False), ("case_b", "no such line", False)]


def test_a_benchmark_that_is_not_there_gives_one_line_that_says_so():
    bench = run_all.Bench("bench_not_written_yet", "later", has_run=True,
                          targets=(run_all.Target("c", "save_s", "<", 1.5, "issue 16"),))
    outcome = run_all.run_bench(bench, quick=True, timeout=60, echo=False)
    assert "not available" in outcome.problem and "bench_not_written_yet" in outcome.problem
    [row] = run_all.evaluate(outcome)
    assert row["met"] is False and "not available" in row["value"]
    assert "not available" in run_all.table([row])


def test_the_history_memory_benchmark_measures_a_bounded_real_record():
    bench = load("bench_history_memory")
    spy = bench.capture("mlp")
    assert {"weights", "grads", "boundary"} <= set(spy.samples) and "train/loss" in spy.per_step
    buffer, mb = bench.fill(spy, 40_960)
    assert set(buffer.snapshot_kinds()) == set(spy.samples)
    assert all(len(buffer.recorded_steps(kind)) <= 264 for kind in buffer.snapshot_kinds())
    assert buffer.recorded_steps("weights")[-1] == 40_960
    assert mb["traced_mb"] > buffer.record_bytes() / 2**20 * 0.5 > 0  # tracemalloc sees what it holds
