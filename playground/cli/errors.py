"""The CLI's errors and how each becomes one line and an exit status.

Exit statuses: 0 done, 1 a problem with a file, its contents or the run, 2 bad arguments,
3 the run diverged, 128 + N stopped by signal N (130 Ctrl+C, 143 SIGTERM, 129 SIGHUP).

Nothing here imports the core: an error is classified by the classes already loaded, so
reporting it never starts a slow import that a second Ctrl+C could interrupt.
"""

from __future__ import annotations

import re
import signal
import sys

EXIT_PROBLEM = 1
EXIT_USAGE = 2
EXIT_DIVERGED = 3

# (module, class) of core errors whose message is already a sentence for a person
_KNOWN = (
    ("playground.session.errors", "SessionError"),
    ("playground.data.bundle", "DatasetError"),
    ("playground.train.config", "ConfigError"),
    ("playground.compile.compiler", "CompileError"),
    ("playground.export.python_code", "ExportError"),
    ("playground.export.onnx", "OnnxExportError"),
    ("playground.graph.model", "GraphFormatError"),
    ("playground.train.trainer", "TrainerError"),
    ("playground.train.estimate", "MemoryBudgetError"),
)
_ALLOCATION = re.compile(r"DefaultCPUAllocator|can't allocate memory|out of memory|Cannot allocate memory",
                         re.IGNORECASE)
_TRIED = re.compile(r"tried to allocate (\d+) bytes")
_AT_STEP = re.compile(r"(training failed at step \d+)")


class CliError(Exception):
    """A problem to report as one line; ``code`` is the exit status."""

    def __init__(self, message: str, code: int = EXIT_PROBLEM) -> None:
        super().__init__(message)
        self.code = code


class Stopped(KeyboardInterrupt):
    """The user stopped the process: Ctrl+C (SIGINT), SIGTERM or SIGHUP.

    A KeyboardInterrupt, so everything that already handles Ctrl+C handles the others alike.
    """

    def __init__(self, signum: int = signal.SIGINT) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = int(signum)

    @property
    def code(self) -> int:
        return 128 + self.signum

    @property
    def how(self) -> str:
        return "Ctrl+C" if self.signum == signal.SIGINT else signal.Signals(self.signum).name


def stop_code(err: KeyboardInterrupt) -> int:
    return err.code if isinstance(err, Stopped) else 128 + signal.SIGINT


def stop_name(err: KeyboardInterrupt) -> str:
    return err.how if isinstance(err, Stopped) else "Ctrl+C"


def is_known(err: BaseException) -> bool:
    """True for an OSError or a core error whose text is meant for a person."""
    if isinstance(err, OSError):
        return True
    for module, name in _KNOWN:
        cls = getattr(sys.modules.get(module), name, None)
        if isinstance(cls, type) and isinstance(err, cls):
            return True
    return False


def is_allocation_failure(err: BaseException) -> bool:
    """True for running out of memory, whichever way torch or Python says it."""
    return isinstance(err, MemoryError) or bool(_ALLOCATION.search(str(err)))


def format_bytes(n: int) -> str:
    for unit, size in (("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10)):
        if n >= size:
            return f"{n / size:.1f} {unit}"
    return f"{n} bytes"


def plain_failure(text: str) -> str:
    """A failure message without allocator internals: torch's raw text becomes words."""
    if not _ALLOCATION.search(text) or text.startswith("ran out of memory"):
        return text  # "ran out of memory at step N ..." is the trainer's own sentence
    step = _AT_STEP.match(text)
    where = f"{step.group(1)}: " if step else ""
    tried = _TRIED.search(text)
    need = f" (it tried to allocate {format_bytes(int(tried.group(1)))})" if tried else ""
    return f"{where}not enough memory{need}; try a smaller batch size or a smaller network"


def describe_error(err: BaseException) -> str:
    """One line for a person; an OSError names the file and the reason, not an errno."""
    if isinstance(err, OSError) and err.strerror:
        where = err.filename if err.filename is not None else ""
        return f"{where}: {err.strerror}" if where else err.strerror
    if isinstance(err, MemoryError):
        return "not enough memory; try a smaller batch size, network or dataset"
    text = str(err).strip()
    if is_known(err):
        return plain_failure(text.splitlines()[0] if text else type(err).__name__)
    first = text.splitlines()[0] if text else ""
    return plain_failure(f"unexpected {type(err).__name__}{': ' + first if first else ''}")
