"""Atomic file replacement: a crash at any moment leaves either the old file or the new one.

* The temporary file lives in the target's folder (so ``os.replace`` is a same-filesystem
  rename) under a short name, ``.pg-<pid>-<random>.tmp``, so a target whose name uses the
  whole 255-byte limit still saves.
* Temporary files that a killed process left behind (ours by name, older than this
  process) are swept on the next save into the same folder.
* A target that is a symlink is written through: the file it points to is replaced and
  the link is kept.
* Every ``OSError`` raised carries the file concerned in ``filename``.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import stat
import time
from collections.abc import Callable
from typing import BinaryIO

_TMP = re.compile(r"^\.pg-(\d+)-[0-9a-f]{8}\.tmp$")
_LEGACY_TMP = re.compile(r"^\..+\.playground\.[a-z0-9_]{8}\.tmp$")  # tempfile.mkstemp names of earlier versions
_STARTED = time.time()  # temp files modified before this belong to an earlier process


def atomic_write(path: str, write: Callable[[BinaryIO], object],
                 verify: Callable[[str], None] | None = None) -> None:
    """Call ``write(f)`` on a temporary file next to ``path``, fsync it, then rename over ``path``.

    ``verify(tmp_path)``, when given, checks the written file before it replaces anything; an
    exception from it leaves ``path`` as it was. The folder is fsynced afterwards so the rename
    itself survives a power cut.
    """
    target = resolve_target(path)
    folder = os.path.dirname(target)
    sweep_stale_temps(folder)
    tmp = os.path.join(folder, f".pg-{os.getpid()}-{secrets.token_hex(4)}.tmp")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except OSError as err:
        raise _named(err, target) from None
    try:
        os.chmod(tmp, _mode_for(target))  # a saved file keeps its (or normal) permissions
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        if verify is not None:
            verify(tmp)
        os.replace(tmp, target)
    except BaseException as err:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(err, OSError):
            raise _named(err, target) from None
        raise
    _fsync_dir(folder)


def resolve_target(path: str) -> str:
    """The absolute path a save to ``path`` replaces: the end of a symlink chain, if it is one."""
    path = os.path.abspath(path)
    if os.path.islink(path):
        return os.path.realpath(path)
    return path


def sweep_stale_temps(folder: str) -> list[str]:
    """Remove our temporary files in ``folder`` that a killed earlier process left; return them."""
    removed: list[str] = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for entry in entries:
        match = _TMP.match(entry.name)
        legacy = match is None and _LEGACY_TMP.match(entry.name) is not None
        if not (match or legacy) or (match and int(match.group(1)) == os.getpid()):
            continue
        try:
            st = entry.stat(follow_symlinks=False)
            pid = int(match.group(1)) if match else -1
            if stat.S_ISREG(st.st_mode) and st.st_mtime < _STARTED and not _alive(pid, st):
                os.unlink(entry.path)
                removed.append(entry.path)
        except OSError:
            continue  # somebody else's file, or gone already
    return removed


def _alive(pid: int, st: os.stat_result) -> bool:
    # A live process may still be writing its temp file: leave it alone unless it is old
    # (an hour untouched means the writer is gone or the pid was reused).
    if pid < 0 or time.time() - st.st_mtime > 3600:
        return pid < 0 and time.time() - st.st_mtime < 60  # a legacy name has no pid to ask
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


def _named(err: OSError, path: str) -> OSError:
    if err.filename:
        return err
    named = type(err)(err.errno, err.strerror or str(err), path)
    return named


def _mode_for(path: str) -> int:
    try:
        return stat.S_IMODE(os.stat(path).st_mode)
    except OSError:
        mask = os.umask(0)
        os.umask(mask)
        return 0o666 & ~mask


def _fsync_dir(folder: str) -> None:
    if os.name != "posix":
        return  # Windows cannot open a directory for fsync; NTFS journals the rename
    try:
        dfd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(dfd)
    except OSError:
        pass
    finally:
        os.close(dfd)
