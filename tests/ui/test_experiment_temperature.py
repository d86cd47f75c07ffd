"""The attention experiment's window: the trained head's map with a softmax temperature slider;
moving it towards 0 saturates every row into one key (the entropy falls), towards large T the
rows even out."""

from __future__ import annotations

import numpy as np
from test_experiments_menu import wait_until_done


def test_the_temperature_slider_shows_saturation(open_window):
    window = open_window()
    win = window.window_actions.experiments.open("attention")
    wait_until_done(win)
    assert win.result is not None, win.error
    tmap = win.temperature_map
    assert tmap is not None and tmap.isVisible() and tmap.slider.accessibleName() and tmap.slider.toolTip()
    assert tmap.temperature == 1.0 and np.allclose(tmap.shown, win.result.facts["final_map"][0])
    entropies = []
    for position in (tmap.slider.maximum(), 25, 0, -25, tmap.slider.minimum()):  # T = 100, 10, 1, 0.1, 0.01
        tmap.slider.setValue(position)
        entropies.append(tmap.entropy)
        assert tmap.label.text().startswith(f"T = {tmap.temperature:.3g}: entropy {tmap.entropy:.2f}")
    assert entropies == sorted(entropies, reverse=True) and entropies[0] > entropies[-1]
    assert entropies[0] > 0.9 and entropies[-1] < 0.05
    assert np.allclose(tmap.shown.max(axis=-1), 1.0, atol=0.05)  # T = 0.01: one key per query
    assert np.allclose(tmap.image.image, tmap.shown)
    win.close()

