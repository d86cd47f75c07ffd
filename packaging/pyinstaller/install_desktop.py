"""Add the built app to the desktop: menu entry, icons, and the ``.playground`` file type.

    .venv/bin/python packaging/pyinstaller/install_desktop.py [--app DIR] [--data-home DIR] [--uninstall]

Installs for the current user under ``$XDG_DATA_HOME`` (``~/.local/share``), no root needed:

* ``applications/neural-playground.desktop``, its ``Exec`` pointing at the built app
  (``dist/neural-playground/neural-playground`` unless ``--app``), with ``%f`` so that a
  double-clicked session opens in it;
* ``mime/packages/neural-playground.xml``: ``*.playground`` is ``application/x-neural-playground``,
  opened by default with the app (``xdg-mime default``);
* the icons: ``icons/hicolor/NxN/apps/neural-playground.png`` for each size, the SVG as
  ``scalable``, and the same as ``application-x-neural-playground`` for the file type.

Then it refreshes the desktop's caches where their tools exist (``update-mime-database``,
``update-desktop-database``, ``gtk-update-icon-cache``). ``--uninstall`` removes it all again.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
APP = "neural-playground"
MIME_TYPE = "application/x-neural-playground"
MIME_ICON = MIME_TYPE.replace("/", "-")
DESKTOP = ROOT / "packaging" / f"{APP}.desktop"
MIME_XML = ROOT / "packaging" / "mime" / f"{APP}.xml"
ICONS = ROOT / "resources" / "icons"


def data_home() -> Path:
    return Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")


def desktop_entry(executable: Path) -> str:
    """The shipped entry with ``Exec``/``TryExec`` pointing at ``executable`` (quoted if needed)."""
    exe = str(executable)
    quoted = f'"{exe}"' if any(c in exe for c in " \t\"'\\") else exe
    lines = []
    for line in DESKTOP.read_text().splitlines():
        if line.startswith("Exec="):
            line = f"Exec={quoted} %f"
        elif line.startswith("TryExec="):
            line = f"TryExec={exe}"
        lines.append(line)
    return "\n".join(lines) + "\n"


def icon_files() -> list[tuple[Path, str]]:
    """(source, path under icons/hicolor/) for the app and the file type."""
    out: list[tuple[Path, str]] = []
    for png in sorted(ICONS.glob(f"{APP}-*.png")):
        size = png.stem.rsplit("-", 1)[1]
        out.append((png, f"{size}x{size}/apps/{APP}.png"))
        out.append((png, f"{size}x{size}/mimetypes/{MIME_ICON}.png"))
    svg = ICONS / f"{APP}.svg"
    out += [(svg, f"scalable/apps/{APP}.svg"), (svg, f"scalable/mimetypes/{MIME_ICON}.svg")]
    return out


def planned(home: Path) -> list[Path]:
    """Every file the install writes under ``home``."""
    hicolor = home / "icons" / "hicolor"
    return [home / "applications" / f"{APP}.desktop", home / "mime" / "packages" / f"{APP}.xml",
            *(hicolor / dest for _, dest in icon_files())]


def install(executable: Path, home: Path) -> list[Path]:
    written = []
    entry = home / "applications" / f"{APP}.desktop"
    entry.parent.mkdir(parents=True, exist_ok=True)
    entry.write_text(desktop_entry(executable))
    written.append(entry)
    xml = home / "mime" / "packages" / f"{APP}.xml"
    xml.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(MIME_XML, xml)
    written.append(xml)
    for source, dest in icon_files():
        target = home / "icons" / "hicolor" / dest
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
        written.append(target)
    refresh(home, default=True)
    return written


def uninstall(home: Path) -> list[Path]:
    removed = [p for p in planned(home) if p.exists()]
    for path in removed:
        path.unlink()
    refresh(home, default=False)
    return removed


def refresh(home: Path, default: bool) -> None:
    """Rebuild the caches the desktop reads, with whichever of their tools are installed."""
    steps = [["update-mime-database", str(home / "mime")],
             ["update-desktop-database", str(home / "applications")],
             ["gtk-update-icon-cache", "-q", "-t", "-f", str(home / "icons" / "hicolor")]]
    if default:
        steps.append(["xdg-mime", "default", f"{APP}.desktop", MIME_TYPE])
    for cmd in steps:
        if shutil.which(cmd[0]) is None:
            continue
        env = dict(os.environ, XDG_DATA_HOME=str(home))
        subprocess.run(cmd, env=env, capture_output=True, check=False)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--app", default=str(ROOT / "dist" / APP), help="the built app folder (default: dist/neural-playground)")
    parser.add_argument("--data-home", default=None, help="install here instead of $XDG_DATA_HOME or ~/.local/share")
    parser.add_argument("--uninstall", action="store_true", help="remove what an install wrote")
    args = parser.parse_args(argv)
    home = Path(args.data_home) if args.data_home else data_home()
    if args.uninstall:
        removed = uninstall(home)
        print(f"removed {len(removed)} files from {home}")
        return 0
    executable = Path(args.app).resolve() / APP
    if not (executable.is_file() and os.access(executable, os.X_OK)):
        print(f"install_desktop: no built app at {executable}; build it first with 'make package'", file=sys.stderr)
        return 1
    written = install(executable, home)
    print(f"installed {len(written)} files under {home}: the menu entry runs {executable}; "
          f"*.playground files open in it")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
