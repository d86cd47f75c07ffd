"""Train many small variants of one network at once, as one stacked model.

A *variant* is a TrainConfig. Variants that differ only in settings that keep every shape the
same (seed, learning rate and its schedule, momentum, weight decay, L1/L2, clipping,
initialisation) are trained together: every parameter is held as one tensor with a leading
variant axis ``K``, every step draws each variant's own batch in one gather, and one backward
pass gives every variant its own gradient (the variants share no parameter, so the gradient of
the sum of their losses is each one's own). Engines, fastest first:

* ``stacked-matmul``: networks of Linear layers and element-wise blocks (activations, the 2-D
  input features, Add, Multiply). A Linear becomes one ``baddbmm`` over all variants.
* ``vmap``: any other network with no randomness and no running statistics, through
  ``torch.func.functional_call`` under ``torch.func.vmap``.
* ``sequential``: one Trainer after another, for what cannot be stacked (dropout and noise
  draw random numbers per run, BatchNorm updates running statistics, a VAE adds its own loss,
  variants with different batch sizes or optimizers have different shapes or maths).

Each variant gets what a Trainer with its config gets: the same initial weights
(``trainer.build_model``), the same batch order (its own generator, drawn as ``BatchSampler``
draws it), the same loss, and the same optimizer maths (SGD with momentum, Nesterov and weight
decay; Adam and AdamW as torch defines them, bias corrections included). The tests compare
per-variant losses with single Trainer runs (allclose).
"""

from __future__ import annotations

import copy
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

from playground.compile.compiler import CompiledModel
from playground.graph.model import Graph
from playground.train import threads
from playground.train.batches import BatchSampler, LossKit, resolve_device
from playground.train.config import TrainConfig
from playground.train.guard import Divergence
from playground.train.metrics import MetricsBuffer
from playground.train.optim import lr_at, schedule_horizon
from playground.train.trainer import Trainer, build_model

ELEMENTWISE = frozenset({"ReLU", "Tanh", "Sigmoid", "Identity", "GELU", "SiLU", "LeakyReLU", "Square",
                         "Features2D", "Add", "Multiply"})
RANDOM_OR_STATEFUL = frozenset({"Dropout", "GaussianNoise", "DropPath", "BatchNorm", "VAESampler"})
# settings that may differ between stacked variants (everything else must be equal)
PER_VARIANT = frozenset({"seed", "lr", "momentum", "nesterov", "weight_decay", "l1", "l2", "grad_clip", "init",
                         "schedule", "warmup_steps", "step_size", "gamma", "horizon_steps"})
STACKED_OPTIMIZERS = ("sgd", "adam", "adamw")
ADAM_BETAS, ADAM_EPS = (0.9, 0.999), 1e-8  # torch's defaults, which make_optimizer keeps


@dataclass
class VariantRun:
    """What training the variants gave: ``losses[k, i]`` is variant k's training loss at step i+1."""

    configs: list[TrainConfig]
    engine: str
    reason: str  # why the variants were not stacked ("" when they were)
    steps: int
    losses: np.ndarray
    val_loss: np.ndarray
    val_accuracy: np.ndarray | None
    seconds: float
    weights: list[dict[str, torch.Tensor]] = field(default_factory=list)

    @property
    def examples_per_s(self) -> float:
        batch = self.configs[0].batch_size
        return len(self.configs) * self.steps * max(batch, 1) / max(self.seconds, 1e-9)

    def diverged_at(self) -> list[int | None]:
        """The first step that diverged, per variant (None: none); no loss is kept from it on."""
        bad = np.isnan(self.losses)
        return [int(np.argmax(row)) + 1 if row.any() else None for row in bad]


def stack_reason(graph: Graph, configs: Sequence[TrainConfig]) -> str:
    """Why these variants cannot be trained as one stacked model; "" when they can."""
    if not configs:
        return "no variants"
    first = configs[0].to_dict()
    for cfg in configs[1:]:
        differs = sorted(k for k, v in cfg.to_dict().items() if first.get(k) != v and k not in PER_VARIANT)
        if differs:
            return f"the variants differ in {', '.join(differs)}, which changes shapes or the training maths"
    if configs[0].optimizer not in STACKED_OPTIMIZERS:
        return f"the {configs[0].optimizer} optimizer is trained one variant at a time"
    kinds = {node.type for node in graph.nodes.values()}
    random = sorted(kinds & RANDOM_OR_STATEFUL)
    if random:
        return f"{', '.join(random)} draws random numbers or keeps running statistics per run"
    return ""


def engine_for(model: CompiledModel) -> str:
    """``stacked-matmul`` when every computing block is a Linear or element-wise, else ``vmap``."""
    types = set(model.node_types.values())
    return "stacked-matmul" if types <= ELEMENTWISE | {"Linear"} else "vmap"


def run_length(config: TrainConfig, steps_per_epoch: int) -> int:
    """Steps of a whole run of ``config`` (0: open-ended)."""
    if config.max_steps > 0:
        return config.max_steps
    return config.epochs * steps_per_epoch if config.epochs > 0 else 0


def train_variants(graph: Graph, bundle: Any, configs: Sequence[TrainConfig], steps: int,
                   engine: str = "auto", should_stop: Callable[[], bool] | None = None) -> VariantRun:
    """Train every config in ``configs`` for ``steps`` steps; stacked when they can be."""
    configs = [cfg for cfg in configs]
    for cfg in configs:
        cfg.validate()
    models = [build_model(graph, bundle.task, cfg) for cfg in configs]
    reason = stack_reason(graph, configs)
    if engine == "sequential" or reason:
        return _sequential(graph, bundle, configs, steps, reason or "asked for", should_stop)
    chosen = engine_for(models[0]) if engine == "auto" else engine
    stacked = StackedVariants(models, bundle, configs, chosen)
    start = time.perf_counter()
    losses = stacked.run(steps, should_stop)
    seconds = time.perf_counter() - start
    val_loss, val_acc = stacked.evaluate()
    for k, cfg in enumerate(configs):  # a diverged variant's run ends where a single run stops
        bad = first_bad_step(losses[k], cfg)
        if bad is not None:
            losses[k, bad:] = np.nan
            val_loss[k] = np.nan
            if val_acc is not None:
                val_acc[k] = np.nan
    return VariantRun(configs, chosen, "", losses.shape[1], losses, val_loss, val_acc, seconds, stacked.weights())


def first_bad_step(losses: np.ndarray, config: TrainConfig) -> int | None:
    """Index of the first loss the Trainer would call diverged (``guard.Divergence``), or None."""
    watch = Divergence(config.blowup_train, config.blowup_val)
    for i, value in enumerate(losses.tolist()):
        if not watch.train_ok(value):
            return i
    return None


def _sequential(graph: Graph, bundle: Any, configs: list[TrainConfig], steps: int, reason: str,
                should_stop: Callable[[], bool] | None) -> VariantRun:
    losses, val_loss, val_acc, weights = [], [], [], []
    start = time.perf_counter()
    for cfg in configs:
        if should_stop is not None and should_stop():
            break
        trainer = Trainer(graph, bundle, cfg, MetricsBuffer(), record=False)
        trainer.run(max_steps=steps, wait_when_paused=False)
        row = np.full(steps, np.nan)
        got = trainer.buffer.series("train/loss")[1][:steps]
        row[: len(got)] = got
        losses.append(row)
        trainer.model.eval()
        with torch.no_grad():
            result = trainer.data.evaluate(trainer.model)
        val_loss.append(result[0] if result else math.nan)
        val_acc.append(result[1] if result and result[1] is not None else math.nan)
        weights.append({k: v.detach().cpu().clone() for k, v in trainer.model.state_dict().items()})
    seconds = time.perf_counter() - start
    done = configs[: len(losses)]
    acc = np.asarray(val_acc, dtype=np.float64)
    return VariantRun(done, "sequential", reason, steps, np.asarray(losses, dtype=np.float64).reshape(len(done), steps),
                      np.asarray(val_loss, dtype=np.float64), None if np.isnan(acc).all() else acc, seconds, weights)


class StackedVariants:
    """K copies of one compiled network as stacked tensors, trained in one step for all."""

    def __init__(self, models: list[CompiledModel], bundle: Any, configs: list[TrainConfig], engine: str) -> None:
        self.configs, self.engine = configs, engine
        self.k = len(models)
        self.device = resolve_device(configs[0].device)
        self.template = models[0]
        self.loss = LossKit(self.template.loss_name, bundle.task)
        self.data = [BatchSampler(bundle, self.device, self.loss, cfg.batch_size, cfg.seed) for cfg in configs]
        self.names = [name for name, p in self.template.named_parameters() if p.requires_grad]
        self.params = {name: torch.stack([dict(m.named_parameters())[name].detach() for m in models]).to(self.device)
                       .requires_grad_() for name in self.names}
        self.buffers = {name: torch.stack([dict(m.named_buffers())[name] for m in models]).to(self.device)
                        for name, _ in self.template.named_buffers()}
        self.weight_names = [n for n in self.names if self.params[n].dim() >= 3 and n.endswith("weight")]
        self.state: dict[str, dict[str, torch.Tensor]] = {}
        self.t = 0
        self._perm: torch.Tensor | None = None
        self._pos = 0
        self.horizons = [schedule_horizon(cfg, self.data[0].steps_per_epoch) for cfg in configs]
        self.hyper = {key: self._per_variant(key) for key in ("momentum", "weight_decay", "l1", "l2", "grad_clip")}
        # what every step needs, decided once (a tensor test per step would cost a sync each)
        self._uses = {key: any(float(getattr(cfg, key)) > 0 for cfg in configs) for key in self.hyper}
        self._nesterov = torch.tensor([cfg.nesterov and cfg.momentum > 0 for cfg in configs], device=self.device)
        self._constant_lr = all(cfg.schedule == "constant" for cfg in configs)
        self._lr_now = self._per_variant("lr")
        self._forward = self._matmul_forward if engine == "stacked-matmul" else self._vmap_forward()
        threads.apply_for(self.template, self.data[0].x[: self.data[0].batch], self.device)

    def _per_variant(self, key: str) -> torch.Tensor:
        return torch.tensor([float(getattr(cfg, key)) for cfg in self.configs], device=self.device)

    # ------------------------------------------------------------ batches
    def _batch(self) -> tuple[torch.Tensor, torch.Tensor]:
        """Each variant's next batch, in one gather. The order is each variant's own: its
        generator, seeded and drawn exactly as ``BatchSampler`` draws it (one permutation per
        epoch), so every variant sees the batches its single run would see."""
        d = self.data[0]
        if d.full:
            return d.x.expand(self.k, *d.x.shape), d.y.expand(self.k, *d.y.shape)
        if self._perm is None:
            self._perm = torch.stack([torch.randperm(d.n, generator=s.gen) for s in self.data]).to(self.device)
            self._pos = 0
        a, b = self._pos, self._pos + d.batch
        idx = self._perm[:, a:b]
        self._pos = b
        if b >= d.n:
            self._perm = None
        return d.x[idx], d.y[idx]

    # ------------------------------------------------------------ forward
    def _matmul_forward(self, params: dict[str, torch.Tensor], x: torch.Tensor) -> torch.Tensor:
        model = self.template
        v: list[Any] = [None] * model._n_slots
        v[model._input_slot] = x
        for module, in_slots, out_slots, _multi, nid in model._steps:
            if model.node_types[nid] == "Linear":
                name = model.node_names[nid]
                w = params[f"{name}.weight"]
                h = v[in_slots[0]]
                bias = params.get(f"{name}.bias")
                out = torch.bmm(h, w.transpose(1, 2)) if bias is None else torch.baddbmm(bias.unsqueeze(1), h,
                                                                                          w.transpose(1, 2))
            else:  # element-wise: the leading variant axis is one more batch axis to it
                out = module(*[v[i] for i in in_slots])
            v[out_slots[0]] = out
        return v[model._output_slot]

    def _vmap_forward(self) -> Callable[[dict[str, torch.Tensor], torch.Tensor], torch.Tensor]:
        from torch.func import functional_call, vmap
        base = copy.deepcopy(self.template)

        def one(params: dict[str, torch.Tensor], buffers: dict[str, torch.Tensor], x: torch.Tensor) -> torch.Tensor:
            return functional_call(base, (params, buffers), (x,))

        batched = vmap(one)
        return lambda params, x: batched(params, self.buffers, x)

    # ------------------------------------------------------------ training
    def run(self, steps: int, should_stop: Callable[[], bool] | None = None) -> np.ndarray:
        losses: list[torch.Tensor] = []
        tensors = [self.params[n] for n in self.names]
        penalised = self._uses["l1"] or self._uses["l2"]
        for _ in range(steps):
            if should_stop is not None and should_stop():
                break
            xb, yb = self._batch()
            per = _per_variant_loss(self.loss, self._forward(self.params, xb), yb)
            losses.append(per.detach())
            total = per.sum() + self._penalty() if penalised else per.sum()
            for p in tensors:
                p.grad = None
            total.backward()
            self._update(tensors)
        if not losses:
            return np.zeros((self.k, 0))
        return torch.stack(losses, dim=1).cpu().double().numpy()

    def _penalty(self) -> torch.Tensor:
        l1, l2 = self.hyper["l1"], self.hyper["l2"]
        total = torch.zeros(self.k, device=self.device)
        for name in self.weight_names:
            w = self.params[name].flatten(1)
            total = total + l1 * w.abs().sum(1) + l2 * w.square().sum(1)
        return total.sum()

    def _lrs(self) -> torch.Tensor:
        if self._constant_lr:
            return self._lr_now
        return torch.tensor([lr_at(cfg, self.t, h) for cfg, h in zip(self.configs, self.horizons, strict=True)],
                            device=self.device)

    def _update(self, tensors: list[torch.Tensor]) -> None:
        cfg0 = self.configs[0]
        lr = self._lrs()
        with torch.no_grad():
            grads = [p.grad if p.grad is not None else torch.zeros_like(p) for p in tensors]
            clip = self.hyper["grad_clip"]
            if self._uses["grad_clip"]:
                norms = torch.stack([g.flatten(1).square().sum(1) for g in grads]).sum(0).sqrt()
                scale = torch.where(clip > 0, torch.clamp(clip / (norms + 1e-6), max=1.0), torch.ones_like(clip))
                grads = [g * _col(scale, g) for g in grads]
            self.t += 1
            if cfg0.optimizer == "sgd":
                self._sgd(tensors, grads, lr)
            else:
                self._adam(tensors, grads, lr, decoupled=cfg0.optimizer == "adamw")

    def _sgd(self, tensors: list[torch.Tensor], grads: list[torch.Tensor], lr: torch.Tensor) -> None:
        mu, wd = self.hyper["momentum"], self.hyper["weight_decay"]
        nesterov = self._nesterov
        for name, p, g in zip(self.names, tensors, grads, strict=True):
            d = g + _col(wd, p) * p if self._uses["weight_decay"] else g
            if self._uses["momentum"]:
                buf = self.state.setdefault(name, {}).get("momentum")
                buf = d.clone() if buf is None else buf * _col(mu, p) + d
                self.state[name]["momentum"] = buf
                with_momentum = torch.where(_col(nesterov, p), d + _col(mu, p) * buf, buf)
                d = torch.where(_col(mu > 0, p), with_momentum, d)
            p.sub_(_col(lr, p) * d)

    def _adam(self, tensors: list[torch.Tensor], grads: list[torch.Tensor], lr: torch.Tensor,
              decoupled: bool) -> None:
        b1, b2 = ADAM_BETAS
        wd = self.hyper["weight_decay"]
        bc1, bc2 = 1 - b1 ** self.t, 1 - b2 ** self.t
        for name, p, g in zip(self.names, tensors, grads, strict=True):
            if decoupled and self._uses["weight_decay"]:
                p.mul_(1 - _col(lr * wd, p))
            elif self._uses["weight_decay"]:
                g = g + _col(wd, p) * p
            state = self.state.setdefault(name, {"m": torch.zeros_like(p), "v": torch.zeros_like(p)})
            state["m"].mul_(b1).add_(g, alpha=1 - b1)
            state["v"].mul_(b2).addcmul_(g, g, value=1 - b2)
            denom = state["v"].sqrt() / math.sqrt(bc2) + ADAM_EPS
            p.sub_(_col(lr / bc1, p) * state["m"] / denom)

    # ------------------------------------------------------------ results
    def evaluate(self) -> tuple[np.ndarray, np.ndarray | None]:
        """Each variant's validation loss and accuracy (NaN where there is no validation set)."""
        data = self.data[0]
        if len(data.xv) == 0:
            return np.full(self.k, np.nan), None
        with torch.no_grad():
            x = data.xv.expand(self.k, *data.xv.shape)
            y = data.yv.expand(self.k, *data.yv.shape)
            out = self._forward(self.params, x)
            loss = _per_variant_loss(self.loss, out, y).cpu().double().numpy()
            right = [self.loss.correct(out[k], y[k]) for k in range(self.k)]
        acc = None if right[0] is None else np.asarray([float(r[0]) / r[1] for r in right if r is not None])
        return loss, acc

    def weights(self) -> list[dict[str, torch.Tensor]]:
        """Each variant's state dict, as a Trainer's model would hold it."""
        result = []
        for k in range(self.k):
            state = {name: self.params[name][k].detach().cpu().clone() for name in self.names}
            state.update({name: b[k].cpu().clone() for name, b in self.buffers.items()})
            result.append(state)
        return result


def _col(values: torch.Tensor, like: torch.Tensor) -> torch.Tensor:
    """A per-variant vector shaped to broadcast over a stacked tensor like ``like``."""
    return values.reshape(-1, *([1] * (like.dim() - 1)))


def _per_variant_loss(loss: LossKit, out: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Mean loss of each variant in one call (the per-run ``LossKit.fn``, with a variant axis)."""
    import torch.nn.functional as F
    k = out.shape[0]
    if loss.name == "bce":
        return F.binary_cross_entropy_with_logits(out.reshape(k, -1), y.reshape(k, -1), reduction="none").mean(1)
    if loss.name == "cross_entropy":
        classes = out.shape[-1]
        per = F.cross_entropy(out.reshape(-1, classes), y.reshape(-1), reduction="none")
        return per.reshape(k, -1).mean(1)
    return (out.reshape(k, -1) - y.reshape(k, -1)).square().mean(1)
