"""Smoke test of the BUILT app (``make package-smoke``): it starts, opens an example, trains, quits.

    .venv/bin/python packaging/pyinstaller/smoke.py [--app DIR] [--rounds N]

1. ``neural-playground --version`` prints this checkout's version;
2. ``neural-playground check EXAMPLE`` (the command line inside the bundle, with its own torch)
   passes on the example shipped in the bundle;
3. ``neural-playground EXAMPLE`` offscreen opens a copy of that example, trains 20 steps and closes
   the window (``PLAYGROUND_SCRIPT=report,steps=20``): exit status 0, step 20 reached, nothing on
   stderr but the offscreen platform's own note;
4. ``--rounds N`` more launches (``report,exit``) time the first frame again; with
   ``--compare-source`` each round also starts the app from this checkout (``python -m
   playground``, same session, same platform) right after, so the two are timed under the same
   load, and the summary gives ``built_over_source``.

Prints one JSON line per check and a summary with the bundle's size and the start-up time (from
starting the process to the main window's first painted frame with the example loaded; it
depends on the machine and its load). Exit status 1 when a check fails.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
APP = "neural-playground"
EXAMPLE = "spiral_mlp.playground"
STEPS = 20
OFFSCREEN_NOTE = "This plugin does not support propagateSizeHints()"


def version() -> str:
    text = (ROOT / "playground" / "__init__.py").read_text()
    found = re.search(r'__version__\s*=\s*"([^"]+)"', text)
    return found.group(1) if found else "?"


def bundled_example(app: Path) -> Path:
    found = sorted(app.rglob(f"playground/resources/examples/{EXAMPLE}"))
    if not found:
        raise SystemExit(f"smoke: the bundle at {app} has no examples/{EXAMPLE}")
    return found[0]


def folder_mb(path: Path) -> float:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink()) / 2**20


def app_env(tmp: Path, script: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "DISPLAY")}
    env.update(QT_QPA_PLATFORM="offscreen", PLAYGROUND_SCRIPT=script, PLAYGROUND_NO_AUTOSAVE_PROMPT="1",
               PLAYGROUND_STATE_DIR=str(tmp / "state"), XDG_CONFIG_HOME=str(tmp / "config"))
    return env


def launch(exe: Path | list[str], session: Path, env: dict[str, str], timeout: float) -> dict:
    """Run the app (a built executable, or a command) on ``session``; its JSON events, exit
    status, stderr and first-frame time."""
    cmd = [str(exe)] if isinstance(exe, Path) else list(exe)
    events, first_frame = [], None
    with tempfile.TemporaryFile("w+") as errors:  # a file: a chatty stderr can never block the app
        start = time.perf_counter()
        proc = subprocess.Popen([*cmd, str(session)], env=env, stdout=subprocess.PIPE, stderr=errors,
                                text=True)
        assert proc.stdout is not None
        for line in proc.stdout:
            if line.startswith("{"):
                event = json.loads(line)
                events.append(event)
                if event.get("event") == "first_frame" and first_frame is None:
                    first_frame = time.perf_counter() - start
            if time.perf_counter() - start > timeout:
                proc.kill()
                break
        try:
            proc.wait(timeout=max(1.0, timeout - (time.perf_counter() - start)))
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        seconds = time.perf_counter() - start
        errors.seek(0)
        err = errors.read()
    return {"events": events, "code": proc.returncode, "stderr": err, "first_frame_s": first_frame,
            "seconds": seconds}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--app", default=str(ROOT / "dist" / APP), help="the built app folder")
    parser.add_argument("--rounds", type=int, default=2, help="extra launches that time the first frame")
    parser.add_argument("--timeout", type=float, default=600.0)
    parser.add_argument("--compare-source", action="store_true",
                        help="also time the app started from this checkout, alternating with the built one")
    args = parser.parse_args(argv)
    app = Path(args.app).resolve()
    exe = app / APP
    if not exe.is_file():
        print(f"smoke: no built app at {exe}; build it first with 'make package'", file=sys.stderr)
        return 1
    failures: list[str] = []

    def report(check: str, ok: bool, **fields: object) -> None:
        print(json.dumps({"check": check, "ok": ok, **fields}), flush=True)
        if not ok:
            failures.append(check)

    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        start = time.perf_counter()
        done = subprocess.run([str(exe), "--version"], capture_output=True, text=True, timeout=args.timeout,
                              env=app_env(tmp, ""))
        said = (done.stdout + done.stderr).strip()
        report("version", done.returncode == 0 and version() in said, says=said,
               seconds=round(time.perf_counter() - start, 2))

        session = tmp / EXAMPLE
        shutil.copyfile(bundled_example(app), session)  # a copy: the bundle's own file stays as shipped
        done = subprocess.run([str(exe), "check", str(session)], capture_output=True, text=True,
                              timeout=args.timeout, env=app_env(tmp, ""))
        report("check_example", done.returncode == 0, exit=done.returncode,
               says=(done.stdout + done.stderr).strip().splitlines()[-1:] or "")

        run = launch(exe, session, app_env(tmp, f"report,steps={STEPS}"), args.timeout)
        closing = [e for e in run["events"] if e.get("event") == "closing"]
        stderr = [line for line in run["stderr"].splitlines() if line.strip() and line.strip() != OFFSCREEN_NOTE]
        trained = closing[-1].get("step") if closing else None
        report("train_and_quit", run["code"] == 0 and trained is not None and trained >= STEPS and not stderr,
               exit=run["code"], steps=trained, first_frame_s=round(run["first_frame_s"] or -1, 2),
               seconds=round(run["seconds"], 1), stderr=stderr[-5:])

        frames = [run["first_frame_s"]] if run["first_frame_s"] else []
        source_frames: list[float] = []
        source_env = dict(app_env(tmp, "report,exit"), PYTHONPATH=str(ROOT))
        for _ in range(max(args.rounds, 0)):
            timed = launch(exe, session, app_env(tmp, "report,exit"), args.timeout)
            if timed["first_frame_s"]:
                frames.append(timed["first_frame_s"])
            if args.compare_source:
                timed = launch([sys.executable, "-m", "playground"], session, source_env, args.timeout)
                if timed["first_frame_s"]:
                    source_frames.append(timed["first_frame_s"])
        summary = {"check": "summary", "ok": not failures, "failed": failures, "bundle_mb": round(folder_mb(app)),
                   "first_frame_s": [round(f, 2) for f in frames],
                   "first_frame_median_s": round(statistics.median(frames), 2) if frames else None}
        if source_frames:
            summary["source_first_frame_s"] = [round(f, 2) for f in source_frames]
            summary["built_over_source"] = round(statistics.median(frames[1:] or frames)
                                                 / statistics.median(source_frames), 2)
        print(json.dumps(summary), flush=True)
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
