"""Checks on a parsed session document before and after it becomes a Session."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import torch

from playground.graph.spec import TaskSpec, format_shape
from playground.session.errors import SessionError

if TYPE_CHECKING:
    from playground.graph.model import Graph
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
    Weights keyed by label (``fc1.weight``, files written before weights were keyed
    by node id) are renamed to the ``"{node_id}.{param}"`` keys the network uses.
    """
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
    spec = net_spec(session.graph, bundle.task)
    if spec.problem:
        session.warnings.append("the network cannot be built as saved, so its trained weights were not kept")
        session.weights = session.optimizer_state = session.trainer_state = None
        return
    session.weights = by_node_id(session.weights, spec)
    problem = weights_mismatch(session.weights, spec)
    if problem:
        raise SessionError(f"the saved weights do not match the network{problem}")
    for key, t in session.weights.items():
        if t.is_floating_point() and not torch.isfinite(t).all():
            session.warnings.append(f"weights {spec.readable[key]} contain NaN or infinity (the run had diverged)")
            break
    _check_optimizer(session, spec.params)


@dataclass(frozen=True)
class NetSpec:
    """What weights must be for one network: every state_dict key (``"{node_id}.{param}"``)
    with its shape and dtype, its readable name (``fc1.weight``), and the parameters' shapes
    in the optimizer's order. ``problem`` is set (and the rest empty) when it cannot be built."""

    tensors: dict[str, tuple[tuple[int, ...], torch.dtype]]
    readable: dict[str, str]
    params: list[tuple[int, ...]]
    problem: str = ""


_SPECS: dict[str, NetSpec] = {}


def net_spec(graph: Graph, task: TaskSpec) -> NetSpec:
    """The NetSpec of ``graph`` on ``task``. Building a deep network takes seconds, so the last
    few are remembered (by what the weights depend on, the labels and the task): saving the
    same network again, and the check after fitting, cost no second build."""
    import json

    from playground.compile import CompileError, compile_graph
    from playground.train.carry import graph_fingerprint

    labels = sorted((n.id, n.label) for n in graph.nodes.values())
    key = json.dumps([graph_fingerprint(graph), labels, repr(task)])
    if key in _SPECS:
        return _SPECS[key]
    try:
        with torch.random.fork_rng(devices=[]):
            model = compile_graph(graph, task)
    except CompileError as err:
        spec = NetSpec({}, {}, [], err.diagnostics[0].message if err.diagnostics else str(err))
    else:
        state = model.state_dict()
        spec = NetSpec({k: (tuple(v.shape), v.dtype) for k, v in state.items()},
                       {k: model.readable_key(k) for k in state}, [tuple(p.shape) for p in model.parameters()])
        del model
    if len(_SPECS) >= 4:
        _SPECS.pop(next(iter(_SPECS)))
    _SPECS[key] = spec
    return spec


def by_node_id(weights: dict[str, torch.Tensor], spec: NetSpec) -> dict[str, torch.Tensor]:
    """``weights`` under the network's own keys: label keys (``fc1.weight``, as schema-1 files
    have them) are renamed to ``"{node_id}.{param}"``. Keys that already fit, or a mix that
    fits neither way, come back as they are (the mismatch check then names the problem)."""
    if set(weights) <= set(spec.tensors):
        return weights
    by_label = {name: key for key, name in spec.readable.items()}
    if not set(weights) <= set(by_label):
        return weights
    return {by_label[k]: v for k, v in weights.items()}


def weights_mismatch(weights: dict[str, torch.Tensor], spec: NetSpec) -> str:
    """"" when ``weights`` are exactly what the network holds (keys, shapes, dtypes), else
    ``" (missing [...])"`` or ``": fc1.weight is 16×7 float32 ... needs 5×7 float32"``."""
    expected = spec.tensors
    missing = [spec.readable[k] for k in expected if k not in weights]
    extra = [k for k in weights if k not in expected]
    if missing or extra:
        return f" (missing {sorted(missing)[:3]})" if missing else f" (unexpected {sorted(extra)[:3]})"
    for key, (shape, dtype) in expected.items():
        got = weights[key]
        if tuple(got.shape) != shape or got.dtype != dtype:
            return (f": {spec.readable[key]} is {format_shape(tuple(got.shape))[2:]} {str(got.dtype)[6:]} "
                    f"in the file but the network needs {format_shape(shape)[2:]} {str(dtype)[6:]}")
    return ""


def fit_session_weights(session: Session, task: TaskSpec | None = None) -> list[str]:
    """Before a save: make the session's weights fit its own network, so the file reopens.

    Weights that fit exactly are left alone (with their optimizer state, unless that no
    longer fits). Otherwise every tensor whose key and shape still fit is kept, the others
    are re-initialised as a new trainer would start them, the optimizer state and counters
    (which belong to the old tensors) are dropped, and the returned lines say which tensors
    were reset (``fc1.weight (16×7 → 5×7) re-initialised``). A network that cannot be built
    drops the weights, and the line says so. ``task`` defaults to the session's dataset's.
    """
    from playground.train.carry import fit_weights_to_graph

    if session.weights is None:
        return []
    task = task if task is not None else _task(session)
    spec = net_spec(session.graph, task)
    if not spec.problem:
        weights = by_node_id(session.weights, spec)
        if not weights_mismatch(weights, spec):
            session.weights = weights
            try:
                _check_optimizer(session, spec.params)
            except SessionError:  # e.g. a rewiring changed the parameters' order
                session.optimizer_state = session.trainer_state = None
                return ["the optimizer state no longer fits the network and was left out "
                        "(training goes on from the saved weights with a fresh optimizer)"]
            return []
    fitted, report = fit_weights_to_graph(session.weights, session.graph, task, session.config)
    session.weights = fitted
    session.optimizer_state = session.trainer_state = None
    return report.lines()


def ensure_weights_fit(session: Session, path: str | None = None, task: TaskSpec | None = None) -> None:
    """The last check before a save is written: the weights (if any) are exactly what the
    network holds, or SessionError (about ``path``) names the first that is not. A network
    that cannot be built passes: loading then drops its weights with a warning, as for any
    half-finished edit; so does a dataset that cannot be made (loading refuses it anyway)."""
    from playground.data import DatasetError

    if session.weights is None:
        return
    try:
        task = task if task is not None else _task(session)
    except (SessionError, DatasetError, KeyError, TypeError, ValueError):
        return
    spec = net_spec(session.graph, task)
    if spec.problem:
        return
    problem = weights_mismatch(session.weights, spec)
    if problem:
        raise SessionError(f"cannot save: the weights do not fit the network{problem}", path)
    try:
        _check_optimizer(session, spec.params)
    except SessionError as err:
        reason = err.message.removeprefix("the file is damaged: ")
        raise SessionError(f"cannot save: the optimizer state does not fit the network ({reason})", path) from None


_TASKS: dict[str, TaskSpec] = {}


def _task(session: Session) -> TaskSpec:
    """The session's TaskSpec, without regenerating a built-in dataset at every save."""
    import json

    if session.embedded_data is not None:
        t = dict(session.embedded_data["task"])
        return TaskSpec(**{**t, "input_shape": tuple(t["input_shape"]),
                           "target_shape": tuple(t.get("target_shape", ()))})
    key = json.dumps([session.dataset, session.dataset_params], sort_keys=True, default=str)
    if key not in _TASKS:
        if len(_TASKS) > 32:
            _TASKS.clear()
        _TASKS[key] = session.bundle().task
    return _TASKS[key]


def _check_optimizer(session: Session, shapes: list[tuple[int, ...]]) -> None:
    """The optimizer state against the network's parameter shapes (in the optimizer's order)."""
    opt = session.optimizer_state
    if opt is None:
        return
    _need(isinstance(opt.get("state"), dict) and isinstance(opt.get("param_groups"), list),
          "optimizer state is malformed")
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
