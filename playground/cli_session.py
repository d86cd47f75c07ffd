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
