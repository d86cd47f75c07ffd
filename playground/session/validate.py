"""Checks on a parsed session document before and after it becomes a Session."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import torch

from playground.graph.spec import format_shape
from playground.session.errors import SessionError

if TYPE_CHECKING:
    from playground.session.model import Session


def _need(ok: bool, what: str) -> None:
    if not ok:
        raise SessionError(f"the file is damaged: {what}")


def validate_document(doc: dict[str, Any]) -> None:
    """Types and shapes of the JSON parts (after migration)."""
    ds = doc["dataset"]
    _need(isinstance(ds, dict), "dataset.json must be an object")
    _need(isinstance(ds.get("name"), str) and 0 < len(ds["name"]) <= 100, "dataset name is missing")
    _need(isinstance(ds.get("params"), dict), "dataset parameters must be an object")
    emb = ds.get("embedded")
    if emb is not None:
        _need(isinstance(emb, dict) and isinstance(emb.get("task"), dict)
              and isinstance(emb.get("meta", {}), dict) and isinstance(emb.get("arrays"), dict),
              "embedded data is malformed")
        from playground.session.model import DATA_ARRAYS

        _need(all(k in emb["arrays"] for k in DATA_ARRAYS), "embedded data arrays are missing")
    _need(isinstance(doc["config"], dict), "config.json must be an object")
    notes = doc.get("notes", {"notes": ""})
    _need(isinstance(notes, dict) and isinstance(notes.get("notes"), str), "notes.json is malformed")
    _need(isinstance(doc.get("ui_state", {}), dict), "ui_state.json must be an object")
    runs = doc.get("runs", {"runs": []})
    _need(isinstance(runs, dict) and isinstance(runs.get("runs"), list)
          and all(isinstance(r, dict) and "history" in r for r in runs["runs"]), "runs.json is malformed")
    for part in ("optimizer", "trainer"):
        if part in doc:
            _need(isinstance(doc[part], dict) and "state" in doc[part], f"{part}.json is malformed")


def check_weights(session: Session) -> None:
    """Unknown blocks, unknown datasets and tensors that do not fit the network are errors.

    Weights are compared with the state_dict of the compiled network. A graph that
    cannot be built right now (a half-finished edit) keeps loading, but its stale
    training state is dropped with a warning rather than refusing the whole file.
    """
    from playground.compile import CompileError, compile_graph
    from playground.compile.shapes import block_for
    from playground.data import DATASETS

    unknown = sorted({f'{n.type} ("{n.label}")' for n in session.graph.nodes.values()
                      if block_for(n.type) is None})
    if unknown:
        raise SessionError(f"unknown block type {', '.join(unknown[:5])}: made by a newer or "
                           "extended Neural Playground?")
    if session.embedded_data is None and session.dataset not in DATASETS:
        raise SessionError(f"unknown dataset {session.dataset!r}")
    if session.embedded_data is None and not DATASETS[session.dataset].regenerable:
        # never read a table from a path named inside a file someone sent us
        raise SessionError(f"the session uses a {session.dataset} table but does not contain its data")
    if session.embedded_data is not None:
        _check_embedded(session)
    bundle = session.bundle()
    if session.weights is None:
        if session.optimizer_state is not None or session.trainer_state is not None:
            raise SessionError("the file has optimizer state but no weights")
        return
    try:
        with torch.random.fork_rng(devices=[]):
            model = compile_graph(session.graph, bundle.task)
    except CompileError:
        session.warnings.append("the network cannot be built as saved, so its trained weights were not kept")
        session.weights = session.optimizer_state = session.trainer_state = None
        return
    expected = model.state_dict()
    missing = sorted(set(expected) - set(session.weights))
    extra = sorted(set(session.weights) - set(expected))
    if missing or extra:
        what = f"missing {missing[:3]}" if missing else f"unexpected {extra[:3]}"
        raise SessionError(f"the saved weights do not match the network ({what})")
    for key, want in expected.items():
        got = session.weights[key]
        if tuple(got.shape) != tuple(want.shape) or got.dtype != want.dtype:
            raise SessionError(
                f"the saved weights do not match the network: {key} is "
                f"{format_shape(tuple(got.shape))[2:]} {str(got.dtype)[6:]} in the file but the network "
                f"needs {format_shape(tuple(want.shape))[2:]} {str(want.dtype)[6:]}"
            )
    for key, t in session.weights.items():
        if t.is_floating_point() and not torch.isfinite(t).all():
            session.warnings.append(f"weights {key} contain NaN or infinity (the run had diverged)")
            break
    _check_optimizer(session, model)


def _check_optimizer(session: Session, model: torch.nn.Module) -> None:
    opt = session.optimizer_state
    if opt is None:
        return
    _need(isinstance(opt.get("state"), dict) and isinstance(opt.get("param_groups"), list),
          "optimizer state is malformed")
    shapes = [tuple(p.shape) for p in model.parameters()]
    ids: list[Any] = []
    for g in opt["param_groups"]:
        _need(isinstance(g, dict) and isinstance(g.get("params"), list), "optimizer groups are malformed")
        ids += g["params"]
    _need(len(ids) == len(shapes) and all(isinstance(i, int) for i in ids),
          "optimizer state does not match the network's parameters")
    index = {pid: shapes[i] for i, pid in enumerate(ids)}
    for pid, st in opt["state"].items():
        _need(pid in index and isinstance(st, dict), "optimizer state refers to unknown parameters")
        for name, value in st.items():
            if isinstance(value, torch.Tensor) and value.dim() > 0:
                _need(tuple(value.shape) == index[pid],
                      f"optimizer {name} has shape {tuple(value.shape)} for a parameter of {index[pid]}")


def _check_embedded(session: Session) -> None:
    from playground.graph.spec import TaskSpec

    emb = session.embedded_data
    assert emb is not None
    t = emb["task"]
    _need(t.get("task") in ("classification", "regression", "sequence", "reconstruction")
          and t.get("input_dtype", "float") in ("float", "long")
          and all(isinstance(t.get(k, []), list) and all(isinstance(v, int) and not isinstance(v, bool)
                                                            and 0 < v < 1_000_000 for v in t.get(k, []))
                  for k in ("input_shape", "target_shape"))
          and all(isinstance(t.get(k, 0), int) for k in ("num_classes", "vocab_size")),
          "embedded dataset's task is malformed")
    try:
        TaskSpec(**{**t, "input_shape": tuple(t["input_shape"]), "target_shape": tuple(t.get("target_shape", ()))})
    except (TypeError, KeyError) as err:
        raise SessionError(f"the embedded dataset's task is malformed ({err})") from None
    arrays = emb["arrays"]
    n_train, n_val = len(arrays["x_train"]), len(arrays["x_val"])
    _need(len(arrays["y_train"]) == n_train and len(arrays["y_val"]) == n_val,
          "embedded data has inputs and targets of different lengths")
    shape = tuple(t["input_shape"])
    _need(arrays["x_train"].shape[1:] == shape and arrays["x_val"].shape[1:] == shape,
          "embedded data does not match its input shape")
