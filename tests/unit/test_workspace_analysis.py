"""The Workspace carries a session's lesions, pruning masks and rewind points through ``load``
and ``to_session``: a pruned, lesioned session opened in it and saved reopens with all three."""

from __future__ import annotations

import torch

from playground.analysis.lesions import Lesion
from playground.analysis.prune import prune_session
from playground.session import load_session, save_session
from playground.session.new import new_session
from playground.workspace import Workspace


def test_a_pruned_session_saved_from_the_workspace_keeps_masks_rewind_points_and_lesions(tmp_path):
    session, _ = new_session("mlp", overrides=["config.epochs=40", "config.seed=0"])
    trainer = session.make_trainer()
    trainer.run(raise_errors=True, wait_when_paused=False)
    session.capture(trainer)
    pruned = prune_session(session, 0.5, rewind=0, train_steps=10).session
    tanh = pruned.graph.node_by_label("tanh1").id
    pruned.lesions = [Lesion("bypass", tanh).to_dict()]
    path = str(tmp_path / "pruned.playground")
    save_session(pruned, path)

    workspace = Workspace()
    workspace.load(load_session(path))
    assert workspace.masks is not None and workspace.rewind_weights.keys() == {0}
    out = tmp_path / "again.playground"
    save_session(workspace.to_session(), str(out))
    again = load_session(str(out))
    assert again.lesions == [{"kind": "bypass", "node_id": tanh, "units": []}]
    assert again.masks is not None and set(again.masks) == set(pruned.masks)
    assert all(torch.equal(again.masks[k], m) for k, m in pruned.masks.items())
    assert all(torch.equal(again.rewind_weights[0][k], v) for k, v in pruned.rewind_weights[0].items())
    assert all(torch.all(again.weights[k][~m] == 0) for k, m in again.masks.items())


def test_lesions_are_workspace_state_with_an_event():
    workspace = Workspace()
    seen: list[list[dict]] = []
    workspace.lesions_changed.connect(seen.append)
    workspace.set_lesions([{"kind": "bypass", "node_id": "n3", "units": []}])
    workspace.set_lesions([{"kind": "bypass", "node_id": "n3", "units": []}])  # no change, no event
    assert seen == [[{"kind": "bypass", "node_id": "n3", "units": []}]]
    assert workspace.is_modified()
    assert workspace.to_session().lesions == seen[0]
