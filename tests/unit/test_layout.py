"""auto_layout: left to right, no overlaps, straight chains, few crossings."""

import math
import random

from playground.graph.builder import GraphBuilder
from playground.graph.layout import COLUMN_GAP, ROW_GAP, auto_layout, count_crossings
from playground.graph.model import Graph, Node, PortRef
from playground.graph.templates import TEMPLATES


def build(n_nodes: int, wires: list[tuple[int, int]], ports: dict[int, list[str]] | None = None,
          ys: list[float] | None = None) -> Graph:
    b = GraphBuilder()
    for i in range(n_nodes):
        b.add("ReLU", f"b{i}", node_id=f"n{i}", pos=(0.0, ys[i] if ys else 0.0))
    used: dict[int, int] = {}
    for s, d in wires:
        k = used.get(d, 0)
        used[d] = k + 1
        b.wire(f"b{s}", f"b{d}", (ports or {}).get(d, ["in", "b", "c", "d"])[k])
    return b.graph


def assert_tidy(g: Graph, pos: dict) -> None:
    assert set(pos) == set(g.nodes)
    assert all(math.isfinite(x) and math.isfinite(y) for x, y in pos.values())
    for e in g.edges.values():
        assert pos[e.src.node_id][0] < pos[e.dst.node_id][0], "wires must flow left to right"
    cells = {}
    for nid, (x, y) in pos.items():
        for other, (ox, oy) in cells.items():
            assert ox != x or abs(oy - y) >= ROW_GAP - 1e-6, f"{nid} overlaps {other}"
        cells[nid] = (x, y)


def test_empty_and_single():
    assert auto_layout(Graph()) == {}
    g = build(1, [])
    assert auto_layout(g) == {"n0": (0.0, 0.0)}


def test_chain_is_one_straight_row_in_columns():
    g = build(5, [(0, 1), (1, 2), (2, 3), (3, 4)])
    pos = auto_layout(g)
    assert [pos[f"n{i}"] for i in range(5)] == [(i * COLUMN_GAP, 0.0) for i in range(5)]


def test_longest_path_layering_puts_a_join_after_its_longest_branch():
    # n0 -> n1 -> n2 -> n3(join) and n0 -> n3 directly
    g = build(4, [(0, 1), (1, 2), (2, 3), (0, 3)])
    pos = auto_layout(g)
    assert pos["n3"][0] == 3 * COLUMN_GAP
    assert_tidy(g, pos)


def test_crossed_parallel_chains_are_untangled():
    # two chains a0->a1->a2 and b0->b1->b2, inserted so the middle column starts crossed
    g = Graph()
    for nid, y in [("a0", 0), ("b0", 100), ("b1", 0), ("a1", 100), ("a2", 0), ("b2", 100)]:
        g.add_node(Node(nid, "ReLU", nid, {}, (0.0, float(y))))
    for s, d in [("a0", "a1"), ("a1", "a2"), ("b0", "b1"), ("b1", "b2")]:
        g.connect(PortRef(s, "out"), PortRef(d, "in"))
    pos = auto_layout(g)
    assert count_crossings(g, pos) == 0
    assert pos["a0"][1] == pos["a1"][1] == pos["a2"][1] != pos["b0"][1]
    assert_tidy(g, pos)


def test_sources_keep_their_vertical_order_from_the_canvas():
    g = build(4, [(0, 2), (1, 3)], ys=[500.0, -500.0, 0.0, 0.0])
    pos = auto_layout(g)
    assert pos["n1"][1] < pos["n0"][1]
    assert pos["n3"][1] < pos["n2"][1]


def test_random_dags_are_tidy_and_fewer_crossings_than_naive():
    rng = random.Random(7)
    ours_total = naive_total = 0
    for _trial in range(20):
        n = rng.randint(6, 30)
        wires = []
        indeg = dict.fromkeys(range(n), 0)
        for d in range(1, n):
            for s in rng.sample(range(d), k=min(d, rng.randint(1, 2))):
                if indeg[d] < 4:
                    wires.append((s, d))
                    indeg[d] += 1
        g = build(n, wires)
        pos = auto_layout(g)
        assert_tidy(g, pos)
        assert auto_layout(g) == pos, "layout must be deterministic"
        # naive: same columns, rows in insertion order
        rows: dict[float, int] = {}
        naive = {}
        for nid in g.nodes:
            x = pos[nid][0]
            naive[nid] = (x, rows.get(x, 0) * ROW_GAP)
            rows[x] = rows.get(x, 0) + 1
        ours_total += count_crossings(g, pos)
        naive_total += count_crossings(g, naive)
    assert ours_total < 0.7 * naive_total


def test_cycles_do_not_hang_and_every_block_gets_a_place():
    g = build(4, [(0, 1), (1, 2), (2, 3)])
    g.connect(PortRef("n3", "out"), PortRef("n1", "b"))
    pos = auto_layout(g)
    assert set(pos) == set(g.nodes)
    assert pos["n0"][0] < pos["n1"][0]


def test_layout_does_not_modify_the_graph():
    g = build(3, [(0, 1), (1, 2)], ys=[3.0, 4.0, 5.0])
    before = g.to_dict()
    auto_layout(g)
    assert g.to_dict() == before


def test_templates_are_laid_out_tidily():
    for name, template in TEMPLATES.items():
        g = template.build()
        pos = {nid: n.pos for nid, n in g.nodes.items()}
        assert_tidy(g, pos)
        assert count_crossings(g, pos) == 0, name


def _chain(n: int) -> Graph:
    b = GraphBuilder()
    for i in range(n):
        b.then("ReLU", f"b{i}")
    return b.graph


def test_a_long_chain_wraps_onto_bands_read_left_to_right():
    from playground.graph.layout import columns_that_fit

    g = _chain(10)
    pos = auto_layout(g, column_gap=100.0, row_gap=80.0, max_columns=4, band_gap=150.0)
    order = list(g.nodes)
    assert [pos[n][0] for n in order] == [0, 100, 200, 300] * 2 + [0, 100]
    assert [pos[n][1] for n in order] == [0.0] * 4 + [150.0] * 4 + [300.0] * 2
    assert auto_layout(g, max_columns=20) == auto_layout(g)  # short enough: one band
    assert columns_that_fit(1000, 170, 290) == 3 and columns_that_fit(100, 170, 290) == 1


def test_machine_layouts_are_told_from_hand_arranged_ones():
    from playground.graph.layout import is_machine_layout

    g = _chain(9)
    for nid, p in auto_layout(g).items():
        g.move_node(nid, (p[0] + 40.0, p[1] - 20.0))
    assert is_machine_layout(g)
    for nid, p in auto_layout(g, max_columns=3).items():
        g.move_node(nid, p)
    assert is_machine_layout(g)  # wrapped by a layout is still a layout
    first = next(iter(g.nodes))
    g.move_node(first, (g.nodes[first].pos[0] + 77.0, 13.0))
    assert not is_machine_layout(g)
