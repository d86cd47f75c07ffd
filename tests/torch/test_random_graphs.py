"""Property tests over random graphs built from the whole block library.

Valid graphs (grown one block at a time, keeping only blocks the checker accepts)
must compile, run, produce exactly the inferred shape on every wire, and export to
code that computes the same outputs. Random junk (random wiring, params, types,
cycles, missing inputs) must give diagnostics and never an exception.
"""

from __future__ import annotations

import math
from typing import Any

import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from playground.compile import CompileError, check, compile_graph
from playground.compile.blocks import BLOCKS
from playground.compile.export_code import export_python
from playground.graph.model import Graph, GraphEditError, Node, PortRef
from playground.graph.spec import ParamSpec, Shape, TaskSpec

BATCH = 3
MAX_WIRE = 4096  # keep random networks small enough to run in milliseconds
SPECIAL = {"Input", "Output", "Embedding", "Parameter", "Constant"}
UNARY = sorted(t for t, b in BLOCKS.items() if t not in SPECIAL
               and [p.name for p in b.inputs] == ["in"] and [p.name for p in b.outputs] == ["out"])
JOINS = ["Add", "Multiply", "Mean", "Concat"]
SETTINGS = settings(max_examples=70, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def numel(shape: Shape) -> int:
    return math.prod(shape)


def draw_param(data: st.DataObject, spec: ParamSpec, shape: Shape) -> Any:
    """A random legal value, kept small (sizes up to 7) so random networks stay tiny."""
    if spec.optional and data.draw(st.booleans()):
        return None
    if spec.kind == "bool":
        return data.draw(st.booleans())
    if spec.kind == "choice":
        return data.draw(st.sampled_from(spec.choices))
    if spec.kind == "int":
        lo = int(spec.min) if spec.min is not None else 0
        hi = int(spec.max) if spec.max is not None else lo + 6
        return data.draw(st.integers(lo, min(hi, max(lo, 0) + 6)))
    if spec.kind == "float":
        lo = spec.min if spec.min is not None else -2.0
        hi = spec.max if spec.max is not None else lo + 2.0
        return data.draw(st.floats(lo, min(hi, lo + 2.0), allow_nan=False))
    if spec.kind == "ints":
        if spec.name == "shape":  # Reshape: same elements, rearranged
            return data.draw(st.sampled_from([[numel(shape)], list(reversed(shape)), [-1], [*shape[:-1], -1]]))
        return data.draw(st.lists(st.integers(1, 6), min_size=1, max_size=3))
    return spec.default


class Grower:
    """Grows a valid graph: each new block stays only if the checker accepts it."""

    def __init__(self, data: st.DataObject, task: TaskSpec) -> None:
        self.data = data
        self.task = task
        self.graph = Graph()
        self.tensors: list[tuple[str, str, Shape]] = []  # (node id, port, shape) available to feed

    def add(self, type_: str, params: dict[str, Any], wires: dict[str, tuple[str, str]]) -> bool:
        nid = self.graph.new_id("n")
        self.graph.add_node(Node(nid, type_, self.graph.unique_label(type_), params))
        for port, (src, src_port) in wires.items():
            self.graph.connect(PortRef(src, src_port), PortRef(nid, port))
        report = check(self.graph, self.task)
        outs = report.node_outputs.get(nid)
        if (outs is None or any(d.node_id == nid and d.severity == "error" for d in report.diagnostics)
                or any(numel(s) > MAX_WIRE for s in outs.values())):
            self.graph.remove_node(nid)
            return False
        assert not [d for d in report.errors if d.node_id is not None], report.errors
        self.tensors += [(nid, port, shape) for port, shape in outs.items()]
        return True

    def pick(self, rank: int | None = None, shape: Shape | None = None) -> tuple[str, str, Shape] | None:
        options = [t for t in self.tensors if (rank is None or len(t[2]) == rank)
                   and (shape is None or t[2] == shape)]
        if not options:
            return None
        # favour recent tensors so the network grows deep rather than only wide
        index = self.data.draw(st.integers(0, len(options) - 1).map(lambda i: max(i, len(options) - 3)))
        return options[index]

    def params_for(self, type_: str, shape: Shape) -> dict[str, Any]:
        return {p.name: draw_param(self.data, p, shape) for p in BLOCKS[type_].params
                if self.data.draw(st.booleans())}  # leave some params at their defaults

    def step(self) -> None:
        action = self.data.draw(st.sampled_from(["unary"] * 6 + ["join", "split", "source", "cross", "vae"]))
        tip = self.pick()
        assert tip is not None
        nid, port, shape = tip
        if action == "unary":
            type_ = self.data.draw(st.sampled_from(UNARY))
            self.add(type_, self.params_for(type_, shape), {"in": (nid, port)})
        elif action == "join":
            other = self.pick(shape=shape)
            assert other is not None
            self.add(self.data.draw(st.sampled_from(JOINS)), {}, {"a": (nid, port), "b": other[:2]})
        elif action == "split":
            self.add("Split", {}, {"in": (nid, port)})
        elif action == "source":
            source = self.data.draw(st.sampled_from(["Parameter", "Constant"]))
            params = self.params_for(source, shape) | {"shape": list(shape)}
            if self.add(source, params, {}):
                src = self.tensors[-1]
                self.add(self.data.draw(st.sampled_from(["Add", "Multiply"])), {},
                         {"a": (nid, port), "b": src[:2]})
        elif action == "cross" and len(shape) == 2:
            context = self.pick(rank=2)
            assert context is not None
            self.add("CrossAttention", self.params_for("CrossAttention", shape),
                     {"query": (nid, port), "context": context[:2]})
        elif action == "vae":
            self.add("VAESampler", self.params_for("VAESampler", shape), {"mean": (nid, port), "logvar": (nid, port)})


@st.composite
def input_tasks(draw: st.DrawFn) -> TaskSpec:
    dim = st.integers(1, 6)
    kind = draw(st.sampled_from(["vectors", "sequences", "images", "tokens"]))
    if kind == "vectors":
        shape: Shape = (draw(dim),)
    elif kind == "sequences":
        shape = (draw(dim), draw(dim))
    elif kind == "images":
        shape = (draw(st.integers(1, 3)), draw(st.integers(2, 9)), draw(st.integers(2, 9)))
    else:
        return TaskSpec("regression", (draw(dim),), "long", target_shape=(1,), vocab_size=draw(st.integers(2, 7)))
    return TaskSpec("regression", shape, target_shape=(1,))


def sample_input(task: TaskSpec) -> torch.Tensor:
    if task.input_dtype == "long":
        return torch.randint(0, task.vocab_size, (BATCH, *task.input_shape))
    return torch.randn(BATCH, *task.input_shape)


@SETTINGS
@given(task=input_tasks(), data=st.data())
def test_random_valid_graphs_run_with_the_inferred_shapes(task, data):
    grower = Grower(data, task)
    assert grower.add("Input", {}, {})
    if task.input_dtype == "long":  # token ids only make sense to an Embedding
        input_tensor = grower.tensors.pop()
        params = {"embedding_dim": data.draw(st.integers(1, 6)), "num_embeddings": task.vocab_size}
        assert grower.add("Embedding", params, {"in": input_tensor[:2]})
    for _ in range(data.draw(st.integers(1, 6))):
        grower.step()
    tip_id, tip_port, tip_shape = grower.tensors[-1]
    task = TaskSpec("regression", task.input_shape, task.input_dtype, target_shape=tip_shape,
                    vocab_size=task.vocab_size)
    out = grower.graph.add_node(Node(grower.graph.new_id("n"), "Output", "out"))
    grower.graph.connect(PortRef(tip_id, tip_port), PortRef(out.id, "in"))
    report = check(grower.graph, task)
    assert report.ok, [str(d) for d in report.errors]

    torch.manual_seed(data.draw(st.integers(0, 1000)))
    model = compile_graph(grower.graph, task)
    model.taps = set(grower.graph.nodes)
    x = sample_input(task)
    y = model(x)
    assert tuple(y.shape) == (BATCH, *tip_shape)
    for nid, captured in model.captured.items():  # every block's real output matches its shape rule
        first_port = next(iter(report.node_outputs[nid].values()))
        assert tuple(captured.shape) == (BATCH, *first_port), grower.graph.nodes[nid].type

    model.eval()
    namespace: dict[str, Any] = {}
    exec(compile(export_python(grower.graph, task), "<exported>", "exec"), namespace)  # noqa: S102
    exported = namespace["Net"]()
    exported.load_state_dict(model.state_dict(), strict=True)
    exported.eval()
    with torch.no_grad():
        assert torch.allclose(exported(x), model(x), rtol=1e-4, atol=1e-5, equal_nan=True)


JUNK_VALUES = st.one_of(
    st.integers(-3, 12), st.just(10**9), st.floats(allow_nan=True, allow_infinity=True), st.booleans(),
    st.none(), st.text(max_size=4), st.lists(st.integers(-2, 6), max_size=10), st.sampled_from(["auto", "pre"]),
)
TYPES = st.one_of(st.sampled_from(sorted(BLOCKS)), st.sampled_from(["Nope", "linear", ""]))
TASKS = st.one_of(st.none(), input_tasks(),
                  st.just(TaskSpec("classification", (2,), num_classes=3)),
                  st.just(TaskSpec("sequence", (5,), "long", target_shape=(5,), num_classes=4, vocab_size=4)))


@st.composite
def junk_graphs(draw: st.DrawFn) -> Graph:
    graph = Graph()
    for i in range(draw(st.integers(0, 8))):
        type_ = draw(TYPES)
        block = BLOCKS.get(type_)
        names = [p.name for p in block.params] if block else []
        keys = draw(st.lists(st.sampled_from([*names, "bogus"]), max_size=4))
        params = {k: draw(JUNK_VALUES) for k in keys}
        graph.add_node(Node(f"n{i}", type_, f"b{i}", params))
    ids = list(graph.nodes)
    for _ in range(draw(st.integers(0, 12)) if ids else 0):
        src, dst = draw(st.sampled_from(ids)), draw(st.sampled_from(ids))
        src_block, dst_block = BLOCKS.get(graph.nodes[src].type), BLOCKS.get(graph.nodes[dst].type)
        src_port = draw(st.sampled_from([p.name for p in src_block.outputs] if src_block else []) | st.just("zz"))
        dst_port = draw(st.sampled_from([p.name for p in dst_block.inputs] if dst_block else []) | st.just("in"))
        try:
            graph.connect(PortRef(src, src_port), PortRef(dst, dst_port))
        except GraphEditError:
            pass  # self-wires and doubly wired inputs are refused by the editor itself
    return graph


@SETTINGS
@given(graph=junk_graphs(), task=TASKS)
def test_random_junk_gives_diagnostics_never_exceptions(graph, task):
    report = check(graph, task)
    for d in report.diagnostics:
        assert d.severity in ("error", "warning") and d.message
        assert d.node_id is None or d.node_id in graph.nodes
        assert d.edge_id is None or d.edge_id in graph.edges
        assert "cannot work out shapes" not in d.message, d.message  # a shape rule tripped over legal params
    try:
        model = compile_graph(graph, task)
    except CompileError as err:
        assert not report.ok and err.diagnostics
        return
    assert report.ok
    model.eval()
    with torch.no_grad():
        y = model(sample_input(task))
    assert tuple(y.shape[1:]) == tuple(model.output_shape)


def test_cycles_and_unknown_blocks_are_named():
    graph = Graph()
    for nid, type_ in [("i", "Input"), ("a", "Linear"), ("b", "ReLU"), ("o", "Output"), ("u", "Wobble")]:
        graph.add_node(Node(nid, type_, f"blk_{nid}"))
    for src, dst in [("a", "b"), ("b", "a"), ("i", "o")]:
        graph.connect(PortRef(src, "out"), PortRef(dst, "in"))
    messages = [d.message for d in check(graph, TaskSpec("regression", (2,), target_shape=(2,))).errors]
    assert any('"blk_a" is part of a cycle' in m for m in messages)
    assert any("Unknown block type 'Wobble'" in m for m in messages)
    try:
        compile_graph(graph, TaskSpec("regression", (2,), target_shape=(2,)))
    except CompileError as err:
        assert any("cycle" in d.message for d in err.diagnostics)
    else:
        raise AssertionError("a graph with a cycle compiled")
