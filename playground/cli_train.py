"""``playground train FILE``: headless training with a progress bar, Ctrl+C-safe, CSV metrics."""

from __future__ import annotations

import argparse
import csv
import math
import sys
import threading
import time
from typing import IO, Any

REFRESH_S = 0.1


def add_train_parser(sub: Any) -> None:
    p = sub.add_parser(
        "train", help="train a session without the app and save what it learned",
        description="Train a session headless. By default trains to the limits in its settings "
                    "(epochs / max_steps); --steps or --epochs train that many more instead. "
                    "Ctrl+C stops cleanly and saves what was learned so far.")
    limit = p.add_mutually_exclusive_group()
    limit.add_argument("--steps", type=int, metavar="N", help="train N more steps")
    limit.add_argument("--epochs", type=int, metavar="N", help="train N more epochs")
    p.add_argument("file", help="a .playground session")
    p.add_argument("--device", choices=["auto", "cpu", "cuda", "mps"], help="where to train")
    p.add_argument("--seed", type=int, metavar="S", help="seed for initial weights, batch order, dropout")
    p.add_argument("-o", "--output", metavar="OUT", help="save here instead of overwriting FILE")
    p.add_argument("--metrics-csv", metavar="CSV", help="write the metric history as CSV")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=_train)


class ProgressBar:
    """A one-line text bar redrawn in place (only on a terminal)."""

    def __init__(self, stream: IO[str], width: int = 28) -> None:
        self.stream = stream
        self.width = width
        self.shown = False

    def update(self, fraction: float | None, text: str) -> None:
        if fraction is None:
            bar = ""
        else:
            fraction = min(max(fraction, 0.0), 1.0)
            filled = round(fraction * self.width)
            bar = f"[{'#' * filled}{'.' * (self.width - filled)}] {fraction * 100:3.0f}% "
        self.stream.write(f"\r{bar}{text}\x1b[K")
        self.stream.flush()
        self.shown = True

    def close(self) -> None:
        if self.shown:
            self.stream.write("\n")
            self.stream.flush()


def _last(buffer: Any, name: str) -> float | None:
    _, values = buffer.series(name)
    return float(values[-1]) if len(values) else None


def write_metrics_csv(buffer: Any, path: str) -> int:
    """One row per recorded step, one column per scalar series; returns the row count."""
    names = buffer.series_names()
    table: dict[int, dict[str, float]] = {}
    for name in names:
        steps, values = buffer.series(name)
        for s, v in zip(steps, values, strict=True):
            table.setdefault(int(s), {})[name] = float(v)
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["step", *names])
        for step in sorted(table):
            row = table[step]
            w.writerow([step, *(repr(row[n]) if n in row else "" for n in names)])
    return len(table)


class TrainingThread:
    """``trainer.run()`` on a background thread, with a finish signal Ctrl+C cannot corrupt.

    A KeyboardInterrupt that lands inside ``Thread.join()`` can leave CPython 3.11 believing the
    thread has ended while it still runs: saving then races the last step and the process may
    abort at exit ("terminate called without an active exception"). So the main thread waits
    on an Event, which Ctrl+C interrupts harmlessly, and joins only once training has ended.
    """

    def __init__(self, trainer: Any) -> None:
        self.done = threading.Event()
        self.started = False
        self.thread = threading.Thread(target=self._work, args=(trainer,), name="playground-train",
                                       daemon=True)

    def _work(self, trainer: Any) -> None:
        try:
            trainer.run()
        finally:
            self.done.set()

    def start(self) -> None:
        self.thread.start()
        self.started = True

    def wait(self, seconds: float) -> bool:
        """True once training has ended (interruptible, harmlessly)."""
        return self.done.wait(seconds)

    def finish(self) -> None:
        """Wait until training has ended (it stops within one step), even through more Ctrl+C presses."""
        # Ctrl+C inside start() may or may not have launched the thread: give it a moment to show up
        deadline = None if self.started else time.monotonic() + 2.0
        while not self.done.is_set():
            try:
                if self.done.wait(0.1):
                    break
                if deadline is not None and time.monotonic() > deadline:
                    return
            except KeyboardInterrupt:  # pressed again: we are already stopping
                continue
        self.thread.join()


def _plan(session: Any, args: argparse.Namespace) -> Any:
    """Apply --device/--seed/--steps/--epochs to the session's config."""
    from playground.cli import CliError

    config = session.config
    changes: dict[str, Any] = {}
    if args.device:
        changes["device"] = args.device
    if args.seed is not None:
        changes["seed"] = args.seed
    counters = (session.trainer_state or {}).get("counters", {}) if session.weights is not None else {}
    step, epoch = int(counters.get("step", 0)), int(counters.get("epoch", 0))
    if args.steps is not None:
        if args.steps <= 0:
            raise CliError("--steps must be a positive number", 2)
        changes.update(max_steps=step + args.steps, epochs=0)
    elif args.epochs is not None:
        if args.epochs <= 0:
            raise CliError("--epochs must be a positive number", 2)
        changes.update(epochs=epoch + args.epochs, max_steps=0)
    elif config.max_steps <= 0 and config.epochs <= 0:
        raise CliError("the session's settings set no limit (epochs and max_steps are 0); "
                       "pass --steps N or --epochs N", 2)
    session.config = config.with_changes(**changes) if changes else config
    return session.config


def _train(args: argparse.Namespace) -> int:
    from playground.cli import CliError
    from playground.cli_session import check_writable, open_session
    from playground.session import save_session
    from playground.train import ConfigError

    session = open_session(args.file)
    check_writable(args.output or args.file, "-o" if args.output else "saving to")
    if args.metrics_csv:
        check_writable(args.metrics_csv, "--metrics-csv")
    for warning in session.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    saved_config = session.config
    config = _plan(session, args)
    bundle = session.bundle()
    try:
        trainer = session.make_trainer(bundle=bundle)
    except ConfigError as err:
        if args.device is None and any("device" in p for p in err.problems):  # saved on another machine
            raise CliError(f"{'; '.join(err.problems)} (or pass --device auto to train here)", 1) from None
        raise
    start_step, start_epoch = trainer.step, trainer.epoch
    spe = max(int(getattr(trainer.data, "steps_per_epoch", 1)), 1)
    target = config.max_steps if config.max_steps > 0 else config.epochs * spe
    todo = max(target - start_step, 0)
    out = args.output or args.file
    if todo == 0:
        print(f"{args.file}: already trained to its limit (step {start_step}, epoch {start_epoch}); "
              "pass --steps N or --epochs N to train more", file=sys.stderr)
        return 0
    where = "to step" if config.max_steps > 0 else f"to epoch {config.epochs}, about step"
    bar = ProgressBar(sys.stderr) if (sys.stderr.isatty() and not args.quiet) else None
    thread = TrainingThread(trainer)
    t0 = time.perf_counter()
    interrupted = False
    failure = None
    try:
        print(f"training {args.file} from step {start_step} {where} {target} on {trainer.device} "
              "(Ctrl+C stops and saves)", file=sys.stderr, flush=True)
        thread.start()
        while not thread.wait(REFRESH_S):
            if trainer.state == "paused":  # the trainer pauses itself when the loss diverges
                failure = trainer.buffer.status().get("message") or "training paused itself"
                trainer.stop()
            if bar is not None:
                done = trainer.step - start_step
                loss = _last(trainer.buffer, "train/loss")
                rate = trainer.buffer.status().get("steps_per_s", 0.0)
                loss_text = f" loss {loss:.4g}" if loss is not None else ""
                bar.update(done / todo, f"step {trainer.step}/{target}{loss_text} {rate:.0f} steps/s")
    except KeyboardInterrupt:
        interrupted = True
        trainer.stop()  # also honoured by a run() that has not begun yet
        thread.finish()
    else:
        thread.finish()
    if bar is not None:
        bar.close()
    elapsed = time.perf_counter() - t0
    if trainer.state == "error":
        failure = trainer.buffer.status().get("message") or "training failed"
    session.capture(trainer)
    # --steps/--epochs/--device apply to this run only; the session keeps its own limits and device
    session.config = trainer.config.with_changes(
        max_steps=saved_config.max_steps, epochs=saved_config.epochs, device=saved_config.device)
    save_session(session, out)
    if args.metrics_csv:
        write_metrics_csv(trainer.buffer, args.metrics_csv)
    steps = trainer.step - start_step
    noun = "step" if steps == 1 else "steps"
    parts = [f"trained {steps} {noun} to step {trainer.step} (epoch {trainer.epoch}) in {elapsed:.1f} s"]
    if elapsed > 0 and steps:
        parts[0] += f", {steps / elapsed:.0f} steps/s"
    for name, label in (("train/loss", "train loss"), ("val/loss", "val loss")):
        v = _last(trainer.buffer, name)
        if v is not None and math.isfinite(v):
            parts.append(f"{label} {v:.4g}")
    acc = _last(trainer.buffer, "val/accuracy")
    if acc is not None:
        parts.append(f"val accuracy {acc * 100:.1f}%")
    print(f"{'stopped (Ctrl+C): ' if interrupted else ''}{', '.join(parts)}; saved {out}")
    if failure:
        print(f"playground: {failure}", file=sys.stderr)
        return 1
    return 130 if interrupted else 0
