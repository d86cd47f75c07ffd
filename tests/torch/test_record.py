"""The step-scheduled record: which steps every kind keeps, bounded, the same on a busy machine."""

import math
import subprocess
import sys

import numpy as np
import pytest
import torch

from playground.data import DATASETS, make_dataset
from playground.graph.templates import TEMPLATES
from playground.train import MetricsBuffer, Trainer, default_config
from playground.train.schedule import CAPACITY, EXTRAS, KindStore, due_steps, is_due, stride_at
from playground.train.snapshots import history_entry, nbytes

RECORDED = ("weights", "grads", "activations", "boundary", "units", "val/loss", "grad_norm/fc1")
SPIRALS = {"n_samples": 300}


def session(name: str, steps: int, **changes) -> Trainer:
    t = TEMPLATES[name]
    params = {**t.dataset_params, **(SPIRALS if t.dataset == "spirals" else {})}
    bundle = make_dataset(t.dataset, params)
    config = default_config(DATASETS[t.dataset].category, **t.config).with_changes(
        max_steps=steps, epochs=0, device="cpu", **changes)
    return Trainer(t.build(), bundle, config)


def record_of(trainer: Trainer) -> dict:
    buf = trainer.buffer
    kinds = {k: buf.snapshot_history(k) for k in buf.snapshot_kinds()}
    scalars = {n: buf.series(n) for n in buf.series_names() if n != "train/loss"}
    return {"kinds": kinds, "scalars": scalars, "loss": buf.series("train/loss")}


def test_the_schedule_depends_on_the_step_alone_and_keeps_128_to_256():
    assert [stride_at(s) for s in (0, 255, 256, 511, 512, 10**6)] == [1, 1, 2, 2, 4, 4096]
    for end in (100, 255, 256, 1000, 4097, 10**6):
        store: KindStore[int] = KindStore()
        for s in (due_steps(0, end) if end < 10**5 else range(0, end + 1, 512)):
            if is_due(s):
                store.add(s, s)
        if end % stride_at(end):
            store.add(end, end)  # the end of the run, off the schedule
        assert min(end + 1, 129) <= len(store) <= CAPACITY + 1, end
        assert store.steps[0] == 0 and store.steps[-1] == end
        gaps = np.diff([s for s in store.steps if is_due(s)])
        assert len(set(gaps.tolist())) <= 1  # evenly spread


def test_extras_are_bounded_and_never_move_the_schedule():
    plain: KindStore[int] = KindStore()
    paused: KindStore[int] = KindStore()
    for s in range(0, 3000):
        if is_due(s):
            plain.add(s, s)
            paused.add(s, s)
        elif s % 37 == 0:  # a pause here
            paused.add(s, s)
    extras = [s for s in paused.steps if not is_due(s)]
    assert 0 < len(extras) <= EXTRAS
    assert [s for s in paused.steps if is_due(s)] == plain.steps


def test_a_100_step_run_records_every_step_of_every_kind():
    trainer = session("mlp", 100)
    assert trainer.run() == "finished"
    for kind in RECORDED:
        first = 1 if kind.startswith("grad") else 0  # no gradient before the first step
        assert trainer.buffer.recorded_steps(kind) == list(range(first, 101)), kind


def test_a_long_run_keeps_128_to_256_of_every_kind_and_its_end():
    trainer = session("mlp", 1500)
    assert trainer.run() == "finished"
    for kind in RECORDED:
        steps = trainer.buffer.recorded_steps(kind)
        assert 128 <= len(steps) <= CAPACITY + EXTRAS, kind
        assert steps[0] == (8 if kind.startswith("grad") else 0) and steps[-1] == 1500, kind  # 1500: off stride 8
    assert len(trainer.buffer.series("train/loss")[0]) == 1500  # the loss at every step


def test_deep_linear_mode_strengths_at_every_step_until_the_store_is_full():
    trainer = session("deep_linear", 300)
    assert trainer.run() == "finished"
    steps = trainer.buffer.recorded_steps("modes")
    assert steps[:128] == list(range(0, 256, 2))[:128] and steps[-1] == 300
    assert trainer.buffer.recorded_steps("similarity") == steps


BUSY = "import time\nend = time.time() + 120\nwhile time.time() < end:\n    pass\n"


def test_the_same_session_records_the_same_beside_a_busy_process():
    quiet = session("mlp", 400)
    quiet.run()
    spinner = subprocess.Popen([sys.executable, "-c", BUSY])
    try:
        busy = session("mlp", 400)
        busy.run()
    finally:
        spinner.kill()
        spinner.wait()
    a, b = record_of(quiet), record_of(busy)
    assert set(a["kinds"]) == set(b["kinds"]) >= {"weights", "grads", "activations", "boundary", "units"}
    for kind in a["kinds"]:
        assert [s for s, _ in a["kinds"][kind]] == [s for s, _ in b["kinds"][kind]], kind
        for (_, x), (_, y) in zip(a["kinds"][kind], b["kinds"][kind], strict=True):
            _assert_close(x, y, kind)
    assert set(a["scalars"]) == set(b["scalars"])
    for name, (steps, values) in a["scalars"].items():
        np.testing.assert_array_equal(steps, b["scalars"][name][0], err_msg=name)
        np.testing.assert_allclose(values, b["scalars"][name][1], rtol=1e-6, err_msg=name)
    np.testing.assert_allclose(a["loss"][1], b["loss"][1], rtol=1e-6)


def _assert_close(x, y, where: str) -> None:
    if isinstance(x, dict):
        assert set(x) == set(y), where
        for k in x:
            _assert_close(x[k], y[k], f"{where}/{k}")
    elif isinstance(x, np.ndarray):
        np.testing.assert_allclose(x, y, rtol=1e-5, atol=1e-7, err_msg=where)
    elif isinstance(x, float):
        assert math.isclose(x, y, rel_tol=1e-6, abs_tol=1e-9), where
    else:
        assert x == y, where


def test_views_or_none_do_not_change_the_record_but_record_off_keeps_only_the_loss():
    on, off = session("mlp", 60), session("mlp", 60)
    off.record = False
    on.run()
    off.run()
    np.testing.assert_array_equal(on.buffer.series("train/loss")[1], off.buffer.series("train/loss")[1])
    assert off.buffer.series_names() == ["train/loss"] and off.buffer.snapshot_kinds() == []


@pytest.mark.parametrize("name", sorted(TEMPLATES))
def test_each_kind_stays_within_its_stated_bound(name):
    """One record pass of each template: an entry of each kind × 264 entries stays under ~50 MB in all."""
    trainer = session(name, 2)
    trainer.run()
    total = 0
    for kind in trainer.buffer.snapshot_kinds():
        _step, snap = trainer.buffer.snapshot(kind)
        entry = nbytes(history_entry(kind, snap))
        assert entry * (CAPACITY + EXTRAS) <= 26 * 2**20, (kind, entry)
        total += entry * (CAPACITY + EXTRAS) + nbytes(snap)
    assert total < 50 * 2**20, total


def test_a_full_record_holds_what_the_bound_says():
    trainer = session("mlp", 600)
    trainer.run()
    entries = {k: max(nbytes(e) for _, e in trainer.buffer.snapshot_history(k)) for k in trainer.buffer.snapshot_kinds()}
    bound = sum(v * (CAPACITY + EXTRAS) for v in entries.values()) * 2 + 2**20  # plus the newest snapshots
    assert trainer.buffer.record_bytes() <= bound
    assert all(len(trainer.buffer.snapshot_history(k)) <= CAPACITY + EXTRAS for k in entries)


def test_probe_inputs_scale_down_for_a_very_wide_layer():
    from playground.graph.builder import chain_graph
    from playground.train import TrainConfig
    from playground.train.probes import GRID, PROBE_BYTES

    graph = chain_graph(("Linear", {"out_features": 65_536}), ("ReLU", {}), ("Linear", {"out_features": 2}))
    trainer = Trainer(graph, make_dataset("spirals", SPIRALS), TrainConfig(batch_size=16, device="cpu"))
    prober = trainer.prober
    assert prober.resolution < GRID
    assert prober.resolution**2 * 2 * 65_536 * 4 <= PROBE_BYTES
    assert prober.stats_rows * 2 * 65_536 * 4 <= PROBE_BYTES
    assert trainer.run(max_steps=1) == "finished"
    _, boundary = trainer.buffer.snapshot("boundary")
    assert boundary["output"].shape[:2] == (prober.resolution, prober.resolution)


def test_record_survives_export_and_import_and_refuses_damage():
    trainer = session("mlp", 40)
    trainer.run()
    meta, arrays = trainer.buffer.export_record()
    import json
    import re

    json.dumps(meta)  # JSON-safe
    assert all(re.match(r"^[A-Za-z0-9_\-]{1,64}$", k) and a.dtype.kind in "biuf" for k, a in arrays.items())
    fresh = MetricsBuffer()
    fresh.import_record(meta, arrays)
    for kind in trainer.buffer.snapshot_kinds():
        a, b = trainer.buffer.snapshot_history(kind), fresh.snapshot_history(kind)
        assert [s for s, _ in a] == [s for s, _ in b]
        for (_, x), (_, y) in zip(a, b, strict=True):
            _assert_close(_plain(x), _plain(y), kind)
    before = fresh.snapshot_history("weights")
    broken = dict(arrays)
    broken.pop(next(iter(broken)))
    for bad_meta, bad_arrays in ((meta, broken), ({"format": 99}, arrays),
                                 ({**meta, "kinds": {"weights": {"steps": [3, 2], "entries": [{}, {}]}}}, arrays),
                                 ({**meta, "kinds": {"nope": {"steps": [], "entries": []}}}, arrays)):
        with pytest.raises(ValueError):
            fresh.import_record(bad_meta, bad_arrays)
    assert [s for s, _ in fresh.snapshot_history("weights")] == [s for s, _ in before]


def _plain(x):
    """Tuples read back as lists from JSON."""
    if isinstance(x, dict):
        return {k: _plain(v) for k, v in x.items()}
    if isinstance(x, tuple):
        return list(x)
    return x


def test_write_history_writes_every_kind(tmp_path):
    import csv
    import json

    from playground.train.history import write_history

    trainer = session("deep_linear", 200)
    trainer.run()
    files = {p.name for p in write_history(trainer.buffer, tmp_path / "out")}
    assert {"scalars.csv", "modes.csv", "modes_meta.json", "weights.npz", "grads.npz", "activations.npz",
            "similarity.npz"} <= files
    rows = list(csv.reader((tmp_path / "out" / "scalars.csv").open()))
    assert rows[0][0] == "step" and "train/loss" in rows[0] and "val/loss" in rows[0]
    assert [int(r[0]) for r in rows[1:]] == list(range(201))
    val = rows[0].index("val/loss")
    assert all(r[val] != "" for r in rows[1:])  # every step of a 200-step run is recorded
    modes = list(csv.reader((tmp_path / "out" / "modes.csv").open()))
    k = len(trainer.buffer.snapshot("modes")[1]["strength"])
    assert modes[0] == ["step", *(f"mode_{i + 1}" for i in range(k)), *(f"analytic_{i + 1}" for i in range(k))]
    assert len(modes) - 1 >= 128
    meta = json.loads((tmp_path / "out" / "modes_meta.json").read_text())
    assert len(meta["singular_values"]) == k
    with np.load(tmp_path / "out" / "weights.npz") as npz:
        assert list(npz["steps"]) == trainer.buffer.recorded_steps("weights")
        counts = [n for n in npz.files if n.endswith("counts")]
        assert counts and npz[counts[0]].shape[0] == len(npz["steps"])
    (tmp_path / "file").write_text("x")
    with pytest.raises(OSError) as err:
        write_history(trainer.buffer, tmp_path / "file")
    assert err.value.filename == str(tmp_path / "file")


def test_probes_leave_no_autograd_graph_and_keep_the_training_rng():
    a, b = session("mlp", 30), session("mlp", 30)
    b.record = False
    a.run()
    b.run()
    for p, q in zip(a.model.parameters(), b.model.parameters(), strict=True):
        assert torch.equal(p, q)


def test_a_known_run_length_records_from_the_start_what_doubling_keeps_at_the_end():
    known = session("mlp", 1000)
    known.run()
    split = session("mlp", 0)  # open-ended config: each run() knows only its own end
    split.run(max_steps=300)
    split.run(max_steps=700)
    for kind in ("weights", "boundary", "val/loss"):
        steps = known.buffer.recorded_steps(kind)
        assert steps == list(range(0, 1001, 4)), kind  # stride_at(1000) = 4: 251 passes, none discarded
        on_schedule = [s for s in split.buffer.recorded_steps(kind) if is_due(s)]
        assert on_schedule == steps, kind
