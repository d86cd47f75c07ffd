"""Set up a virtual environment and run the app or the tests.

    python3 packaging/bootstrap.py run      # install everything, open the app on an example
    python3 packaging/bootstrap.py test     # install everything, run the whole test suite

Needs only Python >= 3.11 with pip. Creates ``.venv`` beside the repo's
pyproject.toml. torch is pinned to 2.13.0 here (a CPU wheel on the dev/CI
machines); the package itself only asks for a range.
"""

from __future__ import annotations

import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"
PY = VENV / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
TORCH = os.environ.get("PLAYGROUND_TORCH", "torch==2.13.0")
STAMP = VENV / ".installed"


def sh(*args: str | os.PathLike) -> None:
    print("+", " ".join(str(a) for a in args), flush=True)
    subprocess.check_call([str(a) for a in args], cwd=ROOT)


def ensure_env() -> None:
    if not PY.exists():
        venv.EnvBuilder(with_pip=True).create(VENV)
    key = (ROOT / "pyproject.toml").read_text() + TORCH
    if STAMP.exists() and STAMP.read_text() == key:
        return
    sh(PY, "-m", "pip", "install", "-q", "--upgrade", "pip")
    sh(PY, "-m", "pip", "install", "-q", TORCH)
    sh(PY, "-m", "pip", "install", "-q", "-e", ".[test]")
    STAMP.write_text(key)


def main(argv: list[str]) -> int:
    what = argv[0] if argv else "run"
    ensure_env()
    if what == "run":
        return subprocess.call([str(PY), "-m", "playground", *argv[1:]], cwd=ROOT)
    if what == "test":
        env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
        rc = subprocess.call([str(PY), "-m", "ruff", "check", "playground", "tests", "benchmarks"], cwd=ROOT)
        if rc:
            return rc
        rc = subprocess.call([str(PY), "-m", "mypy"], cwd=ROOT)  # the typed core, see [tool.mypy]
        if rc:
            return rc
        return subprocess.call([str(PY), "-m", "pytest", *argv[1:]], cwd=ROOT, env=env)
    if what == "setup":
        return 0
    print(f"unknown command {what!r}: use run, test or setup", file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
