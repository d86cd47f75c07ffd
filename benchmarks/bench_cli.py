"""Start-up time of the command line: `playground --version` and `--help` (target: under 0.3 s).

Each repeat starts a fresh interpreter (`python -m playground ...`), as a person typing the
command does; the cases alternate so machine load hits both alike. Also reports whether the
command imported torch (it must not: torch alone takes about 2 s to import).

Run: .venv/bin/python benchmarks/bench_cli.py [--repeats 15]
Prints one JSON line per case: {"case": "cli_version", "median_s": ..., "target_s": 0.3, ...}
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET_S = 0.3
CASES = {"cli_version": ["--version"], "cli_help": ["--help"], "cli_train_help": ["train", "--help"]}
# after the command, say whether torch got imported (run in the same fresh interpreter)
PROBE = ("import runpy, sys; sys.argv = ['playground', *sys.argv[1:]]\n"
         "try:\n    runpy.run_module('playground', run_name='__main__')\n"
         "except SystemExit:\n    pass\n"
         "sys.stderr.write('TORCH=%d' % ('torch' in sys.modules))\n")


def time_once(argv: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "playground", *argv], env=env, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def imports_torch(argv: list[str], env: dict[str, str]) -> bool:
    proc = subprocess.run([sys.executable, "-c", PROBE, *argv], env=env, capture_output=True, text=True,
                          check=False)
    return "TORCH=1" in proc.stderr


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=15)
    args = parser.parse_args()
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    times: dict[str, list[float]] = {case: [] for case in CASES}
    for argv in CASES.values():  # one warm-up each: the first start reads files from disk
        time_once(argv, env)
    for _ in range(args.repeats):
        for name, argv in CASES.items():
            times[name].append(time_once(argv, env))
    for name, argv in CASES.items():
        median = statistics.median(times[name])
        print(json.dumps({"case": name, "median_s": round(median, 4), "max_s": round(max(times[name]), 4),
                          "target_s": TARGET_S, "meets_target": median < TARGET_S,
                          "imports_torch": imports_torch(argv, env), "repeats": args.repeats}))


if __name__ == "__main__":
    main()
