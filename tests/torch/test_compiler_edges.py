"""Compiler corner cases a person can build: token ids into the wrong block, sources without inputs."""


import torch

from playground.compile import check, compile_graph
from playground.graph.builder import GraphBuilder
from playground.graph.edits import AddNode
from playground.graph.spec import TaskSpec

TOKENS = TaskSpec("sequence", (6,), "long", target_shape=(6,), num_classes=5, vocab_size=7)
POINTS = TaskSpec("classification", (2,), num_classes=3)


def chain(*blocks):
    b = GraphBuilder()
    labels = [b.then(type_, **params).last for type_, params in blocks]
    return b.graph, [b.id(label) for label in labels]


def test_token_ids_into_linear_are_refused_before_running():
    g, ids = chain(("Input", {}), ("Linear", {"out_features": 5}), ("Output", {}))
    errors = check(g, TOKENS).errors
    assert len(errors) == 1
    assert "integer token ids" in errors[0].message and "Embedding first" in errors[0].message
    assert errors[0].node_id == ids[1]


def test_token_ids_may_pass_through_reshaping_blocks_into_an_embedding():
    g, _ = chain(("Input", {}), ("Identity", {}), ("Embedding", {"embedding_dim": 4}),
                 ("Linear", {"out_features": 5}), ("Output", {}))
    assert check(g, TOKENS).errors == []
    out = compile_graph(g, TOKENS)(torch.randint(0, 7, (3, 6)))
    assert out.shape == (3, 6, 5)


def test_parameter_source_takes_the_batch_size_and_trains():
    g, ids = chain(("Parameter", {"shape": [3], "init": "normal"}), ("Linear", {"out_features": 3}),
                   ("Output", {}))
    AddNode("Input").apply(g)
    model = compile_graph(g, POINTS)
    x = torch.randn(5, 2)
    out = model(x)
    assert out.shape == (5, 3), "a source block's output must follow the batch"
    out.sum().backward()
    param = next(p for n, p in model.named_parameters() if n.startswith(ids[0] + "."))
    assert param.grad is not None and param.grad.abs().sum() > 0


def test_taps_and_attention_recording_leave_outputs_unchanged_and_names_follow_labels():
    from playground.data import make_dataset
    from playground.graph.templates import TEMPLATES

    for name in ("transformer", "vae", "resnet"):
        template = TEMPLATES[name]
        graph = template.build()
        bundle = make_dataset(template.dataset, template.dataset_params)
        torch.manual_seed(0)
        model = compile_graph(graph, bundle.task).eval()
        x = bundle.x_val[:4]
        with torch.no_grad():
            torch.manual_seed(1)
            plain = model(x)
            model.taps = set(graph.nodes)
            model.record_attention(True)
            torch.manual_seed(1)
            observed = model(x)
        torch.testing.assert_close(observed, plain, rtol=0, atol=0)
        assert set(model.captured) == set(model.node_names) | {model.input_node}, name
        if name == "transformer":
            assert set(model.attention_maps()) == {graph.node_by_label(b).id for b in ("block1", "block2")}
        # parameters are keyed by node id (weights follow a block through a rename), and their
        # readable names use the labels on the canvas
        owner = model.parameter_owner()
        for key in model.state_dict():
            nid, param = key.split(".", 1)
            assert nid in graph.nodes and owner[key] == nid, key
            assert model.readable_key(key) == f"{graph.nodes[nid].label}.{param}", key
