"""Pure helpers behind the views: smoothing, rebinning, tiling, colours, thumbnails, CSV errors."""

from __future__ import annotations

import numpy as np
import pytest

from playground.train.metrics import MetricsBuffer
from playground.ui.views import unit_thumbnails
from playground.ui.views.binning import percentiles, rebin, shared_edges
from playground.ui.views.boundary_view import class_image
from playground.ui.views.curves_view import epoch_axis
from playground.ui.views.export import ExportError, write_csv
from playground.ui.views.smoothing import ema_smooth
from playground.ui.views.tiling import tile_maps


def tensorboard_loop(values: np.ndarray, weight: float) -> np.ndarray:
    """TensorBoard's smoothing written the slow, obvious way."""
    last, out, count = 0.0, [], 0
    for v in values:
        if not np.isfinite(v):
            out.append(np.nan)
            continue
        count += 1
        last = last * weight + (1 - weight) * v
        out.append(last / (1 - weight ** count))
    return np.array(out)


@pytest.mark.parametrize("weight", [0.0, 0.2, 0.6, 0.9, 0.99])
def test_smoothing_matches_tensorboard_loop(weight: float) -> None:
    rng = np.random.default_rng(1)
    values = rng.normal(size=20_000).cumsum()
    values[[5, 600, 9000]] = [np.nan, np.inf, -np.inf]
    got = ema_smooth(values, weight)
    want = tensorboard_loop(values, weight)
    assert np.array_equal(np.isnan(got), np.isnan(want))
    ok = ~np.isnan(want)
    assert np.allclose(got[ok], want[ok], rtol=1e-9, atol=1e-9)


def test_smoothing_starts_at_first_value_and_rejects_bad_weight() -> None:
    assert ema_smooth(np.array([4.0, 4.0, 4.0]), 0.9) == pytest.approx([4.0, 4.0, 4.0])
    with pytest.raises(ValueError, match="smoothing weight"):
        ema_smooth(np.ones(3), 1.0)


def test_rebin_keeps_totals_and_moves_mass() -> None:
    counts = np.array([0, 10, 30, 10, 0])
    edges = np.linspace(-1, 1, 6)
    same = rebin(counts, edges, edges)
    assert same == pytest.approx(counts)
    wide = rebin(counts, edges, np.linspace(-2, 2, 5))  # bins of width 1: [-2,-1], [-1,0], [0,1], [1,2]
    assert wide.sum() == pytest.approx(50)
    assert wide == pytest.approx([0, 25, 25, 0])
    narrow = rebin(counts, edges, np.linspace(-0.2, 0.2, 3))  # mass outside lands in the end bins
    assert narrow.sum() == pytest.approx(50)


def test_percentiles_and_shared_edges() -> None:
    counts = np.array([25, 25, 25, 25])
    edges = np.array([0.0, 1.0, 2.0, 3.0, 4.0])
    assert percentiles(counts, edges, (0.25, 0.5, 0.9)) == pytest.approx([1.0, 2.0, 3.6])
    assert np.isnan(percentiles(np.zeros(4), edges, (0.5,))).all()
    shared = shared_edges([(-1.0, 0.5), (-0.2, 2.0)], 6)
    assert shared[0] == -1.0 and shared[-1] == 2.0 and len(shared) == 7


def test_tile_maps_lays_out_grid_with_gaps() -> None:
    maps = np.arange(5 * 2 * 3, dtype=float).reshape(5, 2, 3)
    grid, rows, cols = tile_maps(maps)
    assert (rows, cols) == (2, 3)
    assert grid.shape == (2 * 3 - 1, 3 * 4 - 1)
    assert np.array_equal(grid[0:2, 4:7], maps[1])
    assert np.isnan(grid[2]).all()  # the gap row
    assert np.isnan(grid[3:, 8:]).all()  # the unused sixth tile


def test_epoch_axis_is_fractional_between_changes() -> None:
    steps = np.array([0.0, 5.0, 10.0, 15.0, 30.0])
    epoch_steps = np.array([0.0, 10.0, 20.0])
    epoch_values = np.array([0.0, 1.0, 2.0])
    assert epoch_axis(steps, epoch_steps, epoch_values) == pytest.approx([0.0, 0.5, 1.0, 1.5, 3.0])


def test_class_image_colours_follow_probabilities() -> None:
    p = np.array([[0.0, 1.0], [0.5, 0.9]])  # binary: P(class 1)
    rgb = class_image(p, discrete=False)
    assert rgb.shape == (2, 2, 3) and rgb.dtype == np.uint8
    assert rgb[0, 0, 0] > rgb[0, 0, 2]  # class 0 orange: more red than blue
    assert rgb[0, 1, 2] > rgb[0, 1, 0]  # class 1 blue
    assert rgb[1, 0].min() > 240  # undecided: near white
    discrete = class_image(p, discrete=True)
    assert np.array_equal(discrete[0, 1], discrete[1, 1])  # 0.9 and 1.0 both become class 1
    three = np.zeros((2, 2, 3))
    three[..., 2] = 1.0
    assert len({tuple(c) for c in class_image(three, False).reshape(-1, 3)}) == 1


def test_unit_thumbnails_tile_units_per_node(qapp) -> None:
    buffer = MetricsBuffer()
    assert unit_thumbnails(buffer) == {}
    g = np.linspace(-1, 1, 64)
    xx, _ = np.meshgrid(g, g)
    buffer.put_snapshot("units", 10, {"n3": np.stack([xx] * 16).astype(np.float32),
                                      "n5": np.stack([xx, -xx]).astype(np.float32)})
    thumbs = unit_thumbnails(buffer)
    assert set(thumbs) == {"n3", "n5"}
    assert (thumbs["n3"].width(), thumbs["n3"].height()) == (4 * 17 - 1, 4 * 17 - 1)
    assert (thumbs["n5"].width(), thumbs["n5"].height()) == (2 * 17 - 1, 16)
    left, right = thumbs["n5"].pixelColor(0, 8), thumbs["n5"].pixelColor(15, 8)
    assert left.red() > left.blue() and right.blue() > right.red()  # x₁ rises left → right: orange → blue
    assert unit_thumbnails(buffer)["n3"].size() == thumbs["n3"].size()


@pytest.mark.filterwarnings("ignore:All-NaN slice")
def test_unit_heatmap_matches_the_canvas_tagging_and_reads_units_with_nan(qapp) -> None:
    """The one-pass heatmap is the picture and hover readout ``tag_tiled_units`` gives, NaN included."""
    from playground.ui.canvas.block_controls import UNIT_GRID_KEY, tag_tiled_units, unit_grid
    from playground.ui.views.colormaps import array_to_qimage
    from playground.ui.views.thumbnails import MAX_TILES, tile_units, unit_image

    rng = np.random.default_rng(3)
    units = (rng.normal(size=(20, 64, 64)) * np.arange(1, 21)[:, None, None]).astype(np.float32)
    units[2, 5, 7] = np.nan  # one NaN point: the range of the rest
    units[4] = np.nan  # a dead unit: nothing to read
    image = unit_image(units)
    slow = tag_tiled_units(array_to_qimage(tile_units(units), -1.0, 1.0, "diverging"), units[:MAX_TILES])
    assert image == slow and image.text(UNIT_GRID_KEY)  # the same picture, tagged
    grid = unit_grid(image)
    other = unit_grid(slow)  # the same readout; worked out only now, when it is read
    assert other is not None and (grid.rows, grid.cols, grid.tile, grid.gap) == (other.rows, other.cols, other.tile,
                                                                                 other.gap)
    assert np.allclose(grid.ranges, other.ranges, equal_nan=True)
    assert grid is not None and len(grid.ranges) == MAX_TILES
    assert grid.ranges[2] == (float(np.nanmin(units[2])), float(np.nanmax(units[2])))
    assert np.isnan(grid.ranges[4][0]) and grid.ranges[0] == (float(units[0].min()), float(units[0].max()))


def test_write_csv_reports_unwritable_path(tmp_path) -> None:
    with pytest.raises(ExportError, match="could not write the data to"):
        write_csv(tmp_path / "missing" / "x.csv", ("a",), [(1,)])
    assert write_csv(tmp_path / "ok.csv", ("a", "b"), [(1, float("nan")), (2, 0.5)]) == 2
    assert (tmp_path / "ok.csv").read_text().splitlines() == ["a,b", "1,", "2,0.5"]
