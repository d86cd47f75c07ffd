"""``playground`` and ``playground FILE``: open the desktop app, or say in one line why it cannot."""

from __future__ import annotations

import importlib
import os
import sys

from playground.cli.errors import EXIT_USAGE, CliError


def no_display_reason() -> str | None:
    """Why a window cannot open here (Linux without X11 or Wayland), or None.

    Checked before Qt starts: Qt itself aborts the process with a multi-line plugin message.
    """
    if not sys.platform.startswith("linux") or os.environ.get("QT_QPA_PLATFORM"):
        return None
    if os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"):
        return None
    return ("no display to open the app on (neither DISPLAY nor WAYLAND_DISPLAY is set); "
            "the command line still works without one (see 'playground --help')")


def launch(path: str | None) -> int:
    if path is not None and not os.path.isfile(path):
        raise CliError(f"no such file: {path}", EXIT_USAGE if not os.path.exists(path) else 1)
    reason = no_display_reason()
    if reason is not None:
        raise CliError(reason)
    try:  # by module name, so an app module that is missing (or stubbed out) is never taken from a cache
        app = importlib.import_module("playground.ui.app")
    except ImportError as err:
        raise CliError(f"the desktop app is not available ({err}); the command line still works "
                       f"(see 'playground --help')") from None
    start = getattr(app, "launch", None)
    if start is None:
        raise CliError("the desktop app is not available in this build (no playground.ui.app.launch)")
    return int(start(path))
