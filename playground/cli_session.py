"""Command-line helpers shared by the commands: opening sessions and the errors worth one line."""

from __future__ import annotations

import os

from playground.session import Session, SessionError, load_session


def known_errors() -> tuple[type[BaseException], ...]:
    """Exceptions whose message is already a sentence for a person."""
    from playground.compile import CompileError
    from playground.data import DatasetError
    from playground.train import ConfigError

    return (SessionError, DatasetError, ConfigError, CompileError, OSError)


def open_session(path: str) -> Session:
    from playground.cli import CliError

    if not os.path.exists(path):
        raise CliError(f"no such file: {path}", 2)
    if os.path.isdir(path):
        raise CliError(f"{path} is a folder, not a session file", 2)
    return load_session(path)


def check_writable(path: str, option: str) -> None:
    """Refuse an output path that cannot be written, before any work is spent on it."""
    from playground.cli import CliError

    if os.path.isdir(path):
        raise CliError(f"{option} {path}: is a folder, not a file", 2)
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise CliError(f"{option} {path}: the folder {folder} does not exist", 2)
    if not os.access(folder, os.W_OK) or (os.path.exists(path) and not os.access(path, os.W_OK)):
        raise CliError(f"{option} {path}: no permission to write there", 1)
