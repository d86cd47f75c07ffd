"""Carry a whole run, not only its weights, across a compatible edit of the network.

Layer: train (imports compile, graph, torch; never Qt).

An edit is *compatible* with a trained run when the data is the same, the edited network
builds, and every trained tensor that the edited network still has (same state_dict key, i.e.
the same block id and tensor name) keeps its shape. Adding a block (its tensors start fresh),
inserting or removing a block without weights (ReLU, Dropout, ...), changing a parameter that
shapes no tensor (an activation, a dropout rate) or deleting a block are compatible; changing a
width that a trained tensor depends on is not (that tensor would be re-initialised, so the
person is asked). For a compatible edit the run goes on: step and epoch counters, optimizer
state of every kept parameter, batch order, random state and the recorded history.

Tensors of a deleted block are put aside in a ``stash`` so that undoing the deletion brings
back their trained values instead of fresh ones.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import torch

from playground.train.carry import CarryReport, compare
from playground.train.trainer import Trainer


@dataclass
class Handover:
    """What a handover did: ``report`` compares the old weights with the new network;
    ``restored`` lists the readable names of tensors brought back from the stash."""

    report: CarryReport
    restored: list[str] = field(default_factory=list)

    @property
    def compatible(self) -> bool:
        return not (self.report.reset or self.report.problem)

    def describe(self) -> str:
        report = self.report
        added = [name for name in report.added if name not in self.restored]
        bits = [f"kept all {len(report.kept)} trained tensors"]
        if self.restored:
            bits.append(f"{', '.join(self.restored)} back with {'its' if len(self.restored) == 1 else 'their'} "
                        "trained values")
        if added:
            bits.append(f"{', '.join(added)} start{'s' * (len(added) == 1)} from fresh values")
        return "The run goes on with the edited network: " + "; ".join(bits)


def check_handover(old_weights: dict[str, torch.Tensor], new: Trainer) -> Handover:
    """Whether the run of ``old_weights`` can go on in ``new`` (nothing is changed)."""
    return Handover(compare(old_weights, new.model))


def hand_over(state: dict[str, Any], new: Trainer, stash: dict[str, torch.Tensor],
              old_names: list[str]) -> Handover:
    """Load the run ``state`` (``Trainer.state_dict()`` of the old trainer, whose trainable
    parameters were named ``old_names`` in order) into ``new``, when compatible. Dropped
    tensors go into ``stash``; stashed tensors that fit again come back from it."""
    old_weights: dict[str, torch.Tensor] = state["model"]
    result = check_handover(old_weights, new)
    if not result.compatible:
        return result
    own = new.model.state_dict()
    weights: dict[str, torch.Tensor] = {}
    for key, fresh in own.items():
        if key in old_weights:
            weights[key] = old_weights[key]
        elif key in stash and tuple(stash[key].shape) == tuple(fresh.shape):
            weights[key] = stash.pop(key)
            result.restored.append(new.model.readable_key(key))
        else:
            weights[key] = fresh
    for key in result.report.dropped:
        stash[key] = old_weights[key]
    moved = dict(state, model=weights,
                 optimizer=optimizer_state_by_name(state["optimizer"], old_names, new))
    new.load_state_dict(moved)
    return result


def trainable_names(trainer: Trainer) -> list[str]:
    """The names of the parameters the trainer's optimizer updates, in its order."""
    return [name for name, p in trainer.model.named_parameters() if p.requires_grad]


def optimizer_state_by_name(old: dict[str, Any], old_names: list[str], new: Trainer) -> dict[str, Any]:
    """The old optimizer's per-parameter state (moments, step counts) moved to the new
    optimizer's parameter positions by name; new parameters start with none."""
    fresh = new.optimizer.state_dict()
    old_groups, new_groups = old.get("param_groups", []), fresh["param_groups"]
    if len(old_groups) != 1 or len(new_groups) != 1:  # one group is all make_optimizer builds
        return fresh
    position = {name: index for name, index in zip(old_names, old_groups[0]["params"], strict=False)}
    params = dict(new.model.named_parameters())
    state = {}
    for name, index in zip(trainable_names(new), new_groups[0]["params"], strict=False):
        before = old["state"].get(position.get(name, -1))
        if before is None:
            continue
        moments = [v for v in before.values() if isinstance(v, torch.Tensor) and v.dim() > 0]
        if all(tuple(m.shape) == tuple(params[name].shape) for m in moments):
            state[index] = before
    return {"state": state, "param_groups": new_groups}
