"""Paths the commands read and write: open a session, refuse outputs that cannot work.

Every check here runs before any work is spent, so a typo in an output path costs nothing.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from playground.cli.errors import EXIT_PROBLEM, EXIT_USAGE, CliError

if TYPE_CHECKING:
    from playground.session import Session


def open_session(path: str) -> Session:
    """The session at ``path``; one line (CliError or SessionError) when it cannot be read."""
    if not os.path.exists(path):
        raise CliError(f"no such file: {path}", EXIT_USAGE)
    if os.path.isdir(path):
        raise CliError(f"{path} is a folder, not a session file", EXIT_USAGE)
    from playground.session import load_session

    return load_session(path)


def check_writable(path: str, option: str, replace: bool = True) -> None:
    """Refuse an output file that cannot be written, before any work is spent on it.

    ``replace``: the file is written next to itself and renamed over (sessions, exports),
    so its folder must be writable too; otherwise it is written in place (a CSV, /dev/null).
    """
    if path == "":
        raise CliError(f"{option} needs a file name", EXIT_USAGE)
    if os.path.isdir(path):
        raise CliError(f"{option} {path}: is a folder, not a file", EXIT_USAGE)
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise CliError(f"{option} {path}: the folder {folder} does not exist", EXIT_USAGE)
    exists = os.path.exists(path)
    if exists and not os.access(path, os.W_OK):
        raise CliError(f"{option} {path}: no permission to write there", EXIT_PROBLEM)
    if (replace or not exists) and not os.access(folder, os.W_OK):
        raise CliError(f"{option} {path}: no permission to write in {folder}", EXIT_PROBLEM)


def check_folder(path: str, option: str) -> None:
    """Refuse an output folder that is a file or cannot be written (it may not exist yet)."""
    if path == "":
        raise CliError(f"{option} needs a folder name", EXIT_USAGE)
    if os.path.exists(path) and not os.path.isdir(path):
        raise CliError(f"{option} {path}: is a file, not a folder", EXIT_USAGE)
    existing = os.path.abspath(path)
    while not os.path.exists(existing):  # the folder is created: its nearest existing parent must allow it
        existing = os.path.dirname(existing)
    if not os.path.isdir(existing):
        raise CliError(f"{option} {path}: {existing} is a file, not a folder", EXIT_USAGE)
    if not os.access(existing, os.W_OK | os.X_OK):
        raise CliError(f"{option} {path}: no permission to write in {existing}", EXIT_PROBLEM)


def same_file(a: str, b: str) -> bool:
    """True when both paths name one file (through links, ./ and case-folding file systems)."""
    try:
        return os.path.samefile(a, b)
    except OSError:
        return os.path.realpath(a) == os.path.realpath(b)
