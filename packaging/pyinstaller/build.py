"""Build the desktop package: a one-folder app in ``dist/neural-playground/`` (``make package``).

    .venv/bin/python packaging/pyinstaller/build.py [--dist DIR]

Needs PyInstaller in the same environment (``.venv/bin/pip install "pyinstaller>=6.22,<6.23"
pyinstaller-hooks-contrib``); it is not a dependency of the app or of its tests. The example
sessions, icons and bundled data are taken from ``resources/``. Prints the bundle's size at the
end. Then ``make package-smoke`` starts the built app (``packaging/pyinstaller/smoke.py``) and
``packaging/pyinstaller/install_desktop.py`` adds it to the desktop's menus.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
SPEC = HERE / "neural-playground.spec"
APP = "neural-playground"


def folder_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dist", default=str(ROOT / "dist"), help="where the app folder goes (default: dist/)")
    parser.add_argument("--work", default=str(ROOT / "build" / "pyinstaller"), help="PyInstaller's work folder")
    parser.add_argument("--clean", action="store_true",
                        help="start from nothing (by default PyInstaller reuses its analysis when the inputs are unchanged)")
    args = parser.parse_args(argv)
    if importlib.util.find_spec("PyInstaller") is None:
        print("build: PyInstaller is not installed in this environment; install it with\n"
              f"    {sys.executable} -m pip install 'pyinstaller>=6.22,<6.23' pyinstaller-hooks-contrib",
              file=sys.stderr)
        return 1
    env = dict(os.environ, PYTHONPATH=str(ROOT))  # this checkout's playground, not an installed one
    cmd = [sys.executable, "-m", "PyInstaller", "--noconfirm", *(["--clean"] if args.clean else []),
           "--log-level", "WARN", "--distpath", args.dist, "--workpath", args.work, str(SPEC)]
    print("+", " ".join(cmd), flush=True)
    rc = subprocess.call(cmd, cwd=ROOT, env=env)
    if rc:
        print(f"build: PyInstaller failed (exit status {rc})", file=sys.stderr)
        return rc
    app = Path(args.dist) / APP
    print(f"built {app / APP} ({folder_size(app) / 2**20:.0f} MiB in {app})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
