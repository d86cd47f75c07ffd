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

# The system libraries Qt's xcb platform plugin (libqxcb.so and libQt6XcbQpa.so.6) loads, each
# with the Debian/Ubuntu package that provides it. Qt names only the first one it misses (often
# "xcb-cursor0" whatever is really absent), so they are all checked before the app starts.
XCB_LIBRARIES = (
    ("libxcb.so.1", "libxcb1"),
    ("libX11.so.6", "libx11-6"),
    ("libX11-xcb.so.1", "libx11-xcb1"),
    ("libxcb-cursor.so.0", "libxcb-cursor0"),
    ("libxcb-icccm.so.4", "libxcb-icccm4"),
    ("libxcb-image.so.0", "libxcb-image0"),
    ("libxcb-keysyms.so.1", "libxcb-keysyms1"),
    ("libxcb-randr.so.0", "libxcb-randr0"),
    ("libxcb-render.so.0", "libxcb-render0"),
    ("libxcb-render-util.so.0", "libxcb-render-util0"),
    ("libxcb-shape.so.0", "libxcb-shape0"),
    ("libxcb-shm.so.0", "libxcb-shm0"),
    ("libxcb-sync.so.1", "libxcb-sync1"),
    ("libxcb-util.so.1", "libxcb-util1"),
    ("libxcb-xfixes.so.0", "libxcb-xfixes0"),
    ("libxcb-xkb.so.1", "libxcb-xkb1"),
    ("libxkbcommon.so.0", "libxkbcommon0"),
    ("libxkbcommon-x11.so.0", "libxkbcommon-x11-0"),
    ("libEGL.so.1", "libegl1"),
    ("libGL.so.1", "libgl1"),
    ("libfontconfig.so.1", "libfontconfig1"),
    ("libdbus-1.so.3", "libdbus-1-3"),
)


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


def installed_libraries() -> set[str] | None:
    """The shared libraries the dynamic loader knows (``ldconfig -p``), or None if it cannot say."""
    for ldconfig in ("ldconfig", "/sbin/ldconfig", "/usr/sbin/ldconfig"):
        try:
            out = subprocess.run([ldconfig, "-p"], capture_output=True, text=True, check=True).stdout
        except (OSError, subprocess.CalledProcessError):
            continue
        return {line.split()[0] for line in out.splitlines()[1:] if line.strip()}
    return None


def uses_xcb(environ: dict[str, str] | os._Environ[str], platform: str = sys.platform) -> bool:
    """Whether Qt will load its xcb plugin: Linux, with no other platform chosen."""
    chosen = environ.get("QT_QPA_PLATFORM", "").split(":")[0].strip()
    return platform.startswith("linux") and chosen in ("", "xcb")


def missing_xcb_libraries(installed: set[str]) -> list[tuple[str, str]]:
    """``(library, package)`` for each library the xcb plugin needs that is not ``installed``."""
    return [(lib, pkg) for lib, pkg in XCB_LIBRARIES if lib not in installed]


def xcb_message(missing: list[tuple[str, str]]) -> str:
    libs = ", ".join(lib for lib, _ in missing)
    packages = " ".join(pkg for _, pkg in missing)
    return (f"The app cannot open a window: Qt's xcb platform plugin needs system libraries that "
            f"are not installed ({libs}).\nInstall them (Debian/Ubuntu) with:\n"
            f"    sudo apt-get install {packages}\n"
            f"(or run without a window: QT_QPA_PLATFORM=offscreen, or use the command line)")


def check_xcb(environ: dict[str, str] | os._Environ[str] = os.environ) -> str | None:
    """The message to show when the xcb plugin would fail to load, else None."""
    if not uses_xcb(environ):
        return None
    installed = installed_libraries()
    if installed is None:  # no ldconfig (e.g. a minimal container): let Qt speak for itself
        return None
    missing = missing_xcb_libraries(installed)
    return xcb_message(missing) if missing else None


def main(argv: list[str]) -> int:
    what = argv[0] if argv else "run"
    ensure_env()
    if what == "run":
        problem = check_xcb()
        if problem:
            print(problem, file=sys.stderr)
            return 1
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
