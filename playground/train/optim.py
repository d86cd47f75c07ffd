"""Optimizer, learning-rate schedule and weight initialisation from a TrainConfig."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import torch
from torch import nn

from playground.train.config import TrainConfig

SMALL_INIT_STD = 1e-2  # "small": the regime of the deep-linear learning-dynamics studies


def seeded_model(make: Callable[[], nn.Module], kind: str, seed: int) -> nn.Module:
    """The network ``make()`` builds under ``seed``, then initialised as ``kind`` says: the same
    seed gives the same weights everywhere (the Trainer's networks and exported scripts' alike)."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = make()
    init_weights(model, kind, torch.Generator().manual_seed(seed))
    return model


def make_optimizer(params: list[nn.Parameter], config: TrainConfig) -> torch.optim.Optimizer:
    """The optimizer named by ``config`` (fused/foreach kernels where torch offers them)."""
    lr, wd = config.lr, config.weight_decay
    if config.optimizer == "sgd":
        return torch.optim.SGD(params, lr=lr, momentum=config.momentum, weight_decay=wd,
                               nesterov=config.nesterov and config.momentum > 0)
    if config.optimizer == "adam":
        return torch.optim.Adam(params, lr=lr, weight_decay=wd, **_fast(params))
    if config.optimizer == "adamw":
        return torch.optim.AdamW(params, lr=lr, weight_decay=wd, **_fast(params))
    if config.optimizer == "rmsprop":
        return torch.optim.RMSprop(params, lr=lr, momentum=config.momentum, weight_decay=wd)
    raise ValueError(f"unknown optimizer {config.optimizer!r}")


def _fast(params: list[nn.Parameter]) -> dict[str, Any]:
    # The fused Adam kernel updates every tensor in one call: on tiny networks the
    # per-tensor Python loop of the default implementation costs more than the math.
    if params and all(p.dtype in (torch.float32, torch.float64) for p in params):
        devices = {p.device.type for p in params}
        if len(devices) == 1 and devices <= {"cpu", "cuda", "mps"}:
            return {"fused": True}
    return {}


def apply_hyperparameters(optimizer: torch.optim.Optimizer, config: TrainConfig, lr: float) -> None:
    """Push the safe settings that live in param groups (lr, momentum, weight decay)."""
    for group in optimizer.param_groups:
        group["lr"] = lr
        group["weight_decay"] = config.weight_decay
        if "momentum" in group:
            group["momentum"] = config.momentum
        if "nesterov" in group:
            group["nesterov"] = config.nesterov and config.momentum > 0


def schedule_horizon(config: TrainConfig, steps_per_epoch: int) -> int:
    """Steps the cosine schedules decay over (see ``TrainConfig.horizon``)."""
    return config.horizon(steps_per_epoch)


def lr_at(config: TrainConfig, step: int, horizon: int) -> float:
    """Learning rate for ``step`` (0-based) under the config's schedule."""
    lr = config.lr
    if config.schedule == "constant":
        return lr
    if config.schedule == "step":
        return lr * config.gamma ** (step // max(config.step_size, 1))
    warm = config.warmup_steps if config.schedule == "warmup_cosine" else 0
    if step < warm:
        return lr * (step + 1) / warm
    span = max(horizon - warm, 1)
    progress = min((step - warm) / span, 1.0)
    return lr * 0.5 * (1.0 + math.cos(math.pi * progress))


def init_weights(model: nn.Module, kind: str, generator: torch.Generator) -> None:
    """Re-initialise weight matrices and zero biases; ``default`` keeps torch's own init.

    Only tensors named ``weight`` with two or more dimensions count as weights;
    normalisation scales and embeddings of norm layers keep their defaults.
    """
    if kind == "default":
        return
    with torch.no_grad():
        for module in model.modules():
            if isinstance(module, nn.modules.batchnorm._NormBase | nn.LayerNorm | nn.GroupNorm):
                continue
            weight = getattr(module, "weight", None)
            if not isinstance(weight, torch.Tensor) or weight.dim() < 2:
                continue
            _init_tensor(weight, kind, generator)
            bias = getattr(module, "bias", None)
            if isinstance(bias, torch.Tensor):
                bias.zero_()


def _init_tensor(w: torch.Tensor, kind: str, g: torch.Generator) -> None:
    fan_in = w[0].numel()
    fan_out = w.shape[0] * (w[0, 0].numel() if w.dim() > 2 else 1)
    if kind == "xavier":
        bound = math.sqrt(6.0 / (fan_in + fan_out))
        w.copy_(torch.rand(w.shape, generator=g) * 2 * bound - bound)
    elif kind == "kaiming":
        w.copy_(torch.randn(w.shape, generator=g) * math.sqrt(2.0 / fan_in))
    elif kind == "orthogonal":
        flat = torch.randn(w.shape[0], fan_in, generator=g)
        q, r = torch.linalg.qr(flat if flat.shape[0] >= flat.shape[1] else flat.T)
        q = q * torch.sign(torch.diagonal(r))
        q = q if flat.shape[0] >= flat.shape[1] else q.T
        w.copy_(q.reshape(w.shape))
    elif kind == "small":
        w.copy_(torch.randn(w.shape, generator=g) * SMALL_INIT_STD)
    else:
        raise ValueError(f"unknown init {kind!r}")


def weight_matrices(model: nn.Module) -> list[torch.Tensor]:
    """Parameters the L1/L2 penalties act on (matrices and kernels, not biases or norm scales)."""
    return [p for name, p in model.named_parameters() if p.dim() >= 2 and name.endswith("weight")]


def penalty(weights: list[torch.Tensor], l1: float, l2: float) -> torch.Tensor:
    """l1·Σ|w| + l2·Σw² over the weight matrices."""
    total = torch.zeros((), device=weights[0].device)
    for w in weights:
        if l1:
            total = total + l1 * w.abs().sum()
        if l2:
            total = total + l2 * w.square().sum()
    return total
