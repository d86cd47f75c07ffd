"""Checkpoints of a running session, and the writer that saves sessions off the caller's thread.

Saving is split in two so that a large session never holds up the window:

* :func:`capture_training` copies what was learned (weights, optimizer state, counters, RNG,
  history, record) into tensors of its own. It is cheap (memory copies) and must run where
  the trainer is between two steps: on the training thread through ``Trainer.at_break``,
  or on any thread while the trainer is paused or idle. It records nothing, so a checkpoint
  taken at a moment chosen by the clock never changes what the run records.
* :class:`SessionWriter` serializes, compresses and atomically writes a Session on its own
  thread, one save at a time, in the order they were handed over.
"""

from __future__ import annotations

import os
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

import torch

from playground.session.errors import SessionError
from playground.session.fileformat import save_session
from playground.session.model import Session

if TYPE_CHECKING:
    from playground.train import Trainer

CHECKPOINT_ENV = "PLAYGROUND_CHECKPOINT_S"  # tests shorten the interval; a person never needs to
DEFAULT_CHECKPOINT_S = 25.0  # a run loses at most this plus one save's time (under 30 s)


def checkpoint_interval_s() -> float:
    """Seconds between checkpoints of a running session: ``$PLAYGROUND_CHECKPOINT_S`` or 25."""
    raw = os.environ.get(CHECKPOINT_ENV, "")
    try:
        value = float(raw)
    except ValueError:
        return DEFAULT_CHECKPOINT_S
    return value if 0 < value <= DEFAULT_CHECKPOINT_S else DEFAULT_CHECKPOINT_S


def clone_tree(value: Any) -> Any:
    """A copy of nested dicts/lists/tuples in which every tensor is a clone (on the CPU)."""
    if isinstance(value, torch.Tensor):
        return value.detach().cpu().clone()
    if isinstance(value, dict):
        return {k: clone_tree(v) for k, v in value.items()}
    if isinstance(value, list):
        return [clone_tree(v) for v in value]
    if isinstance(value, tuple):
        return tuple(clone_tree(v) for v in value)
    return value


def capture_training(trainer: Trainer) -> dict[str, Any]:
    """What ``trainer`` learned so far as copies: ``weights``, ``optimizer_state``,
    ``trainer_state``, ``history``, ``record`` (Session field names). Call it between two steps."""
    if trainer._host_losses:  # CPU: hand over the losses read since the last flush (they are checked
        trainer._flush()  # already), so the history reaches this step; flushing never changes the record
    state = trainer.state_dict()  # weights are cloned there; the optimizer's tensors are live ones
    out: dict[str, Any] = {
        "weights": state.pop("model"),
        "optimizer_state": clone_tree(state.pop("optimizer")),
        "trainer_state": clone_tree(state),
        "history": {}, "record": None,
        "best": trainer.best,  # checkpoints: never changed in place (a new dict at each improvement)
    }
    buffer = trainer.buffer
    if buffer is not None:
        out["history"] = buffer.export_history()
        out["record"] = buffer.export_record()
    return out


def apply_training(session: Session, captured: dict[str, Any]) -> Session:
    """Put a :func:`capture_training` result into ``session`` (returned for chaining)."""
    for name, value in captured.items():
        setattr(session, name, value)
    return session


class SessionWriter:
    """Saves sessions on one background thread ("playground-save"), in order.

    ``submit`` returns a Future that holds None, or the SessionError of a save that failed.
    """

    def __init__(self) -> None:
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="playground-save")
        self._lock = threading.Lock()
        self._pending: list[Future[SessionError | None]] = []
        self.save_threads: list[str] = []  # the thread each save ran on (tests check it is not the caller's)

    def submit(self, session: Session, path: str, prepare: Any = None) -> Future[SessionError | None]:
        """Save ``session`` to ``path``; ``prepare(session)``, when given, runs first on the writer thread.

        The session is a snapshot made for this save and belongs to the writer: once written, its
        tensors are let go here (``_release``), so their memory is freed on this thread. Freed
        later by a cycle collection, which runs on the GUI thread, 100 MB of tensors held the
        event loop for over 0.1 s."""

        def work() -> SessionError | None:
            self.save_threads.append(threading.current_thread().name)
            try:
                if prepare is not None:
                    prepare(session)
                save_session(session, path)
            except SessionError as err:
                return err
            except (OSError, ValueError, TypeError, RuntimeError) as err:
                return SessionError(f"cannot save: {err}", path)
            finally:
                _release(session)
            return None

        future = self._pool.submit(work)
        with self._lock:
            self._pending = [f for f in self._pending if not f.done()] + [future]
        return future

    def busy(self) -> bool:
        with self._lock:
            return any(not f.done() for f in self._pending)

    def wait(self, timeout: float | None = None) -> bool:
        """Block until every save handed over so far is written; False if ``timeout`` passed first."""
        with self._lock:
            pending = list(self._pending)
        for future in pending:
            try:
                future.result(timeout)
            except TimeoutError:
                return False
        return True

    def close(self, timeout: float | None = None) -> None:
        self.wait(timeout)
        self._pool.shutdown(wait=False, cancel_futures=True)


def _release(session: Session) -> None:
    """Drop a written snapshot's tensors (see ``SessionWriter.submit``)."""
    session.weights = session.optimizer_state = session.trainer_state = session.record = None


def capture_while_paused(trainer: Trainer) -> dict[str, Any] | None:
    """:func:`capture_training` from any thread while ``trainer`` is paused or not running; None
    (nothing copied) when it is running. The trainer's lock is held meanwhile, so a paused run
    cannot take its next step (nor a new run start) until the copy is complete."""
    with trainer._cond:  # the trainer's own lock: its controls and its wait while paused take it
        if trainer._in_run and not (trainer._idle and trainer._pause):
            return None
        return capture_training(trainer)
