"""Built-in datasets: shapes and dtypes agree with the TaskSpec, seeds are deterministic, bad
parameters give clear messages, and each dataset is what its name says."""

import numpy as np
import pytest
import torch

from playground.data import DATASETS, DatasetError, make_dataset, preview
from playground.data.hierarchy import correlation
from playground.data.images import resource_path

BUILT_IN = sorted(n for n in DATASETS if n != "csv")
SMALL = {"shapes": {"n_samples": 200}, "digits": {"n_samples": 300}, "addition": {"n_samples": 500}}
CATEGORIES = {"2-D", "sequence", "image", "hierarchical", "table"}


def small(name, **extra):
    return make_dataset(name, {**SMALL.get(name, {}), **extra})


def all_x_y(b):
    return torch.cat([b.x_train, b.x_val]), torch.cat([b.y_train, b.y_val])


@pytest.mark.parametrize("name", BUILT_IN)
def test_tensors_match_the_task_spec(name):
    b = small(name)
    t = b.task
    d = DATASETS[name]
    assert d.category in CATEGORIES and d.title and d.description and d.default_template
    assert b.name == name and set(b.params) == {p.name for p in d.params}
    for x, y in ((b.x_train, b.y_train), (b.x_val, b.y_val)):
        assert x.device.type == "cpu" and x.shape[0] == y.shape[0]
        assert tuple(x.shape[1:]) == t.input_shape
        if t.input_dtype == "long":
            assert x.dtype == torch.int64 and 0 <= x.min() and x.max() < t.vocab_size
        else:
            assert x.dtype == torch.float32 and torch.isfinite(x).all()
        if t.task == "classification":
            assert y.dtype == torch.int64 and y.shape == (x.shape[0],)
            assert 0 <= y.min() and y.max() < t.num_classes
        elif t.task == "sequence":
            assert y.dtype == torch.int64 and tuple(y.shape[1:]) == t.target_shape
            assert 0 <= y.min() and y.max() < t.num_classes
        elif t.task == "regression":
            assert y.dtype == torch.float32 and tuple(y.shape[1:]) == t.target_shape
        else:
            assert torch.equal(x, y)
    assert b.n_train > 0 and b.n_val > 0
    if "n_samples" in b.params:
        n = b.n_train + b.n_val
        # fewer only where the input space is smaller than n_samples, and then the summary says so
        assert n == b.params["n_samples"] or (n < b.params["n_samples"] and "split_note" in b.meta)
        assert abs(b.n_val / n - b.params["val_fraction"]) < 0.02
    if "class_names" in b.meta:
        assert len(b.meta["class_names"]) == t.num_classes
    if t.input_dtype == "long":
        assert len(b.meta["tokens"]) == t.vocab_size


@pytest.mark.parametrize("name", BUILT_IN)
def test_same_seed_same_data_other_seed_other_data(name):
    extra = {"noise": 0.2} if name == "hierarchy" else {}
    a, b, c = small(name, seed=3, **extra), small(name, seed=3, **extra), small(name, seed=4, **extra)
    for field in ("x_train", "y_train", "x_val", "y_val"):
        assert torch.equal(getattr(a, field), getattr(b, field)), field
    assert not (torch.equal(a.x_train, c.x_train) and torch.equal(a.y_train, c.y_train))


CLASSIFIERS = ["spirals", "circles", "xor", "gaussians", "moons", "checkerboard", "parity", "majority",
               "digits", "shapes"]


@pytest.mark.parametrize("name", CLASSIFIERS)
def test_classes_are_balanced(name):
    b = small(name)
    assert b.task.task == "classification"
    _, y = all_x_y(b)
    counts = torch.bincount(y, minlength=b.task.num_classes)
    if name == "digits":  # real data: nearly balanced by nature (about 180 of each digit)
        assert counts.min() >= 0.8 * counts.max()
    else:
        assert counts.max() - counts.min() <= 1, counts
        train_counts = torch.bincount(b.y_train, minlength=b.task.num_classes)
        assert train_counts.max() - train_counts.min() <= 2  # the split is stratified


@pytest.mark.parametrize(("name", "params", "message"), [
    ("spirals", {"noise": 5}, "dataset 'spirals': noise must be at most 1, got 5"),
    ("spirals", {"n_samples": 3}, "n_samples must be at least 20, got 3"),
    ("spirals", {"n_samples": "many"}, "n_samples must be a whole number"),
    ("spirals", {"val_fraction": 0.95}, "val_fraction must be at most 0.9"),
    ("spirals", {"colour": "red"}, "unknown parameter colour"),
    ("gaussians", {"classes": 1}, "classes must be at least 2"),
    ("gaussians", {"classes": 10, "n_samples": 50}, "at least 10 per class"),
    ("copy", {"shift": 8, "length": 8}, "shift must be smaller than length (8), got 8"),
    ("digits", {"task": "segmentation"}, "task must be one of classification, reconstruction"),
    ("shapes", {"texture": True}, "texture must be one of none, class, random"),
    ("hierarchy", {"depth": 6, "branching": 4}, "at most 256"),
    ("hierarchy", {"variant": "planted", "depth": 1, "categories": 4}, "must not exceed the number of items (2)"),
    ("csv", {}, "dataset 'csv': path must name a CSV file"),
])
def test_bad_params_say_what_is_wrong(name, params, message):
    with pytest.raises(DatasetError) as e:
        make_dataset(name, params)
    assert message in str(e.value)


def test_every_default_passes_its_own_check():
    for d in DATASETS.values():
        for p in d.params:
            assert p.check(p.default) is None, (d.name, p.name)
            assert p.help, (d.name, p.name)


def test_digits_file_is_found_through_the_override_folder(tmp_path, monkeypatch):
    shipped = resource_path("digits.npz")
    copy = tmp_path / "digits.npz"
    copy.write_bytes(shipped.read_bytes())
    monkeypatch.setenv("PLAYGROUND_RESOURCES", str(tmp_path))
    assert resource_path("digits.npz") == copy
    with pytest.raises(DatasetError, match="data file nothing.npz not found; looked in: " + str(tmp_path)):
        resource_path("nothing.npz")


def test_unknown_dataset_lists_the_known_ones():
    with pytest.raises(DatasetError, match=r"unknown dataset 'spiral'.*spirals"):
        make_dataset("spiral")


def test_whole_number_floats_are_accepted_for_counts():
    assert make_dataset("spirals", {"n_samples": 100.0}).n_train == 80


def test_two_d_points_lie_inside_the_extent():
    for name in ("spirals", "circles", "xor", "gaussians", "moons", "checkerboard", "plane", "bumps"):
        b = make_dataset(name, {"noise": 0.3} if name != "checkerboard" else {})
        x, _ = all_x_y(b)
        x0, x1, y0, y1 = b.meta["extent"]
        assert x0 <= x[:, 0].min() and x[:, 0].max() <= x1 and y0 <= x[:, 1].min() and x[:, 1].max() <= y1
        assert x.abs().max() < 2.5


def test_noise_free_checkerboard_and_xor_follow_their_rule():
    x, y = all_x_y(make_dataset("checkerboard", {"cells": 3}))
    cell = torch.floor((x + 1) / 2 * 3).clamp(0, 2).long()
    assert torch.equal((cell.sum(1) % 2), y)
    x, y = all_x_y(make_dataset("xor", {"noise": 0.0}))
    assert torch.equal((x[:, 0] * x[:, 1] > 0).long(), y)


def test_sine_targets_follow_the_curve_within_the_noise():
    x, y = all_x_y(make_dataset("sine", {"noise": 0.0, "frequency": 2.0}))
    assert torch.allclose(y[:, 0], torch.sin(torch.pi * 2.0 * x[:, 0]), atol=1e-5)
    x, y = all_x_y(make_dataset("polynomial", {"noise": 0.0, "degree": 1}))
    slope = (y[1:, 0] - y[:-1, 0]) / (x[1:, 0] - x[:-1, 0])
    assert torch.allclose(slope, slope[0].expand_as(slope), atol=1e-3)  # degree 1 is a straight line
    assert y.abs().max() <= 1.0 + 1e-5


def test_sequence_targets_are_the_named_transformation():
    x, y = all_x_y(make_dataset("reverse", {"length": 6}))
    assert torch.equal(y, x.flip(1))
    x, y = all_x_y(make_dataset("sort", {"vocab_size": 5}))
    assert torch.equal(y, x.sort(1).values) and x.max() == 5
    x, y = all_x_y(make_dataset("copy", {"shift": 2}))
    assert torch.equal(y[:, 2:], x[:, :-2]) and (y[:, :2] == 0).all()
    x, y = all_x_y(make_dataset("parity", {"length": 7}))
    assert torch.equal(x.sum(1) % 2, y)
    x, y = all_x_y(make_dataset("majority", {"length": 6, "vocab_size": 3}))
    assert torch.equal(((x == 1).sum(1) > (x == 0).sum(1)).long(), y)
    assert ((x == 1).sum(1) != (x == 0).sum(1)).all()


def test_addition_answers_are_correct_sums_in_the_documented_layout():
    b = make_dataset("addition", {"length": 3, "vocab_size": 10, "n_samples": 200})
    tokens = b.meta["tokens"]
    lo, hi = b.meta["answer_positions"]
    for xi, yi in zip(b.x_train[:50], b.y_train[:50], strict=True):
        question = "".join(tokens[i] for i in xi)
        a, rest = question.split("+")
        c = rest.split("=")[0]
        answer = "".join(tokens[i] for i in yi[lo:hi])
        assert int(answer) == int(a) + int(c)
        assert (yi[:lo] == 0).all() and (xi[lo:] == 0).all()
    binary = make_dataset("addition", {"length": 4, "vocab_size": 2, "n_samples": 100})
    assert binary.task.input_shape == (15,) and binary.task.num_classes == 5  # _ 0 1 + =


def test_digits_are_the_real_handwritten_set():
    b = make_dataset("digits")
    x, y = all_x_y(b)
    assert x.shape == (1797, 1, 8, 8) and y.shape == (1797,)
    assert x.min() == 0 and x.max() == 1 and torch.allclose(x * 16, (x * 16).round())
    # real handwriting: a nearest-class-mean rule already reads most digits, but not all
    flat = b.x_train.reshape(b.n_train, -1)
    means = torch.stack([flat[b.y_train == c].mean(0) for c in range(10)])
    pred = torch.cdist(b.x_val.reshape(b.n_val, -1), means).argmin(1)
    accuracy = (pred == b.y_val).float().mean().item()
    assert 0.8 < accuracy < 0.99
    rec = make_dataset("digits", {"task": "reconstruction", "n_samples": 200})
    assert rec.task.task == "reconstruction" and torch.equal(rec.x_train, rec.y_train)
    assert rec.task.input_shape == rec.task.target_shape == (1, 8, 8)


def test_shapes_vary_only_as_asked():
    fixed = make_dataset("shapes", {"n_samples": 80, "position": 0.0, "scale": 0.0, "rotation": 0.0,
                                    "noise": 0.0})
    x, y = all_x_y(fixed)
    for c in range(4):
        same = x[y == c]
        assert torch.equal(same, same[:1].expand_as(same))  # nothing varies: one picture per class
    pictures = torch.stack([x[y == c][0] for c in range(4)])
    assert torch.cdist(pictures.reshape(4, -1), pictures.reshape(4, -1)).triu(1)[0, 1:].min() > 1.0
    moving = make_dataset("shapes", {"n_samples": 80, "noise": 0.0})
    mx, my = all_x_y(moving)
    assert not torch.equal(mx[my == 0][0], mx[my == 0][1])
    assert 0 <= mx.min() and mx.max() <= 1


def _stripe_direction(images):
    """+1 where brightness changes mostly down columns (horizontal stripes), -1 for vertical stripes."""
    down = (images[:, 0, 1:, :] - images[:, 0, :-1, :]).abs().mean((1, 2))
    across = (images[:, 0, :, 1:] - images[:, 0, :, :-1]).abs().mean((1, 2))
    return torch.sign(down - across)


def test_shape_texture_cue_marks_the_class_only_when_asked():
    x, y = all_x_y(make_dataset("shapes", {"n_samples": 200, "texture": "class", "noise": 0.0}))
    assert (_stripe_direction(x[y == 0]) == 1).all()  # circles: horizontal stripes
    assert (_stripe_direction(x[y == 1]) == -1).all()  # squares: vertical stripes
    x, y = all_x_y(make_dataset("shapes", {"n_samples": 200, "texture": "random", "noise": 0.0}))
    share = (_stripe_direction(x[y == 0]) == 1).float().mean()
    assert 0.05 < share < 0.6  # a random texture says nothing about the class


def test_hierarchy_correlation_is_sigma_yx_of_one_hot_items():
    b = make_dataset("hierarchy", {"depth": 3, "branching": 2, "noise": 0.1, "seed": 1})
    x, y = b.x_train, b.y_train
    p = x.shape[0]
    assert torch.equal(x, torch.eye(p)) and torch.equal(b.x_val, x) and torch.equal(b.y_val, y)
    sigma_yx = (y.T @ x) / p  # E[y xᵀ] over the P equally likely items
    assert np.allclose(b.meta["correlation"], sigma_yx.numpy(), atol=1e-6)
    assert np.allclose(correlation(b.meta["feature_matrix"]), b.meta["correlation"])
    assert len(b.meta["items"]) == p and len(b.meta["features"]) == y.shape[1]
    assert b.meta["input_correlation_scale"] == pytest.approx(1 / p)
    assert set(torch.unique(y).tolist()) <= {0.0, 1.0}


def test_noise_free_tree_has_one_mode_group_per_level():
    b = make_dataset("hierarchy", {"depth": 3, "branching": 2})
    s = np.linalg.svd(b.meta["correlation"], compute_uv=False)
    groups = np.unique(np.round(s, 6), return_counts=True)[1][::-1]  # strongest first
    assert list(groups) == [1, 1, 2, 4]  # root, then 1, 2, 4 splits further down
    wide = make_dataset("hierarchy", {"depth": 2, "branching": 3, "feature_copies": 2})
    assert wide.task.input_shape == (9,) and wide.task.target_shape == (2 * 13,)


def test_planted_variant_is_block_structured():
    b = make_dataset("hierarchy", {"variant": "planted", "depth": 3, "categories": 4})
    y = b.meta["feature_matrix"]
    assert np.linalg.matrix_rank(y) == 4
    items_block = [name.split("block ")[1].rstrip(")") for name in b.meta["items"]]
    for i in range(y.shape[1]):
        for j in range(y.shape[1]):
            assert np.array_equal(y[:, i], y[:, j]) == (items_block[i] == items_block[j])


@pytest.mark.parametrize(("name", "kind"), [("spirals", "points"), ("sine", "curve"), ("digits", "images"),
                                            ("reverse", "sequences"), ("parity", "sequences"),
                                            ("hierarchy", "matrix")])
def test_preview_gives_drawable_arrays(name, kind):
    b = small(name)
    pv = preview(b, max_items=12)
    assert pv["kind"] == kind
    if kind == "points":
        assert pv["points"].shape == (12, 2) and pv["labels"].shape == (12,) and len(pv["extent"]) == 4
    if kind == "images":
        assert pv["images"].shape == (12, 8, 8) and pv["class_names"][int(pv["labels"][0])].isdigit()
    if kind == "sequences":
        assert len(pv["inputs"]) == 12 and len(pv["inputs"][0].split()) == b.task.input_shape[0]
        if name == "reverse":
            assert pv["targets"][0] == " ".join(reversed(pv["inputs"][0].split()))
        else:
            assert pv["labels"][0] in b.meta["class_names"]
    if kind == "matrix":
        assert pv["matrix"].shape == (len(pv["rows"]), len(pv["cols"]))


# ---------------------------------------------------------------- honest validation
FINITE = ["parity", "majority", "copy", "sort", "reverse", "addition"]
SHORT = [{}, {"length": 2}, {"length": 3}, {"length": 4, "vocab_size": 2}, {"length": 2, "vocab_size": 3},
         {"length": 1, "vocab_size": 2}]


def rows(x: torch.Tensor) -> list[tuple[int, ...]]:
    return [tuple(r) for r in x.reshape(len(x), -1).tolist()]


@pytest.mark.parametrize("name", FINITE)
@pytest.mark.parametrize("extra", SHORT, ids=lambda e: ",".join(f"{k}={v}" for k, v in e.items()) or "default")
def test_no_validation_input_appears_in_training(name, extra):
    if extra.get("length") == 1 and name != "addition":
        extra = {**extra, "length": 2}  # length 1 exists only for addition (digits per number)
    b = make_dataset(name, extra)
    train, val = rows(b.x_train), rows(b.x_val)
    assert val and not set(val) & set(train), f"{name} {extra}: validation inputs also in training"
    assert len(set(train)) == len(train) and len(set(val)) == len(val)  # no input repeated either
    again = make_dataset(name, extra)
    assert torch.equal(again.x_train, b.x_train) and torch.equal(again.x_val, b.x_val)


@pytest.mark.parametrize(("name", "params", "space"), [
    ("parity", {}, 256), ("parity", {"length": 4}, 16), ("majority", {}, 512),
    ("reverse", {"length": 2, "vocab_size": 2}, 4), ("sort", {"length": 3, "vocab_size": 3}, 27),
    ("addition", {"length": 1, "vocab_size": 3}, 9),
])
def test_small_spaces_use_every_input_once_and_say_so(name, params, space):
    b = make_dataset(name, params)
    assert b.n_train + b.n_val == space
    line = b.describe()
    assert f"only {space:,} distinct inputs exist" in line and "each is used once" in line


def test_large_spaces_keep_n_samples_and_say_nothing_about_overlap():
    for name, params in (("parity", {"length": 12}), ("copy", {}), ("addition", {})):
        b = make_dataset(name, params)
        assert b.n_train + b.n_val == b.params["n_samples"] and "split_note" not in b.meta
        assert ";" not in b.describe()


def test_parity_and_majority_stay_balanced_when_every_input_is_used():
    for name, params in (("parity", {"length": 6}), ("majority", {"length": 5, "vocab_size": 3})):
        _, y = all_x_y(make_dataset(name, params))
        counts = torch.bincount(y, minlength=2)
        assert counts[0] == counts[1], (name, counts)


def test_where_overlap_cannot_be_avoided_the_summary_says_so():
    assert "validation is the training items themselves" in make_dataset("hierarchy").describe()
    fixed = make_dataset("shapes", {"n_samples": 80, "position": 0.0, "scale": 0.0, "rotation": 0.0,
                                    "noise": 0.0})
    assert "validation repeats the training pictures" in fixed.describe()
    assert "split_note" not in make_dataset("shapes", {"n_samples": 80}).meta
