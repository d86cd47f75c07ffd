"""Graph model: mutations, change signals, serialisation and hostile input."""

import json
import math

import pytest

from playground.graph.model import Edge, Graph, GraphEditError, GraphFormatError, Node, PortRef


def chain(*types: str) -> Graph:
    g = Graph()
    prev = None
    for t in types:
        nid = g.new_id("n")
        g.add_node(Node(nid, t, t.lower() + "1", {}, (len(g.nodes) * 100.0, 0.0)))
        if prev:
            g.connect(PortRef(prev, "out"), PortRef(nid, "in"))
        prev = nid
    return g


class Recorder:
    """Subscribes to every signal of a graph and remembers what was emitted."""

    def __init__(self, g: Graph) -> None:
        self.events: list[tuple] = []
        for name in ("node_added", "node_removed", "edge_added", "edge_removed", "node_changed",
                     "group_changed", "changed"):
            getattr(g, name).connect(lambda *args, _n=name: self.events.append((_n, *args)))

    def names(self) -> list[str]:
        return [e[0] for e in self.events]


def test_add_connect_remove_emit_signals_in_order():
    g = Graph()
    rec = Recorder(g)
    a = g.add_node(Node("n1", "Input", "input"))
    b = g.add_node(Node("n2", "Output", "output"))
    e = g.connect(PortRef("n1", "out"), PortRef("n2", "in"))
    assert rec.names() == ["node_added", "changed", "node_added", "changed", "edge_added", "changed"]
    assert rec.events[0][1] is a and rec.events[2][1] is b and rec.events[4][1] is e
    rec.events.clear()
    removal = g.remove_node("n1")
    assert removal.node is a and removal.removed_edges == [e]
    assert rec.names() == ["edge_removed", "changed", "node_removed", "changed"]
    assert list(g.nodes) == ["n2"] and g.edges == {}


def test_param_rename_and_move_report_what_changed():
    g = chain("Input", "Linear")
    rec = Recorder(g)
    assert g.set_param("n2", "out_features", 8) is None
    g.rename_node("n2", "fc1")
    g.move_node("n2", (5, 6))
    changes = [e[2] for e in rec.events if e[0] == "node_changed"]
    assert changes == ["params", "label", "pos"]
    assert g.nodes["n2"].params == {"out_features": 8}
    assert g.nodes["n2"].label == "fc1" and g.nodes["n2"].pos == (5.0, 6.0)
    # a move alone does not ask for a re-check
    assert rec.names()[-1] == "node_changed"


def test_set_param_copies_mutable_values():
    g = chain("Reshape")
    shape = [1, 8, 8]
    g.set_param("n1", "shape", shape)
    shape.append(3)
    assert g.nodes["n1"].params["shape"] == [1, 8, 8]


def test_wiring_rules_raise_clear_edit_errors():
    g = chain("Input", "Linear")
    g.add_node(Node("n3", "Output", "output"))
    with pytest.raises(GraphEditError, match="already wired"):
        g.connect(PortRef("n1", "out"), PortRef("n2", "in"))
    with pytest.raises(GraphEditError, match="itself"):
        g.connect(PortRef("n2", "out"), PortRef("n2", "in"))
    with pytest.raises(GraphEditError, match="does not exist"):
        g.connect(PortRef("n9", "out"), PortRef("n3", "in"))
    with pytest.raises(GraphEditError, match="no wire"):
        g.disconnect("e99")
    with pytest.raises(GraphEditError, match="no block"):
        g.set_param("n99", "x", 1)
    with pytest.raises(GraphEditError, match="already exists"):
        g.add_node(Node("n1", "ReLU", "relu"))


def test_labels_stay_unique_identifiers():
    g = Graph()
    g.add_node(Node("n1", "Linear", "fc"))
    second = g.add_node(Node("n2", "Linear", "fc"))
    odd = g.add_node(Node("n3", "Conv2d", "3 bad name!"))
    labels = [n.label for n in g.nodes.values()]
    assert len(set(labels)) == 3 and second.label != "fc"
    assert odd.label.isidentifier()
    with pytest.raises(GraphEditError, match="already called"):
        g.rename_node("n2", "fc")
    with pytest.raises(GraphEditError, match="not a valid name"):
        g.rename_node("n2", "has space")
    assert g.node_by_label("fc").id == "n1"


def test_new_ids_never_reuse_existing_ones():
    g = Graph.from_dict({"nodes": [{"id": "n7", "type": "ReLU", "label": "r"}]})
    assert g.new_id("n") == "n8"
    g.add_node(Node("n9", "ReLU", "r2"))
    assert g.new_id("n") == "n10"


def test_round_trip_is_json_safe_and_exact():
    g = chain("Input", "Linear", "ReLU", "Output")
    g.set_param("n2", "out_features", 3)
    g.set_param("n2", "bias", False)
    from playground.graph.model import Group

    g.set_group(Group("g1", "encoder", ["n2", "n3"]))
    data = json.loads(json.dumps(g.to_dict()))
    again = Graph.from_dict(data)
    assert again.to_dict() == g.to_dict()
    assert g.copy().to_dict() == g.to_dict() and g.copy() is not g
    # the copy is independent
    again.set_param("n2", "out_features", 9)
    assert g.nodes["n2"].params["out_features"] == 3


def test_remove_node_drops_it_from_groups_and_clear_empties():
    g = chain("Input", "Linear", "Output")
    from playground.graph.model import Group

    g.set_group(Group("g1", "box", ["n1", "n2"]))
    g.remove_node("n2")
    assert g.groups["g1"].node_ids == ("n1",)
    g.clear()
    assert g.nodes == {} and g.edges == {} and g.groups == {}


def test_a_failing_listener_does_not_stop_others_or_the_mutation():
    g = Graph()
    seen = []

    def bad(node):
        raise RuntimeError("listener bug")

    g.node_added.connect(bad)
    g.node_added.connect(seen.append)
    with pytest.raises(RuntimeError):
        g.add_node(Node("n1", "ReLU", "relu"))
    assert "n1" in g.nodes and [n.id for n in seen] == ["n1"]


# ---------------------------------------------------------------- hostile input
def good_dict() -> dict:
    return chain("Input", "Linear", "Output").to_dict()


def problems_of(data) -> list[str]:
    with pytest.raises(GraphFormatError) as info:
        Graph.from_dict(data)
    assert info.value.problems, "a rejected graph must say why"
    assert str(info.value).startswith("invalid graph:")
    return info.value.problems


@pytest.mark.parametrize("data", [None, 3, "graph", [1, 2]])
def test_not_an_object(data):
    assert "must be an object" in problems_of(data)[0]


def test_missing_or_wrong_top_level_keys():
    assert "'nodes' must be a list" in problems_of({"edges": []})[0]
    assert "'nodes' must be a list" in problems_of({"nodes": {"a": 1}})[0]
    assert "must be lists" in problems_of({"nodes": [], "edges": "e1"})[0]
    assert "newer" in problems_of({"schema": 99, "nodes": []})[0]
    assert "newer" in problems_of({"schema": "1", "nodes": []})[0]


def test_every_bad_node_is_listed_with_where_it_is():
    d = good_dict()
    d["nodes"] += [
        "not a node",
        {"type": "ReLU", "label": "nolabel_id"},
        {"id": "n1", "type": "ReLU", "label": "dup"},
        {"id": "x1", "label": "notype"},
        {"id": "x2", "type": 5, "label": "wrongtype"},
        {"id": "x3", "type": "ReLU", "label": "input"},
        {"id": "x4", "type": "ReLU", "label": "ok4", "params": [1]},
        {"id": "x5", "type": "ReLU", "label": "ok5", "pos": [float("nan"), 0.0]},
        {"id": "x6", "type": "ReLU", "label": "ok6", "pos": [1.0]},
        {"id": "x7", "type": "ReLU", "label": "ok7", "pos": ["1", 2]},
        {"id": "x8", "type": "Linear", "label": "ok8", "params": {"out_features": float("inf")}},
        {"id": "x9", "type": "Linear", "label": "ok9", "params": {"shape": list(range(10_000))}},
        {"id": "x10", "type": "Linear", "label": "ok10", "params": {"nested": {"a": 1}}},
        {"id": "x11", "type": "ReLU", "label": "ok11", "pos": [1e300, 0]},
    ]
    problems = problems_of(d)
    text = "\n".join(problems)
    assert len(problems) == 13
    assert "block #3: must be an object" in text
    assert "block #4: missing or invalid 'id'" in text
    assert "block 'n1': duplicate id" in text
    assert "block 'x1': missing or invalid 'type'" in text
    assert "block 'x2': missing or invalid 'type'" in text
    assert "'x3'" not in text  # a valid block among bad ones is not blamed
    for nid in ("x5", "x6", "x7", "x11"):
        assert f"block '{nid}': 'pos' must be two finite numbers" in text
    for nid in ("x8", "x9", "x10"):
        assert f"block '{nid}': params" in text


def test_duplicate_labels_are_rejected():
    d = good_dict()
    d["nodes"].append({"id": "x1", "type": "ReLU", "label": d["nodes"][0]["label"]})
    assert "duplicate label" in problems_of(d)[0]


def test_bad_wires_are_listed():
    d = good_dict()
    d["edges"] += [
        {"id": "e1", "src": ["n1", "out"], "dst": ["n3", "in"]},  # duplicate id
        {"id": "x1", "src": ["n1", "out"], "dst": ["ghost", "in"]},  # dangling
        {"id": "x2", "src": "n1.out", "dst": ["n3", "in"]},
        {"id": "x3", "src": ["n1", "out"], "dst": ["n2", "in"]},  # input wired twice
        {"id": "x4", "src": ["n2", "out"], "dst": ["n2", "in"]},
        {"src": ["n1", "out"], "dst": ["n3", "in"]},
        7,
    ]
    text = "\n".join(problems_of(d))
    assert "wire #2: missing, invalid or duplicate 'id'" in text
    assert "wire 'x1': refers to missing block(s) ['ghost']" in text
    assert "wire 'x2': 'src'/'dst' must be [block id, port]" in text
    assert "wire 'x3': input 'in' of 'n2' is wired twice" in text
    assert "wire #7: missing, invalid or duplicate 'id'" in text
    assert "wire #8: must be an object" in text


def test_bad_groups_are_listed_and_unknown_members_dropped():
    d = good_dict()
    d["groups"] = [{"id": "g1", "title": "ok", "node_ids": ["n1", "ghost", 3]}]
    assert Graph.from_dict(d).groups["g1"].node_ids == ("n1",)
    d["groups"].append({"title": "no id"})
    assert "group #1" in problems_of(d)[0]


def test_huge_lists_are_refused_before_parsing():
    node = {"id": "n1", "type": "ReLU", "label": "r"}
    problems = problems_of({"nodes": [node] * 1_000_000})
    assert "too large" in problems[0] and len(problems) == 1
    problems = problems_of({"nodes": [], "edges": [{}] * 1_000_000})
    assert "too large" in problems[0]


def test_problems_do_not_leave_a_half_built_graph():
    d = good_dict()
    d["edges"].append({"id": "x1", "src": ["n1", "out"], "dst": ["ghost", "in"]})
    with pytest.raises(GraphFormatError):
        Graph.from_dict(d)
    from playground.graph.serialize import parse_graph_dict

    with pytest.raises(GraphFormatError):
        parse_graph_dict(d)


def test_integers_in_positions_load_as_floats():
    d = good_dict()
    d["nodes"][0]["pos"] = [3, -4]
    pos = Graph.from_dict(d).nodes["n1"].pos
    assert pos == (3.0, -4.0) and all(isinstance(v, float) and math.isfinite(v) for v in pos)


def test_edge_and_node_to_dict_shapes():
    e = Edge("e1", PortRef("a", "out"), PortRef("b", "in"))
    assert e.to_dict() == {"id": "e1", "src": ["a", "out"], "dst": ["b", "in"]}
    n = Node("n1", "Linear", "fc1", {"out_features": 4}, (1, 2))
    assert n.to_dict()["pos"] == [1.0, 2.0]
