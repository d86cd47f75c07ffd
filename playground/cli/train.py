"""``playground train FILE``: headless training with a progress bar, CSV metrics and history.

What is written, and when:
* OUT (``-o``, else FILE itself) is written only when the run ends normally, stops on
  divergence (the last good step; exit 3) or is stopped by the user (Ctrl+C, SIGTERM, SIGHUP:
  exit 130, 143, 129). A run that fails leaves FILE and any existing OUT as they were.
* ``-o`` naming FILE itself needs ``--in-place``; leaving ``-o`` out updates FILE in place,
  and only when the run succeeds (so a failed run never costs the saved work).
* If OUT cannot be written (a full disk), the result is kept beside it or in the state folder,
  and the message says where. Signals during the save wait until it is done.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import time
from typing import Any

from playground.cli.errors import (
    EXIT_DIVERGED,
    EXIT_USAGE,
    CliError,
    describe_error,
    plain_failure,
    stop_code,
    stop_name,
)
from playground.cli.files import check_folder, check_writable, open_session, same_file
from playground.cli.progress import REFRESH_S, ProgressBar, TrainingThread
from playground.cli.results import save_kept, write_history_folder, write_metrics_csv
from playground.cli.signals import DeferredStops
from playground.cli.stopping import early_stopping

MAX_THREADS_FACTOR = 1  # --threads may name up to this many times the machine's cores


def register(sub: Any) -> None:
    p = sub.add_parser(
        "train", help="train a session without the app and save what it learned",
        description="Train a session headless. By default trains to the limits in its settings "
                    "(epochs / max_steps); --steps or --epochs train that many more instead. "
                    "The result is saved only when the run ends well or you stop it: Ctrl+C, "
                    "SIGTERM and SIGHUP stop cleanly and save what was learned so far; a run that "
                    "fails leaves the files as they were. Without -o, FILE is updated in place.")
    limit = p.add_mutually_exclusive_group()
    limit.add_argument("--steps", type=int, metavar="N", help="train N more steps")
    limit.add_argument("--epochs", type=int, metavar="N", help="train N more epochs")
    p.add_argument("file", help="a .playground session")
    p.add_argument("--device", choices=["auto", "cpu", "cuda", "mps"], help="where to train")
    p.add_argument("--seed", type=int, metavar="S", help="seed for initial weights, batch order, dropout")
    p.add_argument("-o", "--output", metavar="OUT", help="save here instead of updating FILE")
    p.add_argument("--in-place", action="store_true", help="allow -o to name FILE itself")
    p.add_argument("--metrics-csv", metavar="CSV", help="write the scalar metric history as CSV")
    p.add_argument("--history", metavar="DIR",
                   help="write everything recorded (scalars, modes, histograms, maps) into DIR")
    p.add_argument("--threads", type=int, metavar="N", help=f"use at most N CPU threads (1 to {_max_threads()})")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument("--patience", type=int, metavar="N",
                   help="stop early after N evaluations without a better validation metric")
    p.add_argument("--restore-best", action="store_true", help="with --patience: save the best weights seen")
    p.set_defaults(func=run)


def _max_threads() -> int:
    return max(os.cpu_count() or 1, 1) * MAX_THREADS_FACTOR


def output_path(args: argparse.Namespace) -> str:
    """Where the trained session goes; refuses an output that would hide a mistake."""
    if args.output is None:
        return str(args.file)
    if args.output == "":
        raise CliError("-o needs a file name (leave -o out to update FILE in place)", EXIT_USAGE)
    if os.path.isdir(args.output):
        raise CliError(f"-o {args.output}: is a folder, not a file", EXIT_USAGE)
    if not args.in_place and os.path.exists(args.output) and same_file(args.output, args.file):
        raise CliError(f"-o {args.output} is the input file; add --in-place to update it, "
                       "or leave -o out", EXIT_USAGE)
    return str(args.output)


def check_threads(n: int | None) -> None:
    if n is not None and not 1 <= n <= _max_threads():
        raise CliError(f"--threads {n}: give a number of CPU threads from 1 to {_max_threads()}", EXIT_USAGE)


def _counter(counters: Any, name: str, path: str) -> int:
    value = counters.get(name, 0) if isinstance(counters, dict) else 0
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise CliError(f"{path}: trainer.json: the {name} counter is {value!r}, not a whole number "
                       "of 0 or more; the file is damaged")
    return value


def plan(session: Any, args: argparse.Namespace, steps_per_epoch: int) -> Any:
    """Apply --device/--seed/--steps/--epochs to the session's config.

    --steps/--epochs limit this run only: the schedule's horizon is pinned first, so a run
    trained in pieces follows the same learning-rate curve as one run of the whole length."""
    config = session.config
    if args.steps is not None or args.epochs is not None:
        config = config.pinned_horizon(steps_per_epoch)
    changes: dict[str, Any] = {}
    if args.device:
        changes["device"] = args.device
    if args.seed is not None:
        changes["seed"] = args.seed
    state = session.trainer_state if isinstance(session.trainer_state, dict) else {}
    counters = state.get("counters", {}) if session.weights is not None else {}
    step, epoch = _counter(counters, "step", args.file), _counter(counters, "epoch", args.file)
    if args.steps is not None:
        if args.steps <= 0:
            raise CliError("--steps must be a positive number", EXIT_USAGE)
        changes.update(max_steps=step + args.steps, epochs=0)
    elif args.epochs is not None:
        if args.epochs <= 0:
            raise CliError("--epochs must be a positive number", EXIT_USAGE)
        changes.update(epochs=epoch + args.epochs, max_steps=0)
    elif config.max_steps <= 0 and config.epochs <= 0:
        raise CliError("the session's settings set no limit (epochs and max_steps are 0); "
                       "pass --steps N or --epochs N", EXIT_USAGE)
    session.config = config.with_changes(**changes) if changes else config
    return session.config


def _last(buffer: Any, name: str) -> float | None:
    _, values = buffer.series(name)
    return float(values[-1]) if len(values) else None


def _steps_per_epoch(session: Any, bundle: Any) -> int:
    n = int(bundle.n_train)
    batch = session.config.batch_size
    return max(math.ceil(n / batch), 1) if 0 < batch < n else 1


def _make_trainer(session: Any, args: argparse.Namespace, bundle: Any) -> Any:
    from playground.train import ConfigError

    try:
        return session.make_trainer(bundle=bundle)
    except ConfigError as err:
        if args.device is None and any("device" in p for p in err.problems):  # saved on another machine
            raise CliError(f"{'; '.join(err.problems)} (or pass --device auto to train here)") from None
        raise


def run(args: argparse.Namespace) -> int:
    out = output_path(args)
    check_writable(out, "-o" if args.output else "saving to")
    if args.metrics_csv:
        check_writable(args.metrics_csv, "--metrics-csv", replace=False)
    if args.history is not None:
        check_folder(args.history, "--history")
    check_threads(args.threads)
    if args.patience is not None and args.patience < 1:
        raise CliError(f"--patience {args.patience}: give at least 1 evaluation", EXIT_USAGE)
    if args.restore_best and args.patience is None:
        raise CliError("--restore-best needs --patience N", EXIT_USAGE)
    session = open_session(args.file)
    for warning in session.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    if args.threads is not None:
        from playground.train.threads import set_thread_limit

        set_thread_limit(args.threads)
    saved_config = session.config
    bundle = session.bundle()
    config = plan(session, args, _steps_per_epoch(session, bundle))
    trainer = _make_trainer(session, args, bundle)
    stopper = early_stopping(args, trainer)
    start_step, start_epoch = trainer.step, trainer.epoch
    spe = max(int(getattr(trainer.data, "steps_per_epoch", 1)), 1)
    target = config.max_steps if config.max_steps > 0 else config.epochs * spe
    todo = max(target - start_step, 0)
    if todo == 0:
        print(f"{args.file}: already trained to its limit (step {start_step}, epoch {start_epoch}); "
              "pass --steps N or --epochs N to train more", file=sys.stderr)
        return 0
    where = "to step" if config.max_steps > 0 else f"to epoch {config.epochs}, about step"
    print(f"training {args.file} from step {start_step} {where} {target} on {trainer.device} "
          "(Ctrl+C stops and saves)", file=sys.stderr, flush=True)
    t0 = time.perf_counter()
    bar = ProgressBar(sys.stderr) if (sys.stderr.isatty() and not args.quiet) else None
    thread = TrainingThread(trainer)
    run_ = _Run()
    try:
        thread.start()
        while not thread.wait(REFRESH_S):
            _watch(trainer, run_, bar, start_step, todo, target)
    except KeyboardInterrupt as err:
        run_.stopped = err
        trainer.stop()  # also honoured by a run() that has not begun yet
    with DeferredStops(f"saving {out} first") as deferred:  # from here on, a signal waits for the save
        thread.finish()
        if bar is not None:
            bar.close()
        elapsed = time.perf_counter() - t0
        if trainer.early_stopped_at is not None:  # the session's own patience (playground.train.best)
            print(trainer.buffer.status().get("message", ""), file=sys.stderr)
        if stopper is not None:
            print(stopper.describe(), file=sys.stderr)
            if args.restore_best and stopper.restore_best():
                print(f"restored the best weights (step {stopper.best_step})", file=sys.stderr)
        return _finish(args, session, trainer, saved_config, out, start_step, elapsed, run_, deferred)


class _Run:
    """What the watch loop saw: a stop request, and the trainer pausing itself (divergence)."""

    def __init__(self) -> None:
        self.stopped: KeyboardInterrupt | None = None
        self.paused: str | None = None


def _watch(trainer: Any, run_: _Run, bar: ProgressBar | None, start_step: int, todo: int, target: int) -> None:
    if trainer.state == "paused":  # the trainer pauses itself when the loss diverges: stop there
        run_.paused = trainer.buffer.status().get("message") or "training paused itself"
        trainer.stop()
    if bar is not None:
        loss = _last(trainer.buffer, "train/loss")
        rate = trainer.buffer.status().get("steps_per_s", 0.0)
        loss_text = f" loss {loss:.4g}" if loss is not None else ""
        bar.update((trainer.step - start_step) / todo, f"step {trainer.step}/{target}{loss_text} {rate:.0f} steps/s")


def _diverged(trainer: Any, run_: _Run) -> str | None:
    """What the divergence message is, if the run diverged (``Trainer.diverged_at``, contract 2)."""
    at = getattr(trainer, "diverged_at", None)
    if at is not None:
        return run_.paused or trainer.buffer.status().get("message") or f"the loss diverged at step {at}"
    return run_.paused


def _finish(args: argparse.Namespace, session: Any, trainer: Any, saved_config: Any, out: str,
            start_step: int, elapsed: float, run_: _Run, deferred: DeferredStops) -> int:
    if trainer.state == "error":
        failure = plain_failure(trainer.buffer.status().get("message") or "training failed")
        kept = f"{out} was left as it was" if os.path.exists(out) else f"{out} was not written"
        raise CliError(f"{failure.rstrip('.')}; nothing was saved ({kept}); run "
                       f"'playground check {args.file}' to look for the cause")
    diverged = _diverged(trainer, run_)
    session.capture(trainer)
    # --steps/--epochs/--device apply to this run only; the session keeps its own limits and device
    session.config = trainer.config.with_changes(
        max_steps=saved_config.max_steps, epochs=saved_config.epochs, device=saved_config.device)
    saved = save_kept(session, out)
    if not saved.ok:
        where = (f"the run's result was written to {saved.path} instead" if saved.path
                 else "it could not be written anywhere else either, so the run's result is lost")
        raise CliError(f"could not save {out}: {saved.problem}; {where}")
    problems = []
    for option, path, write in (("--metrics-csv", args.metrics_csv, write_metrics_csv),
                                ("--history", args.history, write_history_folder)):
        if path is None:
            continue
        try:
            write(trainer.buffer, path)
        except (OSError, ValueError) as err:
            problems.append(f"{option}: {describe_error(err)}")
    print(_summary(trainer, start_step, elapsed, run_.stopped, out))
    if problems:
        raise CliError(f"{'; '.join(problems)} (the session was saved to {out})")
    if diverged:
        advice = "" if "learning rate" in diverged else "; lower the learning rate or clip gradients"
        print(f"playground: {diverged.rstrip('.')}; saved the last good step to {out}{advice}",
              file=sys.stderr)
        return EXIT_DIVERGED
    if run_.stopped is not None:
        return stop_code(run_.stopped)
    if deferred.received is not None:
        return 128 + deferred.received
    return 0


def _summary(trainer: Any, start_step: int, elapsed: float, stopped: KeyboardInterrupt | None,
             out: str) -> str:
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
    prefix = f"stopped ({stop_name(stopped)}): " if stopped is not None else ""
    return f"{prefix}{', '.join(parts)}; saved {out}"

