"""The Graph keeps its own books: group members, places in its tables and ids.

Each change goes through a Graph method that emits a signal; a group never outlives its last
block, and undo puts everything back exactly where it was.
"""

import pytest

from playground.graph.edits import RemoveNode, SetGroup, remove_nodes
from playground.graph.model import Graph, GraphEditError, Group, Node, PortRef


def grouped() -> Graph:
    """input -> fc1 -> relu1 -> output; groups g1 = [fc1, relu1], g2 = [output], g3 = [input]."""
    g = Graph()
    for nid, t, label in [("n1", "Input", "input"), ("n2", "Linear", "fc1"), ("n3", "ReLU", "relu1"),
                          ("n4", "Output", "output")]:
        g.add_node(Node(nid, t, label))
    for s, d in [("n1", "n2"), ("n2", "n3"), ("n3", "n4")]:
        g.connect(PortRef(s, "out"), PortRef(d, "in"))
    g.set_group(Group("g1", "hidden", ["n2", "n3"]))
    g.set_group(Group("g2", "head", ["n4"]))
    g.set_group(Group("g3", "feed", ["n1"]))
    return g


def test_deleting_every_block_of_a_group_removes_the_group_and_undo_brings_it_back():
    g = grouped()
    before = g.to_dict()
    delete = remove_nodes(g, ["n2", "n3"])
    delete.apply(g)
    assert "g1" not in g.groups
    assert [grp["id"] for grp in g.to_dict()["groups"]] == ["g2", "g3"]  # nothing empty is saved
    delete.revert(g)
    assert g.to_dict() == before  # g1 is back, first, with its members in order
    delete.apply(g)
    assert "g1" not in g.groups


def test_a_group_losing_its_last_block_goes_with_a_signal():
    g = grouped()
    seen = []
    g.group_changed.connect(lambda group: seen.append((group.id, group.id in g.groups)))
    edit = RemoveNode("n4")
    edit.apply(g)
    assert seen == [("g2", False)] and list(g.groups) == ["g1", "g3"]
    edit.revert(g)
    assert seen[-1] == ("g2", True) and list(g.groups) == ["g1", "g2", "g3"]


def test_membership_changes_are_graph_methods_with_signals():
    g = grouped()
    seen = []
    g.group_changed.connect(lambda group: seen.append((group.id, list(group.node_ids))))
    assert g.remove_from_group("g1", "n2") == 0
    assert g.groups["g1"].node_ids == ("n3",) and seen == [("g1", ["n3"])]
    g.add_to_group("g1", "n2", 0)
    assert g.groups["g1"].node_ids == ("n2", "n3") and seen[-1] == ("g1", ["n2", "n3"])
    assert g.remove_from_group("g2", "n4") == 0
    assert "g2" not in g.groups  # its last block left
    with pytest.raises(GraphEditError, match="already in group"):
        g.add_to_group("g1", "n2")
    with pytest.raises(GraphEditError, match="not in group"):
        g.remove_from_group("g1", "n4")
    with pytest.raises(GraphEditError, match="no group"):
        g.add_to_group("g9", "n4")


def test_removing_a_member_block_tells_its_group():
    g = grouped()
    seen = []
    g.group_changed.connect(lambda group: seen.append(list(group.node_ids)))
    removal = g.remove_node("n3")
    assert seen == [["n2"]] and removal.memberships == (("g1", 1),)
    g.restore_node(removal)
    assert g.groups["g1"].node_ids == ("n2", "n3")


def test_groups_must_name_existing_blocks_once():
    g = grouped()
    before = g.to_dict()
    for bad, why in [(Group("g5", "none", []), "at least one block"),
                     (Group("g5", "ghost", ["n2", "n99"]), "do not exist"),
                     (Group("g5", "twice", ["n2", "n2"]), "twice")]:
        with pytest.raises(GraphEditError, match=why):
            g.set_group(bad)
    assert g.to_dict() == before


def test_a_group_is_a_value_only_the_graph_changes():
    g = grouped()
    group = g.groups["g1"]
    with pytest.raises(AttributeError):
        group.node_ids.append("n4")  # type: ignore[attr-defined]
    with pytest.raises(AttributeError):
        group.title = "renamed"  # type: ignore[misc]
    g.add_to_group("g1", "n4")
    assert group.node_ids == ("n2", "n3") and g.groups["g1"].node_ids == ("n2", "n3", "n4")


def test_deleting_a_group_box_and_undoing_puts_it_back_in_its_place():
    g = grouped()
    before = g.to_dict()
    edit = SetGroup("g1", None)
    edit.apply(g)
    assert list(g.groups) == ["g2", "g3"]
    edit.revert(g)
    assert g.to_dict() == before


def test_tables_are_read_only_outside_the_graph():
    g = grouped()
    with pytest.raises(TypeError):
        g.nodes["n9"] = Node("n9", "ReLU", "r")  # type: ignore[index]
    with pytest.raises(TypeError):
        del g.groups["g1"]  # type: ignore[attr-defined]
    with pytest.raises(AttributeError):
        g.edges.clear()  # type: ignore[attr-defined]
    assert len(g.nodes) == 4 and len(g.groups) == 3 and len(g.edges) == 3


def test_ids_of_deleted_or_given_blocks_are_never_handed_out_again():
    g = grouped()
    first = g.new_id("n")
    g.add_node(Node(first, "ReLU", "r"))
    g.remove_node(first)
    assert g.new_id("n") != first  # weights keyed by the old id must not pass to a new block
    g.add_node(Node("n40", "ReLU", "r40"))
    assert g.new_id("n") == "n41"
    g.connect(PortRef("n40", "out"), PortRef("n1", "in"), "e17")
    assert g.new_id("e") == "e18"


def test_a_saved_empty_group_is_dropped_on_load():
    data = grouped().to_dict()
    data["groups"].append({"id": "g7", "title": "left over", "node_ids": []})
    data["groups"].append({"id": "g8", "title": "gone", "node_ids": ["n99"]})
    data["groups"].append({"id": "g9", "title": "doubled", "node_ids": ["n1", "n1"]})
    g = Graph.from_dict(data)
    assert list(g.groups) == ["g1", "g2", "g3", "g9"] and g.groups["g9"].node_ids == ("n1",)
    assert g.new_id("g") == "g10"
