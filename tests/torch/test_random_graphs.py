"""Property tests over random graphs built from the whole block library.

Valid graphs (grown one block at a time, keeping only blocks the checker accepts)
must compile, run, produce exactly the inferred shape on every wire, and export to
code that computes the same outputs. Random junk (random wiring, params, types,
cycles, missing inputs) must give diagnostics and never an exception.
"""

from __future__ import annotations

import math
import random
from typing import Any

import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from playground.compile import CompileError, check, compile_graph
from playground.compile.blocks import BLOCKS
from playground.export.python_code import export_python
from playground.graph.model import Graph, GraphEditError, Node, PortRef
from playground.graph.spec import ParamSpec, Shape, ShapeReport, TaskSpec

BATCH = 3
MAX_WIRE = 4096  # keep random networks small enough to run in milliseconds
SPECIAL = {"Input", "Output", "Embedding", "Parameter", "Constant"}
UNARY = sorted(t for t, b in BLOCKS.items() if t not in SPECIAL
               and [p.name for p in b.inputs] == ["in"] and [p.name for p in b.outputs] == ["out"])
JOINS = ["Add", "Multiply", "Mean", "Concat"]
SETTINGS = settings(max_examples=70, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def numel(shape: Shape) -> int:
    return math.prod(shape)


def draw_param(rng: random.Random, spec: ParamSpec, shape: Shape) -> Any:
    """A random legal value, kept small (sizes up to 7) so random networks stay tiny."""
    if spec.optional and rng.random() < 0.5:
        return None
    if spec.kind == "bool":
        return rng.random() < 0.5
    if spec.kind == "choice":
        return rng.choice(spec.choices)
    if spec.kind == "int":
        lo = int(spec.min) if spec.min is not None else 0
        hi = int(spec.max) if spec.max is not None else lo + 6
        return rng.randint(lo, min(hi, max(lo, 0) + 6))
    if spec.kind == "float":
        lo = spec.min if spec.min is not None else -2.0
        hi = spec.max if spec.max is not None else lo + 2.0
        return rng.uniform(lo, min(hi, lo + 2.0))
    if spec.kind == "ints":
        if spec.name == "shape":  # Reshape: same elements, rearranged
            return rng.choice([[numel(shape)], list(reversed(shape)), [-1], [*shape[:-1], -1]])
        return [rng.randint(1, 6) for _ in range(rng.randint(1, 3))]
    return spec.default


class Grower:
    """Grows a valid graph: each new block stays only if the checker accepts it."""

    def __init__(self, seed: int, task: TaskSpec) -> None:
        # A seeded generator (rather than one hypothesis draw per choice) spreads the
        # choices evenly over the whole library; the failing seed is still reported.
        self.rng = random.Random(seed)
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
        return options[max(self.rng.randrange(len(options)), len(options) - 3)]

    def params_for(self, type_: str, shape: Shape) -> dict[str, Any]:
        return {p.name: draw_param(self.rng, p, shape) for p in BLOCKS[type_].params
                if self.rng.random() < 0.7}  # leave some params at their defaults

    def step(self) -> None:
        action = self.rng.choice(["unary"] * 8 + ["join", "split", "source", "cross", "vae"])
        tip = self.pick()
        assert tip is not None
        nid, port, shape = tip
        if action == "unary":
            type_ = self.rng.choice(UNARY)
            self.add(type_, self.params_for(type_, shape), {"in": (nid, port)})
        elif action == "join":
            other = self.pick(shape=shape)
            assert other is not None
            self.add(self.rng.choice(JOINS), {}, {"a": (nid, port), "b": other[:2]})
        elif action == "split":
            self.add("Split", {}, {"in": (nid, port)})
        elif action == "source":
            source = self.rng.choice(["Parameter", "Constant"])
            params = self.params_for(source, shape) | {"shape": list(shape)}
            if self.add(source, params, {}):
                src = self.tensors.pop()  # a (1, ...) tensor that broadcasts over the batch: only join it
                self.add(self.rng.choice(["Add", "Multiply"]), {},
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
        shape = (draw(st.integers(1, 3)), draw(st.integers(2, 12)), draw(st.integers(2, 12)))
    else:
        return TaskSpec("regression", (draw(dim),), "long", target_shape=(1,), vocab_size=draw(st.integers(2, 7)))
    return TaskSpec("regression", shape, target_shape=(1,))


def sample_input(task: TaskSpec) -> torch.Tensor:
    if task.input_dtype == "long":
        return torch.randint(0, task.vocab_size, (BATCH, *task.input_shape))
    return torch.randn(BATCH, *task.input_shape)


def grow_valid_graph(task: TaskSpec, seed: int) -> tuple[Graph, TaskSpec]:
    """A random valid network on ``task``'s input, and the task whose target fits its output."""
    grower = Grower(seed, task)
    assert grower.add("Input", {}, {})
    if task.input_dtype == "long":  # token ids only make sense to an Embedding
        input_tensor = grower.tensors.pop()
        params = {"embedding_dim": grower.rng.randint(1, 6), "num_embeddings": task.vocab_size}
        assert grower.add("Embedding", params, {"in": input_tensor[:2]})
    for _ in range(grower.rng.randint(1, 7)):
        grower.step()
    tip_id, tip_port, tip_shape = grower.tensors[-1]
    task = TaskSpec("regression", task.input_shape, task.input_dtype, target_shape=tip_shape,
                    vocab_size=task.vocab_size)
    out = grower.graph.add_node(Node(grower.graph.new_id("n"), "Output", "out"))
    grower.graph.connect(PortRef(tip_id, tip_port), PortRef(out.id, "in"))
    return grower.graph, task


def assert_runs_as_inferred(graph: Graph, task: TaskSpec, report: ShapeReport) -> None:
    """Compile, run, compare every wire's real shape with the inferred one, export and compare outputs."""
    model = compile_graph(graph, task)
    model.taps = set(graph.nodes)
    x = sample_input(task)
    y = model(x)
    assert tuple(y.shape) == (BATCH, *model.output_shape)
    for nid, captured in model.captured.items():  # every block's real output matches its shape rule
        first_port = next(iter(report.node_outputs[nid].values()))
        assert captured.shape[0] == BATCH and tuple(captured.shape[1:]) == first_port, graph.nodes[nid].type

    model.eval()
    namespace: dict[str, Any] = {}
    exec(compile(export_python(graph, task), "<exported>", "exec"), namespace)
    exported = namespace["Net"]()
    exported.load_state_dict(model.readable_state_dict(), strict=True)
    exported.eval()
    with torch.no_grad():
        assert torch.allclose(exported(x), model(x), rtol=1e-4, atol=1e-5, equal_nan=True)


SEEDS = st.integers(0, 2**32 - 1)


@SETTINGS
@given(task=input_tasks(), seed=SEEDS)
def test_random_valid_graphs_run_with_the_inferred_shapes(task, seed):
    graph, task = grow_valid_graph(task, seed)
    report = check(graph, task)
    assert report.ok, [str(d) for d in report.errors]
    torch.manual_seed(seed % 1000)
    assert_runs_as_inferred(graph, task, report)


def reads_input(graph: Graph) -> bool:
    """Whether the Output depends on the Input."""
    output = next(n.id for n in graph.nodes.values() if n.type == "Output")
    seen, frontier = {output}, [output]
    while frontier:
        for e in graph.edges_into(frontier.pop()):
            if e.src.node_id not in seen:
                seen.add(e.src.node_id)
                frontier.append(e.src.node_id)
    return any(graph.nodes[n].type == "Input" for n in seen)


def mutate(graph: Graph, rng: random.Random) -> None:
    """One random edit a person might make: a param, a wire, a block removed or retyped."""
    nodes = list(graph.nodes.values())
    node = rng.choice(nodes)
    what = rng.choice(["param", "param", "unwire", "rewire", "remove", "retype"])
    block = BLOCKS.get(node.type)
    if what == "param" and block is not None and block.params:
        spec = rng.choice(block.params)
        graph.set_param(node.id, spec.name, draw_param(rng, spec, (4, 4)))
    elif what == "unwire" and graph.edges:
        graph.disconnect(rng.choice(list(graph.edges)))
    elif what == "rewire":
        src = rng.choice(nodes)
        dst = rng.choice(nodes)
        dst_block = BLOCKS.get(dst.type)
        if dst_block is not None and dst_block.inputs:
            port = rng.choice(dst_block.inputs).name
            taken = graph.edge_into(PortRef(dst.id, port))
            if taken is not None:
                graph.disconnect(taken.id)
            try:
                graph.connect(PortRef(src.id, "out"), PortRef(dst.id, port))
            except GraphEditError:
                pass
    elif what == "remove":
        graph.remove_node(node.id)
    elif what == "retype" and node.type not in ("Input", "Output"):
        node.type = rng.choice(UNARY)


@SETTINGS
@given(task=input_tasks(), seed=SEEDS)
def test_edited_graphs_are_either_reported_or_run_as_inferred(task, seed):
    graph, task = grow_valid_graph(task, seed)
    rng = random.Random(seed + 1)
    for _ in range(rng.randint(1, 3)):
        mutate(graph, rng)
    report = check(graph, task)
    assert not any("cannot work out shapes" in d.message for d in report.diagnostics), report.diagnostics
    if not report.ok:
        try:
            compile_graph(graph, task)
        except CompileError as err:
            assert err.diagnostics
            return
        raise AssertionError("a graph with errors compiled")
    torch.manual_seed(seed % 1000)
    assert_runs_as_inferred(graph, task, report)


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
        src_ports = [p.name for p in src_block.outputs] if src_block else []
        dst_ports = [p.name for p in dst_block.inputs] if dst_block else []
        src_port = draw(st.sampled_from([*src_ports, "zz"]))
        dst_port = draw(st.sampled_from([*dst_ports, "in", "zz"]))
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
