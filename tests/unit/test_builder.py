"""GraphBuilder: graphs built in a few lines are the graphs a person would get through the edits."""

import pytest

from playground.graph.builder import GraphBuilder, chain_graph
from playground.graph.edits import AddNode, Connect
from playground.graph.model import Graph, GraphEditError, PortRef


def test_ids_and_default_labels_are_those_of_the_edits_the_app_applies():
    by_hand = Graph()
    for type_, params in (("Input", {}), ("Linear", {"out_features": 4}), ("Linear", {}), ("Output", {})):
        AddNode(type_, params).apply(by_hand)
    for a, b in (("n1", "n2"), ("n2", "n3"), ("n3", "n4")):
        Connect(PortRef(a, "out"), PortRef(b, "in")).apply(by_hand)
    built = chain_graph(("Linear", {"out_features": 4}), ("Linear", {}))
    assert built.to_dict() == by_hand.to_dict()
    assert [n.label for n in built.nodes.values()] == ["input1", "linear1", "linear2", "output1"]


def test_labels_ports_and_sources_name_what_they_wire():
    b = (GraphBuilder().then("Input", "x").then("Linear", "stats", out_features=8).then("Split", "halves")
         .add("VAESampler", "z", "halves:a", port="mean").wire("halves", "z", "logvar", "b")
         .add("Linear", "dec", "z:z", out_features=3))
    g = b.graph
    wires = {(g.nodes[e.src.node_id].label, e.src.port, g.nodes[e.dst.node_id].label, e.dst.port)
             for e in g.edges.values()}
    assert wires == {("x", "out", "stats", "in"), ("stats", "out", "halves", "in"), ("halves", "a", "z", "mean"),
                     ("halves", "b", "z", "logvar"), ("z", "z", "dec", "in")}
    assert b.last == "dec" and b.node("stats").params == {"out_features": 8}


def test_a_taken_label_is_made_unique_and_last_says_which():
    b = GraphBuilder().add("ReLU", "act").add("ReLU", "act")
    assert b.last != "act" and b.node(b.last).type == "ReLU" and len(b.graph.nodes) == 2


def test_mistakes_name_the_block_or_the_wire():
    b = GraphBuilder().then("Input", "x").then("Linear", "fc")
    with pytest.raises(KeyError, match=r"no block labelled 'nope' .*x, fc"):
        b.wire("nope", "fc")
    with pytest.raises(GraphEditError):
        b.wire("x", "fc")  # its input is taken already


def test_laid_out_places_a_chain_left_to_right():
    g = GraphBuilder().then("Input").then("ReLU").then("Output").laid_out()
    xs = [n.pos[0] for n in g.nodes.values()]
    assert xs == sorted(xs) and len(set(xs)) == 3
