"""Where the app keeps window layout, recent files and preferences (QSettings).

The organisation/application names can be overridden (tests use a private
ini file instead) so a test run never touches a person's real settings.
"""

from __future__ import annotations

import os

from PySide6.QtCore import QSettings

ORG = "NeuralPlayground"
APP = "Neural Playground"
MAX_RECENT = 10


def app_settings(org: str | None = None, app: str | None = None) -> QSettings:
    """The settings store; ``PLAYGROUND_SETTINGS_ORG`` / ``_APP`` override the names."""
    return QSettings(org or os.environ.get("PLAYGROUND_SETTINGS_ORG", ORG),
                     app or os.environ.get("PLAYGROUND_SETTINGS_APP", APP))


def recent_files(settings: QSettings) -> list[str]:
    value = settings.value("recent_files", [])
    if isinstance(value, str):
        value = [value] if value else []
    return [str(v) for v in (value or [])][:MAX_RECENT]


def add_recent_file(settings: QSettings, path: str) -> list[str]:
    path = os.path.abspath(path)
    files = [path] + [p for p in recent_files(settings) if p != path]
    settings.setValue("recent_files", files[:MAX_RECENT])
    return files[:MAX_RECENT]


def remove_recent_file(settings: QSettings, path: str) -> None:
    settings.setValue("recent_files", [p for p in recent_files(settings) if p != path])
