"""Thread policy: the choices it makes from a network's cost (no timing here; see bench_threads.py)."""

import subprocess
import sys

import pytest
import torch
from torch import nn

from playground.data import make_dataset
from playground.graph.templates import TEMPLATES
from playground.train import TrainConfig, Trainer, threads


@pytest.fixture(autouse=True)
def restore_threads():
    before = torch.get_num_threads()
    yield
    threads.set_thread_limit(None)
    torch.set_num_threads(before)


def test_a_small_network_trains_on_one_thread():
    t = TEMPLATES["mlp"]
    trainer = Trainer(t.build(), make_dataset(t.dataset), TrainConfig(batch_size=32, max_steps=3))
    torch.set_num_threads(2)
    assert trainer.run() == "finished"
    assert torch.get_num_threads() == 1
    assert threads.step_flops(trainer.model, trainer.data.x[:32]) < threads.SMALL_STEP_FLOPS


def test_a_large_convolution_gets_more_threads_up_to_the_limit():
    # on the meta device torch counts the work without doing it (the count is the same)
    model = nn.Sequential(nn.Conv2d(3, 64, 3, padding=1, device="meta"), nn.ReLU(),
                          nn.Conv2d(64, 64, 3, padding=1, device="meta"))
    example = torch.empty(16, 3, 64, 64, device="meta")
    flops = threads.step_flops(model, example)
    assert flops > 4 * threads.FLOPS_PER_THREAD + threads.SMALL_STEP_FLOPS
    assert threads.threads_for(flops, torch.device("cpu"), 64) >= 5
    threads.set_thread_limit(1)
    assert threads.apply_for(model, example, torch.device("cpu")) == 1 == torch.get_num_threads()
    threads.set_thread_limit(None)
    chosen = threads.apply_for(model, example, torch.device("cpu"))
    assert chosen == min(threads.cores(), threads.threads_for(flops, torch.device("cpu"), 64))
    assert torch.get_num_threads() == chosen


def test_policy_scales_with_cost_and_respects_the_cap():
    cpu = torch.device("cpu")
    small, big = threads.SMALL_STEP_FLOPS / 10, threads.SMALL_STEP_FLOPS + 6 * threads.FLOPS_PER_THREAD
    assert threads.threads_for(small, cpu, 8) == 1
    assert threads.threads_for(big, cpu, 16) == 7
    assert threads.threads_for(big, cpu, 3) == 3
    assert threads.threads_for(big, torch.device("cuda"), 16) == 1  # the CPU only launches kernels
    counts = [threads.threads_for(f * threads.FLOPS_PER_THREAD, cpu, 8) for f in range(0, 20)]
    assert counts == sorted(counts) and counts[0] == 1 and counts[-1] == 8


def test_the_limit_never_exceeds_the_cores():
    threads.set_thread_limit(threads.MAX_THREADS)
    assert threads.thread_limit() == threads.cores()
    threads.set_thread_limit(1)
    assert threads.thread_limit() == 1
    threads.set_thread_limit(None)
    assert threads.thread_limit() == threads.cores()


@pytest.mark.parametrize("bad", [0, -1, threads.MAX_THREADS + 1, 2.5, True, "4"])
def test_bad_limits_are_refused_with_the_allowed_range(bad):
    with pytest.raises(ValueError, match=f"from 1 to {threads.MAX_THREADS}"):
        threads.set_thread_limit(bad)


def test_counting_the_cost_is_exact_and_leaves_training_undisturbed():
    model = nn.Sequential(nn.Linear(10, 20), nn.BatchNorm1d(20), nn.Dropout(0.5))
    model.train()
    example = torch.randn(7, 10)
    stats = model[1].running_mean.clone()
    rng = torch.get_rng_state()
    assert threads.step_flops(model, example) == 3 * 2 * 7 * 10 * 20  # forward matmul, ×3 for a step
    assert model.training and torch.equal(model[1].running_mean, stats)
    assert torch.equal(torch.get_rng_state(), rng)


def test_inter_op_threads_are_set_once_at_start_up():
    code = ("import torch; from playground.train import threads; threads.configure_process(); "
            "threads.configure_process(); print(torch.get_num_interop_threads(), torch.get_num_threads())")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == [str(threads.INTEROP_THREADS), "1"]


def test_a_network_with_a_parameter_block_trains():
    """The cost counter cannot hook a source block that returns its own Parameter; the policy
    then estimates the cost from the weights instead of failing the run at step 0."""
    from playground.graph.builder import GraphBuilder

    b = GraphBuilder().then("Input", "in").then("Linear", "fc", out_features=8).then("Tanh", "t")
    b.add("Parameter", "mask", shape=[8], init="ones").add("Multiply", "gate", "t", port="a")
    b.wire("mask", "gate", port="b").then("Linear", "head", out_features=2).then("Output", "out")
    trainer = Trainer(b.graph, make_dataset("spirals", {"n_samples": 100}), TrainConfig(batch_size=16, max_steps=20))
    assert trainer.run() == "finished", trainer.buffer.status().get("message")
    assert trainer.step == 20
    assert threads.step_flops(trainer.model, trainer.data.x[:16]) > 0
