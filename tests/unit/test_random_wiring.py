"""Random wirings: the graph families, their measures, and the networks built from them."""

import pytest

from playground.compile.compiler import compile_graph
from playground.data import make_dataset
from playground.graph.random_wiring import (
    FAMILIES,
    average_path_length,
    clustering_coefficient,
    random_topology,
    wired_network,
)


def test_measures_on_graphs_with_known_answers():
    triangle = {(0, 1), (0, 2), (1, 2)}
    assert clustering_coefficient(3, triangle) == 1.0
    assert average_path_length(3, triangle) == 1.0
    path = {(0, 1), (1, 2), (2, 3)}  # distances 1,1,1,2,2,3 over 6 pairs
    assert clustering_coefficient(4, path) == 0.0
    assert average_path_length(4, path) == pytest.approx(10 / 6)
    star = {(0, 1), (0, 2), (0, 3)}
    assert average_path_length(4, star) == pytest.approx(9 / 6)


def test_families_are_seeded_and_shaped_as_defined():
    assert random_topology("erdos_renyi", 10, 3) == random_topology("erdos_renyi", 10, 3)
    assert random_topology("erdos_renyi", 10, 3, p=0.0) == set()
    assert len(random_topology("erdos_renyi", 10, 3, p=1.0)) == 45
    ring = random_topology("watts_strogatz", 10, 0, p=0.0, k=4)  # no rewiring: the ring lattice
    assert len(ring) == 20 and clustering_coefficient(10, ring) == pytest.approx(0.5)
    ba = random_topology("barabasi_albert", 10, 1, m=2)
    assert len(ba) == 2 * (10 - 2)  # each new node joins m = 2 earlier ones
    assert all(a < b for a, b in ba)
    with pytest.raises(ValueError, match="unknown graph family 'grid'"):
        random_topology("grid", 5, 0)


@pytest.mark.parametrize("family", FAMILIES)
def test_every_wiring_compiles_with_the_same_parameter_count(family):
    task = make_dataset("spirals", {"n_samples": 40}).task
    counts = set()
    for seed in range(4):
        edges = random_topology(family, 6, seed)
        model = compile_graph(wired_network(6, edges, width=8), task)
        counts.add(sum(p.numel() for p in model.parameters()))
    assert len(counts) == 1
