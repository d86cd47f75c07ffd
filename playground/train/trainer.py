"""Trainer: trains a compiled graph on a DataBundle and reports into a MetricsBuffer.

A plain object (no Qt): ``run()`` blocks; ``pause``/``resume``/``stop``/
``request_step``/``update_config``/``reset_weights`` may be called from any
thread. Flags are read between steps and no lock is held while computing, so
controls act within one step. Data and model live on the device.

What is recorded depends on step numbers only (``playground.train.schedule``): the training
loss at every step, and one record pass (``Prober.record``, plus the mode tracker for
deep-linear data) at every due step, at the start, and when the run ends or pauses. The loss
is checked at every step before the update is applied (``guard.Divergence``): a non-finite or
blown-up loss pauses the run with the weights, counters and record of the newest step known
good (the last scheduled record step whose validation was fine, or the start).
On the CPU the loss is read at each step (a read of a float, no sync); on an accelerator it
stays on the device and is copied every ``FLUSH_STEPS`` steps, at record steps, or every
``FLUSH_SECONDS`` (which only changes when losses become visible).
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict
from collections.abc import Callable
from typing import Any

import torch

from playground.compile.compiler import CompiledModel, compile_graph
from playground.graph.model import Graph
from playground.train import threads
from playground.train.batches import BatchSampler, LossKit, describe_exception, own_rng, resolve_device
from playground.train.best import BestKeeping
from playground.train.config import SAFE_FIELDS, ConfigError, TrainConfig
from playground.train.dynamics import ModeTracker
from playground.train.guard import Divergence, WeightGuard
from playground.train.metrics import MetricsBuffer
from playground.train.optim import (
    apply_hyperparameters,
    lr_at,
    make_optimizer,
    penalty,
    schedule_horizon,
    seeded_model,
    weight_matrices,
)
from playground.train.probes import Prober
from playground.train.recording import FLUSH_SECONDS, FLUSH_STEPS, RecordingSteps
from playground.train.schedule import is_due


def build_model(graph: Graph, task: Any, config: TrainConfig) -> CompiledModel:
    """The network a Trainer with ``config`` starts from: compiled under the config's seed, then
    initialised as ``config.init`` says (the same seed gives the same weights everywhere)."""
    model = seeded_model(lambda: compile_graph(graph, task), config.init, config.seed)
    assert isinstance(model, CompiledModel)
    return model


class TrainerError(RuntimeError):
    """A trainer misuse or failure, phrased for a person."""


class Trainer(RecordingSteps, BestKeeping):
    """Train ``graph`` on ``bundle`` with ``config``; metrics go to ``buffer``."""

    def __init__(self, graph: Graph, bundle: Any, config: TrainConfig | None = None,
                 buffer: MetricsBuffer | None = None, record: bool = True) -> None:
        self.config = config or TrainConfig()
        self.config.validate()
        self.device = resolve_device(self.config.device)
        self.buffer = buffer if buffer is not None else MetricsBuffer()
        self.bundle = bundle
        self.record = record  # False: the training loss only (benchmarks)
        self._graph = graph.copy()
        self.labels = {nid: n.label for nid, n in graph.nodes.items()}
        self.model: CompiledModel = self._fresh_model()
        self.model.to(self.device)
        self.model.record_attention(False)
        self.loss = LossKit(self.model.loss_name, bundle.task)
        self.data = BatchSampler(bundle, self.device, self.loss, self.config.batch_size, self.config.seed)
        self._params = [p for p in self.model.parameters() if p.requires_grad]
        self._weights = weight_matrices(self.model)
        self._state_tensors = [t for t in self.model.state_dict().values() if t.is_floating_point()]
        self.optimizer = make_optimizer(self._params, self.config)
        self.prober = Prober(self.model, bundle, self.device, self.labels, self.model.node_types)
        self.modes = self._mode_tracker(bundle)
        self.step = self.epoch = 0
        self.state = "idle"
        self._rng_box = [self._seeded_rng_state()]
        self._cond = threading.Condition()
        # control flags; _in_run: run() is on the call stack (running, or waiting while paused)
        self._pause = self._stop = self._reset = self._in_run = False
        self._budget = 0
        self._dirty = True
        self._guard = WeightGuard(self._state_tensors)
        self._watch = Divergence()
        self.diverged_at: int | None = None  # first non-finite or blown-up step of the last run
        self._host_losses = self.device.type == "cpu"  # read each loss now: free on the CPU
        self._pending: list[torch.Tensor] = []  # device losses not yet copied (accelerators)
        self._pending_host: list[float] = []
        self._last_batch: tuple[torch.Tensor, torch.Tensor] | None = None
        self._recorded_step = -1
        self._end: int | None = None
        self._horizon = 0  # planned run length for the record schedule (0: open-ended)
        self._idle = False  # the training thread is waiting while paused (after its record)
        # hook: called at the top of every loop turn, between two steps (the app's checkpoints copy
        # the state here); it records nothing
        self.at_break: Callable[[], object] | None = None
        self._lr = self.config.lr
        self._rate = 0.0
        self._last_flush, self._flush_step = time.perf_counter(), 0
        self.between_steps: Callable[[], None] | None = None  # the app's pace waits here; records never see it
        self._apply_config()
        self.buffer.set_status(state="idle", step=0, epoch=0, device=str(self.device), message="")

    # ------------------------------------------------------------ set-up
    def _fresh_model(self) -> CompiledModel:
        return build_model(self._graph, self.bundle.task, self.config)

    def _seeded_rng_state(self) -> torch.Tensor:
        return torch.Generator().manual_seed(self.config.seed + 2).get_state()

    def _mode_tracker(self, bundle: Any) -> ModeTracker | None:
        meta = getattr(bundle, "meta", {}) or {}
        if "correlation" not in meta or bundle.task.task != "regression":
            return None
        return ModeTracker(self.data.x, self.data.y, meta.get("items"))

    # ------------------------------------------------------------ controls
    def pause(self, wait: float | None = None) -> bool:
        """Ask training to pause. With ``wait``, block up to that many seconds until the training
        thread is paused (its pause recorded) or not running; return whether it is."""
        with self._cond:
            self._pause = True
            self._budget = 0
            self._cond.notify_all()
            if wait is not None:
                self._cond.wait_for(lambda: self._idle or not self._in_run, timeout=max(wait, 0.0))
            return self._idle or not self._in_run

    def waiting_paused(self) -> bool:
        """Whether training is paused and its thread waits (its pause recorded), or it is not
        running: then its state can be copied. Unlike ``pause(wait=0)`` it pauses nothing."""
        with self._cond:
            return (self._pause and self._budget <= 0 and self._idle) or not self._in_run

    def resume(self) -> None:
        with self._cond:
            self._pause = False
            self._budget = 0
            self._cond.notify_all()

    def stop(self) -> None:
        with self._cond:
            self._stop = True
            self._cond.notify_all()

    def network_changed(self) -> None:
        """The network was changed on purpose (a lesion put on or taken off): its validation loss
        starts a new reference for the divergence check. Against the best loss of the intact
        network, a lesioned one's loss looked like a diverging run, and the run paused itself."""
        with self._cond:
            self._watch.forget_best()

    def request_step(self, n: int = 1) -> None:
        """Run ``n`` more steps, then pause (a run() started later begins with them)."""
        with self._cond:
            self._pause = True
            self._budget += max(int(n), 0)
            self._cond.notify_all()

    def set_lr(self, lr: float) -> None:
        self.update_config(lr=lr)

    def update_config(self, **changes: Any) -> None:
        """Change safe settings (see ``SAFE_FIELDS``) now, even while running."""
        unsafe = sorted(set(changes) - SAFE_FIELDS)
        if unsafe:
            raise ConfigError([f"{k} cannot change during training; build a new trainer" for k in unsafe])
        self.config = self.config.with_changes(**changes)
        self._dirty = True

    def reset_weights(self) -> None:
        """Fresh initial weights (same seed ⇒ same start), step 0, empty history.

        Inside ``run()`` (running, or paused and waiting) the training thread does it between
        two steps, so the weights never change under a forward pass."""
        with self._cond:
            if self._in_run:
                self._reset = True
                self._cond.notify_all()
                return
        self._do_reset()

    def _do_reset(self) -> None:
        self._reset = False
        self.forget_best()
        fresh = self._fresh_model().to(self.device)
        self.model.load_state_dict(fresh.state_dict())
        self.optimizer.zero_grad(set_to_none=True)
        self.optimizer.state = defaultdict(dict)
        self.step = self.epoch = 0
        self.data.restart(self.config.seed)
        self._rng_box[0] = self._seeded_rng_state()
        self._pending.clear()
        self._pending_host.clear()
        self._last_batch = None
        self._recorded_step = -1
        self._watch.reset()
        self._guard.mark(self.step)
        if self.modes is not None:
            self.modes.a0 = None
        self._dirty = True
        self.buffer.clear()
        self.buffer.post("info", "weights reset", 0)
        self.buffer.set_status(step=0, epoch=0, message="weights reset")

    # ------------------------------------------------------------ state
    def state_dict(self) -> dict[str, Any]:
        """Everything needed to continue exactly: weights, optimizer, counters, RNG, batch order."""
        return {
            "model": {k: v.detach().cpu().clone() for k, v in self.model.state_dict().items()},
            "optimizer": self.optimizer.state_dict(),
            "counters": {"step": self.step, "epoch": self.epoch, "good_step": self._guard.good_step,
                         **self._watch.state()},
            "sampler": self.data.state(),
            "rng": {"torch": self._rng_box[0].clone()},
            "modes": self.modes.state() if self.modes is not None else None,
            "config": self.config.to_dict(),
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        if self._in_run:
            raise TrainerError("stop training before loading a saved state")
        try:
            self.model.load_state_dict(state["model"])
            self.optimizer.load_state_dict(state["optimizer"])
            counters = state["counters"]
            self.step, self.epoch = int(counters["step"]), int(counters["epoch"])
            self._watch.load_state(counters, self.buffer.series("train/loss")[1])
            self.data.load_state(state["sampler"])
            self._rng_box[0] = state["rng"]["torch"].clone()
            if self.modes is not None and state.get("modes"):
                self.modes.load_state(state["modes"])
        except (KeyError, RuntimeError, ValueError, TypeError) as err:
            raise TrainerError(f"saved training state does not fit this network: {err}") from err
        self._guard.mark(self.step)
        self._recorded_step = -1
        self._dirty = True

    # ------------------------------------------------------------ running
    def run(self, max_steps: int | None = None, raise_errors: bool = False, wait_when_paused: bool = True) -> str:
        """Train until the config's limit, ``max_steps`` more steps, or stop(); return the final state.

        Waits while paused (pause() or a diverging loss) for resume()/request_step()/stop()
        from another thread; a caller with no other thread (a script, the CLI) passes
        ``wait_when_paused=False`` and gets "paused" back instead. An exception sets state
        "error" and is posted to the buffer; it is re-raised only with ``raise_errors``.
        """
        end = None if max_steps is None else self.step + max(int(max_steps), 0)
        with self._cond:
            if self._in_run:  # running, or paused inside another thread's run()
                raise TrainerError("this trainer is already running")
            self._in_run = True
            self.diverged_at = None
        try:
            threads.apply_for(self.model, self.data.x[: self.data.batch], self.device)
            with own_rng(self._rng_box, self.device):
                self._loop(end, wait_when_paused)
        except Exception as err:  # report, never crash the app's thread
            self._flush(final=True, failed=True)
            message = describe_exception(err, self.step, self.config.batch_size)
            self._set_state("error", message)
            self.buffer.post("error", message, self.step)
            if raise_errors:
                raise
        finally:
            with self._cond:
                self._in_run = self._idle = False
                reset, self._reset = self._reset, False
                self._cond.notify_all()
            self._stop = False
        if reset:  # asked for while the run was ending
            self._do_reset()
        return self.state

    def _limit_reached(self, end: int | None) -> bool:
        cfg = self.config
        return ((end is not None and self.step >= end) or (cfg.max_steps > 0 and self.step >= cfg.max_steps)
                or (cfg.epochs > 0 and self.epoch >= cfg.epochs))

    def _loop(self, end: int | None, wait: bool = True) -> None:
        self._end = end
        self._horizon = self._record_horizon(end)
        self._set_state("paused" if self._pause and not self._budget else "running")
        self.model.train()
        if self.step == 0 or self._recorded_step < 0:
            self._observe()
        self._last_flush, self._flush_step = time.perf_counter(), self.step
        while True:
            if self.at_break is not None:
                self.at_break()
            if self._stop:
                self._finish("stopped")
                return
            if self._reset:
                self._do_reset()
                self._observe(scheduled=True)
            if self._limit_reached(end):
                self._finish("finished")
                return
            if self._pause and self._budget <= 0:
                if not self._wait_paused(wait):
                    return
                continue
            if self._dirty or self.config.schedule != "constant":
                self._apply_config()
            if not self._train_step():
                self._diverged()
                continue
            if self._pause and self._budget > 0:
                self._budget -= 1
            step = self.step
            if step % FLUSH_STEPS == 0 or time.perf_counter() - self._last_flush > FLUSH_SECONDS:
                if not self._flush():
                    self._diverged()
                    continue
            if is_due(step) and (self.modes is not None or is_due(step, self._horizon)):
                if not self._host_losses and not self._flush():  # the record must see checked losses
                    self._diverged()
                    continue
                self._observe(scheduled=True)
            if self.between_steps is not None:
                self.between_steps()

    def _train_step(self) -> bool:
        """One step; False (and no update) when the loss is non-finite or blown up (CPU check)."""
        xb, yb = self.data.next()
        model = self.model
        out = model(xb)
        self._last_batch = (out.detach(), yb)  # detached: must not keep the autograd graph alive
        loss = self.loss.fn(out, yb)
        aux = model.last_aux_loss
        if aux is not None:
            loss = loss + aux
        if self._host_losses:
            value = loss.item()
            if not self._watch.train_ok(value):
                self._watch.flag(self.step + 1, value, "train")
                return False
            self._pending_host.append(value)
        else:
            self._pending.append(loss.detach())
        if self._penalty:
            loss = loss + penalty(self._weights, self.config.l1, self.config.l2)
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        if self._clip > 0:
            torch.nn.utils.clip_grad_norm_(self._params, self._clip, foreach=True)
        self.optimizer.step()
        self.step += 1
        self.epoch = self.data.epoch
        return True

    def _apply_config(self) -> None:
        cfg = self.config
        self._dirty = False
        self._horizon = self._record_horizon(self._end)
        self._watch.configure(cfg.blowup_train, cfg.blowup_val)
        self._clip = cfg.grad_clip
        self._penalty = bool(self._weights) and (cfg.l1 > 0 or cfg.l2 > 0)
        lr = lr_at(cfg, self.step, schedule_horizon(cfg, self.data.steps_per_epoch))
        self._lr = lr
        apply_hyperparameters(self.optimizer, cfg, lr)

    def _wait_paused(self, wait: bool) -> bool:
        """Pause; with ``wait``, block until told to go on and return True."""
        self._flush()
        self._set_state("paused")  # training has stopped; the final record may take a moment
        self._observe()
        if not wait:
            return False
        with self._cond:
            self._idle = True
            self._cond.notify_all()
            while self._pause and self._budget <= 0 and not self._stop and not self._reset:
                self._cond.wait(0.1)
            self._idle = False
        if not self._stop:
            self._set_state("running")
            self._last_flush, self._flush_step = time.perf_counter(), self.step
        return True

    def _finish(self, state: str) -> None:
        if not self._flush(final=True):  # a bad step found in the last losses: paused, not finished
            self._diverged()
            self._observe()
            return
        if self.state != "error":
            self._set_state(state)
            self._observe()

    def _set_state(self, state: str, message: str | None = None) -> None:
        """Record a state change; a message stays until replaced or training runs again."""
        if state != self.state:
            self.state = state
            self.buffer.post("state", state, self.step)
        if message is None and state == "running":
            message = ""
        extra = {} if message is None else {"message": message}
        self.buffer.set_status(state=state, step=self.step, epoch=self.epoch, **extra)
