"""The learning-rate range test: train a copy of the network for a few hundred steps while the
rate grows exponentially from ``start`` to ``end``, and watch the loss.

The copy has the session's weights (or its seed's initial ones) and a fresh optimizer of the
session's kind; the session's own weights, optimizer and random streams are never touched.
The suggestion is the rate where the smoothed loss fell fastest (per decade of rate), a common
reading of the curve: low enough to be stable, high enough to be quick.
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass

import torch

from playground.analysis.evaluation import trained_model
from playground.data import DataBundle
from playground.session.model import Session
from playground.train.batches import BatchSampler, LossKit
from playground.train.optim import init_weights, make_optimizer

DIVERGED = 4.0  # the sweep stops once the smoothed loss is this many times its best


@dataclass(frozen=True)
class LRSweep:
    lrs: list[float]
    losses: list[float]  # smoothed (exponential moving average, bias-corrected)
    suggested: float


def lr_range_test(session: Session, bundle: DataBundle | None = None, start: float = 1e-5, end: float = 1.0,
                  steps: int = 200, smoothing: float = 0.9) -> LRSweep:
    if not (0 < start < end) or steps < 3:
        raise ValueError("the sweep needs 0 < start < end and at least 3 steps")
    bundle = bundle if bundle is not None else session.bundle()
    assert session.config is not None
    config = session.config
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(config.seed)
        model = copy.deepcopy(trained_model(session, bundle, need_weights=False))
        if session.weights is None:
            init_weights(model, config.init, torch.Generator().manual_seed(config.seed))
        model.train()
        kit = LossKit(model.loss_name, bundle.task)
        data = BatchSampler(bundle, torch.device("cpu"), kit, config.batch_size, config.seed)
        optimizer = make_optimizer([p for p in model.parameters() if p.requires_grad], config)
        lrs: list[float] = []
        losses: list[float] = []
        average, best = 0.0, math.inf
        for i in range(steps):
            lr = start * (end / start) ** (i / (steps - 1))
            for group in optimizer.param_groups:
                group["lr"] = lr
            xb, yb = data.next()
            out = model(xb)
            loss = kit.fn(out, yb)
            aux = model.aux_loss()
            if aux is not None:
                loss = loss + aux
            value = float(loss.detach())
            if not math.isfinite(value):
                break
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            average = smoothing * average + (1 - smoothing) * value
            smoothed = average / (1 - smoothing ** (i + 1))
            lrs.append(lr)
            losses.append(smoothed)
            best = min(best, smoothed)
            if smoothed > DIVERGED * best:
                break
    return LRSweep(lrs, losses, _steepest(lrs, losses))


def _steepest(lrs: list[float], losses: list[float]) -> float:
    """The rate where the loss falls fastest per decade, looking only before its minimum."""
    if len(lrs) < 3:
        return lrs[0] if lrs else 0.0
    lowest = min(range(len(losses)), key=losses.__getitem__)
    span = max(lowest, 2)
    slopes = [(losses[i + 1] - losses[i - 1]) / (math.log10(lrs[i + 1]) - math.log10(lrs[i - 1]))
              for i in range(1, min(span, len(lrs) - 1))]
    return lrs[1 + min(range(len(slopes)), key=slopes.__getitem__)]
