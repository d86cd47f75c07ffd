"""Every field of the saved trainer and optimizer state, checked before a Trainer sees it.

``check_training_state`` runs when a file is opened, so ``playground check`` and
``playground train`` run the same code: if it passes, ``Trainer.load_state_dict`` and the
first step accept the state; if not, the message says which field is wrong.

The optimizer state is compared with a reference optimizer of the session's own settings
(built on a one-element parameter and stepped once): the same param-group keys with values
of the same kinds and sane ranges, and per parameter the same state entries, with tensors
of the parameter's shape and dtype. The trainer state must hold non-negative integer
counters, a batch position inside the training set, a batch order that is a permutation
of it, and generator states of the size torch uses.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import torch

from playground.session.errors import SessionError

if TYPE_CHECKING:
    from playground.session.model import Session

_GENERATOR_BYTES = torch.Generator().get_state().numel()
MAX_LR = 1e6


def _need(ok: bool, what: str) -> None:
    if not ok:
        raise SessionError(f"the saved training state is damaged: {what}")


def _int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _real(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def check_training_state(session: Session) -> None:
    """Raise SessionError for a trainer or optimizer state a Trainer could not take; warn when
    the optimizer state is missing (training then continues with a fresh optimizer)."""
    if session.weights is None:
        return
    if session.trainer_state is not None and session.optimizer_state is None:
        session.warnings.append("the optimizer state is missing, so training continues with a fresh "
                                "optimizer (its momentum and averages start over)")
    if session.trainer_state is None and session.optimizer_state is None:
        return
    from playground.compile import CompileError, compile_graph

    bundle = session.bundle()
    try:
        with torch.device("meta"):
            model = compile_graph(session.graph, bundle.task)
    except CompileError:
        return  # check_weights has dropped the state already
    params = [(tuple(p.shape), p.dtype) for p in model.parameters()]
    if session.trainer_state is not None:
        _check_trainer(session.trainer_state, len(bundle.x_train))
    if session.optimizer_state is not None:
        _check_optimizer(session, params)


def _check_trainer(state: dict[str, Any], n_train: int) -> None:
    counters: Any = state.get("counters")
    _need(isinstance(counters, dict), "counters are missing")
    for key in ("step", "epoch"):
        _need(_int(counters.get(key)) and 0 <= counters[key] <= 10**12, f"counter {key!r} is not a count")
    good = counters.get("good_step", counters["step"])
    _need(_int(good) and 0 <= good <= counters["step"], "counter 'good_step' is not a step of this run")
    sampler: Any = state.get("sampler")
    _need(isinstance(sampler, dict), "the batch sampler state is missing")
    _need(_int(sampler.get("epoch")) and 0 <= sampler["epoch"] <= 10**12, "the sampler's epoch is not a count")
    perm = sampler.get("perm")
    # without a batch order the epoch has ended and the position is unused (files saved before
    # it was clamped to the set's size hold the end of a partial last batch there)
    limit = n_train if perm is not None else 10**12
    _need(_int(sampler.get("pos")) and 0 <= sampler["pos"] <= limit,
          f"the sampler's position is outside the training set of {n_train} samples")
    if perm is not None:
        _need(isinstance(perm, torch.Tensor) and perm.dim() == 1 and perm.dtype == torch.long
              and len(perm) == n_train, "the saved batch order is not one for this training set")
        _need(bool(torch.equal(torch.sort(perm).values, torch.arange(n_train))),
              "the saved batch order is not a permutation of the training set")
    _check_generator(sampler.get("generator"), "the sampler's random state")
    rng: Any = state.get("rng")
    _need(isinstance(rng, dict), "the random state is missing")
    _check_generator(rng.get("torch"), "the random state")
    modes: Any = state.get("modes")
    if modes is not None:
        _need(isinstance(modes, dict), "the learning-dynamics state is malformed")
        a0 = modes.get("a0")
        _need(a0 is None or (isinstance(a0, list) and len(a0) <= 10_000 and all(_real(v) for v in a0)),
              "the learning-dynamics start strengths are malformed")
        _need(_int(modes.get("t0", 0)) and modes.get("t0", 0) >= 0, "the learning-dynamics start step is malformed")


def _check_generator(value: Any, what: str) -> None:
    _need(isinstance(value, torch.Tensor) and value.dtype == torch.uint8 and value.dim() == 1
          and value.numel() == _GENERATOR_BYTES, f"{what} is not a torch generator state")
    try:
        torch.Generator().set_state(value)
    except (RuntimeError, ValueError, TypeError):
        _need(False, f"{what} is not a torch generator state")


def _reference(session: Session) -> tuple[dict[str, Any], dict[str, Any]]:
    """(param-group settings, per-parameter state) of a fresh optimizer of these settings."""
    from playground.train.optim import make_optimizer

    p = torch.nn.Parameter(torch.zeros(2))
    assert session.config is not None
    with torch.random.fork_rng(devices=[]):
        opt = make_optimizer([p], session.config)
        p.grad = torch.ones(2)
        opt.step()
    sd = opt.state_dict()
    group = {k: v for k, v in sd["param_groups"][0].items() if k != "params"}
    return group, dict(sd["state"].get(0, {}))


def _check_optimizer(session: Session, params: list[tuple[tuple[int, ...], torch.dtype]]) -> None:
    opt = session.optimizer_state
    assert opt is not None
    _need(set(opt) == {"state", "param_groups"} and isinstance(opt["state"], dict)
          and isinstance(opt["param_groups"], list), "the optimizer state is malformed")
    ref_group, ref_state = _reference(session)
    groups = opt["param_groups"]
    _need(len(groups) == 1 and isinstance(groups[0], dict), "the optimizer state has an unexpected number of groups")
    group = groups[0]
    _need(group.get("params") == list(range(len(params))),
          "the optimizer state does not match the network's parameters")
    keys = set(group) - {"params"}
    if keys != set(ref_group):  # saved by another update rule than the settings now name
        session.optimizer_state = None
        session.warnings.append(f"the optimizer state is not one of the {session.config.optimizer if session.config else ''}"
                                " optimizer the settings name, so training continues with a fresh one")
        return
    for key, want in ref_group.items():
        _check_setting(key, group[key], want)
    for pid, entry in opt["state"].items():
        _need(_int(pid) and 0 <= pid < len(params) and isinstance(entry, dict),
              "the optimizer state refers to unknown parameters")
        if not entry:
            continue
        _need(set(entry) == set(ref_state),
              f"the optimizer state of parameter {pid} has entries {sorted(entry)[:4]}, not {sorted(ref_state)}")
        shape, dtype = params[pid]
        for name, want in ref_state.items():
            got = entry[name]
            if isinstance(want, torch.Tensor) and want.dim() > 0:
                _need(isinstance(got, torch.Tensor) and tuple(got.shape) == shape and got.dtype == dtype,
                      f"optimizer {name} of parameter {pid} is not a {dtype} tensor of shape {shape}")
            elif isinstance(want, torch.Tensor):
                _need(isinstance(got, torch.Tensor) and got.dim() == 0 and got.dtype == want.dtype
                      and bool(torch.isfinite(got)) and float(got) >= 0,
                      f"optimizer {name} of parameter {pid} is not a count")
            elif want is None:
                _need(got is None or (isinstance(got, torch.Tensor) and tuple(got.shape) == shape
                                      and got.dtype == dtype), f"optimizer {name} of parameter {pid} is malformed")
            else:
                _need(_real(got) and got >= 0, f"optimizer {name} of parameter {pid} is not a count")


_KERNEL_CHOICES = ("fused", "foreach", "capturable", "differentiable")  # how, not what: must be ours


def _show(v: Any) -> str:
    if isinstance(v, torch.Tensor):
        return f"a tensor of shape {tuple(v.shape)}"
    return " ".join(repr(v).split())[:40]


def _check_setting(key: str, got: Any, want: Any) -> None:
    what = f"the optimizer setting {key!r} ({_show(got)})"
    if key in _KERNEL_CHOICES:
        _need(got is want or (got == want and type(got) is type(want)), f"{what} is not {want}")
    elif isinstance(want, bool):  # a flag the kernels read as a bool (None crashes fused Adam's amsgrad)
        _need(isinstance(got, bool), f"{what} is not true or false")
    elif want is None:
        _need(got is None or isinstance(got, bool), f"{what} is not true, false or unset")
    elif isinstance(want, (tuple, list)):
        _need(isinstance(got, (tuple, list)) and len(got) == len(want) and all(_real(v) and 0 <= v < 1 for v in got),
              f"{what} must be {len(want)} numbers from 0 to below 1")
    elif _real(want):
        _need(_real(got), f"{what} is not a number")
        limit = MAX_LR if key in ("lr", "initial_lr") else 10.0 if key in ("weight_decay", "momentum", "alpha",
                                                                           "dampening") else 1.0
        _need(0 <= got <= limit and (key != "eps" or got > 0), f"{what} is out of range")
    elif isinstance(want, torch.Tensor):
        _need(isinstance(got, (torch.Tensor, int, float)) and not isinstance(got, bool), f"{what} is not a number")
    else:
        _need(type(got) is type(want), f"{what} has the wrong kind of value")
