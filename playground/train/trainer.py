"""Trainer: trains a compiled graph on a DataBundle and reports into a MetricsBuffer.

A plain object (no Qt): ``run()`` blocks; ``pause``/``resume``/``stop``/
``request_step``/``update_config``/``reset_weights`` may be called from any
thread. Flags are read between steps and no lock is held while computing, so
controls act within one step. Data and model live on the device; the per-step
loss stays there and is copied to the host in one go about every 100 ms.
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict
from typing import Any

import torch

from playground.compile.compiler import CompiledModel, compile_graph
from playground.graph.model import Graph
from playground.train import threads
from playground.train.batches import BatchSampler, LossKit, describe_exception, own_rng, resolve_device
from playground.train.config import SAFE_FIELDS, ConfigError, TrainConfig
from playground.train.dynamics import ModeTracker
from playground.train.guard import WeightGuard
from playground.train.metrics import MetricsBuffer
from playground.train.optim import (
    apply_hyperparameters,
    init_weights,
    lr_at,
    make_optimizer,
    penalty,
    schedule_horizon,
    weight_matrices,
)
from playground.train.probes import Prober, evaluation

FLUSH_SECONDS = 0.1
FLUSH_STEPS = 256
EVAL_BUDGET = 0.015  # validation may take at most this share of the wall time ...
PROBE_BUDGET = 0.015  # ... and so may probes; beyond it they are skipped until due again
PROBE_MIN_SECONDS = 0.05  # nobody watches faster than this


class TrainerError(RuntimeError):
    """A trainer misuse or failure, phrased for a person."""


class Trainer:
    """Train ``graph`` on ``bundle`` with ``config``; metrics go to ``buffer``."""

    def __init__(self, graph: Graph, bundle: Any, config: TrainConfig | None = None,
                 buffer: MetricsBuffer | None = None) -> None:
        self.config = config or TrainConfig()
        self.config.validate()
        self.device = resolve_device(self.config.device)
        self.buffer = buffer if buffer is not None else MetricsBuffer()
        self.bundle = bundle
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
        self._pending: list[torch.Tensor] = []
        self._last_batch: tuple[torch.Tensor, torch.Tensor] | None = None
        self._lr = self.config.lr
        self._costs = {"eval": 0.0, "probe": 0.0}
        self._last = {"eval": -1e9, "probe": -1e9}
        self._rate = 0.0
        self._last_flush, self._flush_step = time.perf_counter(), 0
        self._apply_config()
        self.buffer.set_status(state="idle", step=0, epoch=0, device=str(self.device), message="")

    # ------------------------------------------------------------ set-up
    def _fresh_model(self) -> CompiledModel:
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(self.config.seed)
            model = compile_graph(self._graph, self.bundle.task)
        init_weights(model, self.config.init, torch.Generator().manual_seed(self.config.seed))
        return model

    def _seeded_rng_state(self) -> torch.Tensor:
        return torch.Generator().manual_seed(self.config.seed + 2).get_state()

    def _mode_tracker(self, bundle: Any) -> ModeTracker | None:
        meta = getattr(bundle, "meta", {}) or {}
        if "correlation" not in meta or bundle.task.task != "regression":
            return None
        return ModeTracker(self.data.x, self.data.y, meta.get("items"))

    # ------------------------------------------------------------ controls
    def pause(self) -> None:
        with self._cond:
            self._pause = True
            self._budget = 0
            self._cond.notify_all()

    def resume(self) -> None:
        with self._cond:
            self._pause = False
            self._budget = 0
            self._cond.notify_all()

    def stop(self) -> None:
        with self._cond:
            self._stop = True
            self._cond.notify_all()

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
        fresh = self._fresh_model().to(self.device)
        self.model.load_state_dict(fresh.state_dict())
        self.optimizer.zero_grad(set_to_none=True)
        self.optimizer.state = defaultdict(dict)
        self.step = self.epoch = 0
        self.data.restart(self.config.seed)
        self._rng_box[0] = self._seeded_rng_state()
        self._pending.clear()
        self._last_batch = None
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
            "counters": {"step": self.step, "epoch": self.epoch, "good_step": self._guard.good_step},
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
            self.data.load_state(state["sampler"])
            self._rng_box[0] = state["rng"]["torch"].clone()
            if self.modes is not None and state.get("modes"):
                self.modes.load_state(state["modes"])
        except (KeyError, RuntimeError, ValueError, TypeError) as err:
            raise TrainerError(f"saved training state does not fit this network: {err}") from err
        self._guard.mark(self.step)
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
                self._in_run = False
                reset, self._reset = self._reset, False
            self._stop = False
        if reset:  # asked for while the run was ending
            self._do_reset()
        return self.state

    def _limit_reached(self, end: int | None) -> bool:
        cfg = self.config
        return ((end is not None and self.step >= end) or (cfg.max_steps > 0 and self.step >= cfg.max_steps)
                or (cfg.epochs > 0 and self.epoch >= cfg.epochs))

    def _loop(self, end: int | None, wait: bool = True) -> None:
        self._set_state("paused" if self._pause and not self._budget else "running")
        self.model.train()
        if self.step == 0:
            self._observe(force=True)
        self._last_flush, self._flush_step = time.perf_counter(), self.step
        while True:
            if self._stop:
                self._finish("stopped")
                return
            if self._reset:
                self._do_reset()
                self._observe(force=True)
            if self._limit_reached(end):
                self._finish("finished")
                return
            if self._pause and self._budget <= 0:
                if not self._wait_paused(wait):
                    return
                continue
            if self._dirty or self.config.schedule != "constant":
                self._apply_config()
            self._train_step()
            if self._pause and self._budget > 0:
                self._budget -= 1
            step = self.step
            if step % self._eval_every == 0 or step % self._probe_every == 0:
                self._observe()
            if time.perf_counter() - self._last_flush > FLUSH_SECONDS or len(self._pending) >= FLUSH_STEPS:
                self._flush()

    def _train_step(self) -> None:
        xb, yb = self.data.next()
        model = self.model
        out = model(xb)
        self._last_batch = (out.detach(), yb)  # detached: must not keep the autograd graph alive
        loss = self.loss.fn(out, yb)
        aux = model.last_aux_loss
        if aux is not None:
            loss = loss + aux
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

    def _apply_config(self) -> None:
        cfg = self.config
        self._dirty = False
        self._eval_every, self._probe_every = cfg.eval_every, cfg.probe_every
        self._clip = cfg.grad_clip
        self._penalty = bool(self._weights) and (cfg.l1 > 0 or cfg.l2 > 0)
        lr = lr_at(cfg, self.step, schedule_horizon(cfg, self.data.steps_per_epoch))
        self._lr = lr
        apply_hyperparameters(self.optimizer, cfg, lr)

    def _wait_paused(self, wait: bool) -> bool:
        """Pause; with ``wait``, block until told to go on and return True."""
        self._flush()
        self._set_state("paused")  # training has stopped; the final probe may take a moment
        self._observe(force=True)
        if not wait:
            return False
        with self._cond:
            while self._pause and self._budget <= 0 and not self._stop and not self._reset:
                self._cond.wait(0.1)
        if not self._stop:
            self._set_state("running")
            self._last_flush, self._flush_step = time.perf_counter(), self.step
        return True

    def _finish(self, state: str) -> None:
        self._flush(final=True)
        if self.state != "error":
            self._set_state(state)
            self._observe(force=True)

    def _set_state(self, state: str, message: str | None = None) -> None:
        """Record a state change; a message stays until replaced or training runs again."""
        if state != self.state:
            self.state = state
            self.buffer.post("state", state, self.step)
        if message is None and state == "running":
            message = ""
        extra = {} if message is None else {"message": message}
        self.buffer.set_status(state=state, step=self.step, epoch=self.epoch, **extra)

    # ------------------------------------------------------------ metrics
    def _flush(self, final: bool = False, failed: bool = False) -> None:
        """Copy pending losses to the host in one transfer; catch NaN/inf; keep last good weights."""
        now = time.perf_counter()
        if self._pending:
            first = self.step - len(self._pending) + 1
            losses = torch.stack(self._pending).float().tolist()
            self._pending.clear()
            bad = next((i for i, v in enumerate(losses) if v != v or abs(v) == float("inf")), None)
            good = losses if bad is None else losses[:bad]
            if good:
                self.buffer.add_points("train/loss", range(first, first + len(good)), good)
            if bad is None:
                self._guard.confirm(self.step)
            elif not failed:
                self._diverged(first + bad)
        elapsed = now - self._last_flush
        if elapsed > 0 and self.step > self._flush_step:
            rate = (self.step - self._flush_step) / elapsed
            self._rate = rate if self._rate == 0 else 0.7 * self._rate + 0.3 * rate
        self._last_flush, self._flush_step = now, self.step
        self.buffer.set_status(step=self.step, epoch=self.epoch, steps_per_s=self._rate)

    def _diverged(self, bad_step: int) -> None:
        good_step = self._guard.restore(bad_step, self.step)
        self.optimizer.state = defaultdict(dict)  # moments saw the bad gradients
        message = (f"loss became NaN or infinite at step {bad_step}; paused and restored the weights "
                   f"from step {good_step}. Lower the learning rate (now {self._lr:g}) "
                   f"or turn on gradient clipping.")
        self.buffer.post("error", message, bad_step)
        self._pause = True
        self._budget = 0
        self._set_state("paused", message)

    def _observe(self, force: bool = False) -> None:
        """Validation and probes when due (forced at start, pause and end), within their budgets."""
        now = time.perf_counter()
        step = self.step
        do_eval = force or (step % self._eval_every == 0
                            and now - self._last["eval"] >= self._costs["eval"] / EVAL_BUDGET)
        do_probe = force or (step % self._probe_every == 0
                             and now - self._last["probe"] >= max(PROBE_MIN_SECONDS,
                                                                  self._costs["probe"] / PROBE_BUDGET))
        if not (do_eval or do_probe):
            return
        self.model.eval()
        try:
            with torch.no_grad(), torch.random.fork_rng(devices=[self.device] if self.device.type == "cuda" else []):
                if do_eval:
                    self.buffer.add_scalars(step, evaluation(self.data, self.model, self.labels, {
                        "lr": self._lr, "epoch": float(self.epoch), "steps_per_s": self._rate}, self._last_batch))
                    now = self._timed("eval", now, force)
                if do_probe:
                    self.prober.run(self.model, step, self.buffer)
                    if self.modes is not None:
                        self.modes.probe(self.model, step, self._lr, self.buffer)
                    self._timed("probe", now, force)
        finally:
            self.model.train()

    def _timed(self, kind: str, started: float, forced: bool) -> float:
        # Forced passes (start, pause, end) include first-call warm-up: they set no budget.
        t = time.perf_counter()
        self._last[kind] = t
        if not forced:
            self._costs[kind] = t - started
        return t
