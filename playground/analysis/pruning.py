"""Magnitude pruning: which weights a mask removes.

Weight-level: the smallest |w| go first, ranked over the whole network (global) or within each
layer (per layer). Unit-level: whole units (a Linear's output feature, a convolution's output
channel: one row of its weight, and its bias) go by the size of their incoming weights, the
root-mean-square so that layers of different fan-in compare; the layer that makes the network's
output is never unit-pruned (its units are the answer). Sparsity is always counted in weights:
the share of the prunable weights (matrices and kernels, not biases or norm scales) that are zero.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import torch

from playground.compile.compiler import CompiledModel

Masks = dict[str, torch.Tensor]


class PruneError(ValueError):
    """A pruning request that cannot be carried out, phrased for a person."""


def prunable_keys(model: CompiledModel) -> list[str]:
    """state_dict keys of the weights pruning acts on, in the network's order."""
    return [name for name, p in model.named_parameters() if p.dim() >= 2 and name.endswith("weight")]


def sparsity_of(masks: Mapping[str, torch.Tensor], model: CompiledModel) -> float:
    """Share of the prunable weights that the masks remove."""
    keys = prunable_keys(model)
    state = dict(model.named_parameters())
    total = sum(state[k].numel() for k in keys)
    pruned = sum(int((~masks[k]).sum()) for k in keys if k in masks)
    return pruned / total if total else 0.0


def check_sparsity(sparsity: float) -> None:
    if not (isinstance(sparsity, (int, float)) and 0.0 <= sparsity < 1.0) or math.isnan(sparsity):
        raise PruneError(f"sparsity must be at least 0 and below 1 (the share of weights removed), not {sparsity}")


def magnitude_masks(model: CompiledModel, sparsity: float, per_layer: bool = False, units: bool = False,
                    keep: Mapping[str, torch.Tensor] | None = None) -> Masks:
    """Masks removing ``sparsity`` of the prunable weights of ``model`` by magnitude.

    ``keep``: masks already in force; what they removed stays removed (it has magnitude zero).
    """
    check_sparsity(sparsity)
    state = {k: v.detach() for k, v in model.named_parameters()}
    keys = prunable_keys(model)
    if not keys:
        raise PruneError("the network has no weight matrices or kernels to prune")
    weights = {k: state[k] * keep[k] if keep and k in keep else state[k] for k in keys}
    if units:
        return _unit_masks(model, weights, state, sparsity, per_layer, keep)
    if per_layer:
        return {k: _smallest_out(w.abs().flatten(), sparsity).view_as(w) for k, w in weights.items()}
    flat = torch.cat([w.abs().flatten() for w in weights.values()])
    kept = _smallest_out(flat, sparsity)
    masks, at = {}, 0
    for k, w in weights.items():
        masks[k] = kept[at:at + w.numel()].view_as(w)
        at += w.numel()
    return masks


def _smallest_out(scores: torch.Tensor, share: float) -> torch.Tensor:
    """True for entries kept when the ``share`` with the smallest scores goes (ties: lower index first)."""
    n = round(share * scores.numel())
    kept = torch.ones(scores.numel(), dtype=torch.bool)
    if n > 0:
        kept[torch.argsort(scores, stable=True)[:n]] = False
    return kept


def _unit_masks(model: CompiledModel, weights: dict[str, torch.Tensor], state: dict[str, torch.Tensor],
                sparsity: float, per_layer: bool, keep: Mapping[str, torch.Tensor] | None) -> Masks:
    keys = list(weights)
    head = keys[-1]  # the last weight layer makes the output: its units are never removed
    candidates = [k for k in keys if k != head]
    if not candidates:
        raise PruneError("unit pruning needs a hidden layer: the only weight layer makes the output")
    total = sum(weights[k].numel() for k in keys)
    masks: Masks = {k: torch.ones_like(weights[k], dtype=torch.bool) for k in keys}
    if keep:
        masks.update({k: keep[k].clone() for k in keys if k in keep})
    scores = {k: weights[k].flatten(1).pow(2).mean(1).sqrt() for k in candidates}
    if per_layer:
        order = [(k, [int(i) for i in torch.argsort(scores[k], stable=True)]) for k in candidates]
        for k, rows in order:  # each layer loses the same share of its own weights
            goal = round(sparsity * weights[k].numel())
            for i in rows:
                if int((~masks[k]).sum()) >= goal:
                    break
                masks[k][i] = False
    else:
        ranked = sorted(((float(scores[k][i]), n, k, i) for n, k in enumerate(candidates)
                         for i in range(len(scores[k]))))
        goal = round(sparsity * total)
        removed = sum(int((~m).sum()) for m in masks.values())
        for _, _, k, i in ranked:
            if removed >= goal:
                break
            if bool(masks[k][i].any()):
                removed += int(masks[k][i].sum())
                masks[k][i] = False
    for k in candidates:  # a removed unit's bias goes with it
        bias = k[: -len("weight")] + "bias"
        if bias in state:
            masks[bias] = masks[k].flatten(1).any(1)
    return masks
