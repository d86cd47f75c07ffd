"""Pruning masks on a compiled network: state_dict key -> bool tensor of the same shape (True:
the weight is kept, False: pruned to zero).

The masked weights stay in the state_dict as zeros (no ``weight_orig`` re-parametrisation), so
saved weights, exports and every reader see an ordinary network. While training, a forward
pre-hook zeroes them again before every forward pass, so an optimizer step that moved them
never counts.
"""

from __future__ import annotations

from collections.abc import Mapping

import torch
from torch import nn
from torch.utils.hooks import RemovableHandle

Masks = Mapping[str, torch.Tensor]


def masked(weights: Mapping[str, torch.Tensor], masks: Masks | None) -> dict[str, torch.Tensor]:
    """``weights`` with every pruned entry set to zero (unmasked tensors are passed through)."""
    if not masks:
        return dict(weights)
    return {k: (v * masks[k].to(v.device, v.dtype) if k in masks else v) for k, v in weights.items()}


def zero_masked(model: nn.Module, masks: Masks) -> None:
    """Set the pruned weights of ``model`` to zero, in place."""
    state = dict(model.named_parameters())
    with torch.no_grad():
        for key, mask in masks.items():
            if key in state:
                state[key].mul_(mask.to(state[key].device, state[key].dtype))


def keep_masks(model: nn.Module, masks: Masks) -> RemovableHandle:
    """Zero the pruned weights now and before every forward pass (until the handle is removed)."""
    zero_masked(model, masks)
    return model.register_forward_pre_hook(lambda module, args: zero_masked(module, masks))
