"""The trainer's side of the record: copying losses, the record pass, and pausing on divergence.

A mixin of ``Trainer`` (kept apart so the training loop stays short); see trainer.py for the
schedule and the divergence rules.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable

import torch

from playground.compile.compiler import CompiledModel
from playground.train.batches import BatchSampler
from playground.train.config import TrainConfig
from playground.train.dynamics import ModeTracker
from playground.train.guard import Divergence, WeightGuard
from playground.train.metrics import MetricsBuffer
from playground.train.optim import lr_at, schedule_horizon
from playground.train.probes import Prober
from playground.train.schedule import is_due

FLUSH_SECONDS = 0.1  # how often losses become visible; never changes what is recorded
FLUSH_STEPS = 256  # losses are copied and the last good weights kept at multiples of this


class RecordingSteps:
    """Loss copies, the record pass and divergence handling of a Trainer."""

    buffer: MetricsBuffer
    model: CompiledModel
    data: BatchSampler
    prober: Prober
    modes: ModeTracker | None
    optimizer: torch.optim.Optimizer
    device: torch.device
    record: bool
    config: TrainConfig
    _horizon: int
    step: int
    epoch: int
    state: str
    diverged_at: int | None
    _watch: Divergence
    _guard: WeightGuard
    _host_losses: bool
    _pending: list[torch.Tensor]
    _pending_host: list[float]
    _last_batch: tuple[torch.Tensor, torch.Tensor] | None
    _recorded_step: int
    _lr: float
    _rate: float
    _last_flush: float
    _flush_step: int
    _pause: bool
    _budget: int
    _keep_best: Callable[[int, dict[str, float]], None]  # playground.train.best

    def _set_state(self, state: str, message: str | None = None) -> None:
        raise NotImplementedError

    def _flush(self, final: bool = False, failed: bool = False) -> bool:
        """Hand the new losses to the buffer; False when a bad step is found among device losses.

        At multiples of FLUSH_STEPS with every loss good, the current weights become the ones a
        late-found bad step restores (step-based, so the outcome never depends on timing)."""
        now = time.perf_counter()
        ok = True
        if self._pending:
            first = self.step - len(self._pending) + 1
            losses = torch.stack(self._pending).float().tolist()
            self._pending.clear()
            bad = next((i for i, v in enumerate(losses) if not self._watch.train_ok(v)), None)
            good = losses if bad is None else losses[:bad]
            if good:
                self.buffer.add_points("train/loss", range(first, first + len(good)), good)
            if bad is not None and not failed:
                self._watch.flag(first + bad, losses[bad], "train")
                ok = False
        elif self._pending_host:
            first = self.step - len(self._pending_host) + 1
            self.buffer.add_points("train/loss", range(first, self.step + 1), self._pending_host)
            self._pending_host = []
        if ok and self.step % FLUSH_STEPS == 0:
            self._guard.confirm(self.step)
        elapsed = now - self._last_flush
        if elapsed > 0 and self.step > self._flush_step:
            rate = (self.step - self._flush_step) / elapsed
            self._rate = rate if self._rate == 0 else 0.7 * self._rate + 0.3 * rate
        self._last_flush, self._flush_step = now, self.step
        self.buffer.set_status(step=self.step, epoch=self.epoch, steps_per_s=self._rate)
        return ok

    def _diverged(self) -> None:
        """Pause at the flagged step; weights, counters and record go back to the last good step."""
        bad_step, _value, what = self._watch.flagged or (self.step + 1, float("nan"), "train")
        if self._host_losses:
            self._flush()  # every loss read so far was good; the bad step's update was never applied
        # The weights that produced a bad loss are themselves bad: go back to the newest weights
        # known good (checked by validation at a scheduled record step, or confirmed losses).
        # a training loss at step t comes from the weights of t - 1; validation at t from those of t
        good_step = self._guard.restore(bad_step + 1 if what == "val" else bad_step, self.step)
        self.optimizer.state = defaultdict(dict)  # moments saw what led here
        self._pending.clear()
        self._pending_host.clear()
        self.step = good_step
        self.buffer.truncate(good_step)
        if self._recorded_step > good_step:
            self._recorded_step = -1
        self._guard.mark(good_step)
        if self.diverged_at is None:
            self.diverged_at = bad_step
        message = self._watch.message(bad_step, good_step, self._lr)
        self._watch.flagged = None
        self.buffer.post("error", message, bad_step)
        self._pause = True
        self._budget = 0
        self._set_state("paused", message)

    def _record_horizon(self, end: int | None) -> int:
        """The run's planned length (the config's limit, else this run()'s end; 0: open-ended).

        With a known length the record strides by stride_at(length) from the start, which
        keeps exactly the steps the doubling stride would keep at the end, without the passes
        that thinning would throw away."""
        cfg = self.config
        if cfg.max_steps > 0:
            return int(cfg.max_steps)
        if cfg.epochs > 0:
            return int(cfg.epochs * self.data.steps_per_epoch)
        return int(end or 0)

    def _observe(self, scheduled: bool = False) -> None:
        """The record pass at this step: the schedule's (``scheduled``), or a forced one at start,
        pause and end. Mode strengths follow the open-ended schedule (every step while their
        store fills: one projection each); the other kinds the run's planned length."""
        step = self.step
        if not self.record:
            return
        full = step != self._recorded_step and (not scheduled or is_due(step, self._horizon))
        if not full and self.modes is None:
            return
        if full:
            self._recorded_step = step
        scalars: dict[str, float] = {}
        self.model.eval()
        try:
            with torch.no_grad(), torch.random.fork_rng(devices=[self.device] if self.device.type == "cuda" else []):
                if full:
                    # the rate the next step uses, from the step number alone: a run resumed here
                    # records what an unbroken run records
                    cfg = self.config
                    lr = lr_at(cfg, step, schedule_horizon(cfg, self.data.steps_per_epoch))
                    extra = {"lr": lr, "epoch": float(self.epoch)}
                    scalars = self.prober.record(self.model, self.data, step, self.buffer, extra, self._last_batch)
                if self.modes is not None:
                    self.modes.probe(self.model, step, self._lr, self.buffer)
        finally:
            self.model.train()
        val = scalars.get("val/loss")
        if full and val is not None and not self._watch.val_ok(val):
            self._watch.flag(step, val, "val")
            self._diverged()
        else:
            if scheduled and self.state != "error":
                # every loss so far was checked: the previous candidate weights are known good now
                self._guard.confirm(step)
            if full and scalars:
                self._keep_best(step, scalars)  # playground.train.best
