"""How long until the window shows the example, against what its three big libraries take to import.

Each round starts two fresh interpreters, one after the other (the order alternates by round):

* ``imports``: ``import PySide6.QtWidgets, pyqtgraph, torch`` in a bare interpreter;
* ``window``: ``python -m playground`` (offscreen unless ``--display``), until the main window's
  first painted frame with the example loaded (the app reports it with ``PLAYGROUND_SCRIPT``).

Both are timed the same way: from starting the process until its line arrives on stdout. Prints
one JSON line per measurement and a summary line with ``window_over_imports`` (median over median).
Target: window_over_imports ≤ 1.3.

Like with like: torch, PySide6 and pyqtgraph load from the bytecode pip compiled when it installed
them, so the app's own modules are compiled first too (``compileall``, into their ``__pycache__``),
as pip does for an installed wheel, as the desktop package ships them, and as Python does itself on
the first launch from a source checkout. Without that, a machine that sets
PYTHONDONTWRITEBYTECODE (this one does) compiles the app's ~250 modules from source at every
launch, ~0.6 s that no installed copy pays; ``--source`` measures that case, and says so.

    .venv/bin/python benchmarks/bench_startup.py [--rounds 5] [--display] [--source]
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
IMPORTS = "import PySide6.QtWidgets, pyqtgraph, torch, sys, os; print('imported', flush=True); os._exit(0)"


def timed(cmd: list[str], env: dict[str, str], marker: str) -> float:
    """Seconds from starting ``cmd`` until a stdout line containing ``marker`` arrives."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    assert proc.stdout is not None
    try:
        for line in proc.stdout:
            if marker in line:
                return time.perf_counter() - start
        raise RuntimeError(f"{cmd[-1]!r} ended without reporting {marker!r} (exit code {proc.wait()})")
    finally:
        proc.kill()
        proc.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--display", action="store_true", help="use $DISPLAY instead of the offscreen platform")
    parser.add_argument("--source", action="store_true",
                        help="do not compile the app's modules first (with PYTHONDONTWRITEBYTECODE, every launch "
                             "compiles them from source)")
    args = parser.parse_args()
    bytecode = "as found" if args.source else "compiled"
    if not args.source and not compileall.compile_dir(str(ROOT / "playground"), quiet=1):
        raise SystemExit("could not compile playground/ to bytecode (is the folder writable?)")
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, PYTHONPATH=str(ROOT), PLAYGROUND_STATE_DIR=os.path.join(tmp, "state"),
                   XDG_CONFIG_HOME=os.path.join(tmp, "config"), PLAYGROUND_SCRIPT="report,exit")
        if not args.display:
            env["QT_QPA_PLATFORM"] = "offscreen"
        cases = {"imports": ([sys.executable, "-c", IMPORTS], "imported"),
                 "window": ([sys.executable, "-m", "playground"], '"first_frame"')}
        times: dict[str, list[float]] = {name: [] for name in cases}
        for r in range(args.rounds):
            order = list(cases) if r % 2 == 0 else list(reversed(cases))
            for name in order:
                cmd, marker = cases[name]
                seconds = timed(cmd, env, marker)
                times[name].append(seconds)
                print(json.dumps({"case": name, "round": r, "seconds": round(seconds, 3)}), flush=True)
    medians = {name: statistics.median(values) for name, values in times.items()}
    print(json.dumps({"case": "summary", "imports_median_s": round(medians["imports"], 3),
                      "window_median_s": round(medians["window"], 3),
                      "window_over_imports": round(medians["window"] / medians["imports"], 3),
                      "target": 1.3, "rounds": args.rounds, "app_bytecode": bytecode}), flush=True)


if __name__ == "__main__":
    main()
