"""All views share one drawing budget, so several open views cannot together starve training."""

import time

from playground.graph.model import Graph
from playground.train.metrics import MetricsBuffer
from playground.ui.views import view_panel
from playground.ui.views.base import ViewContext
from playground.ui.views.curves_view import CurvesView


def test_budget_waits_until_the_spent_time_decays_below_the_share():
    budget = view_panel.DrawBudget(horizon=1.0)
    assert budget.wait(0.05) == 0.0
    budget.charge(0.2)  # four times the 0.05 s allowed in a 1 s horizon
    wait = budget.wait(0.05)
    assert 1.2 < wait < 1.5  # ln(4) seconds
    budget.spent, budget._at = 0.04, time.perf_counter()
    assert budget.wait(0.05) == 0.0


def test_views_over_budget_defer_and_then_take_turns(qtbot, monkeypatch):
    shared = view_panel.DrawBudget(horizon=0.5)
    monkeypatch.setattr(view_panel, "BUDGET", shared)
    buffer = MetricsBuffer()
    for step in range(50):
        buffer.add_scalars(step, {"train/loss": 1.0 / (step + 1)})
    context = ViewContext(Graph())
    views = []
    for _ in range(3):
        view = CurvesView()
        qtbot.addWidget(view)
        view.show()
        view.refresh(buffer, context)  # the first picture always comes at once
        view.busy_budget = 0.01
        views.append(view)
    assert all(v.draw_count == 1 for v in views)
    shared.charge(1.0)  # far over budget: new data must wait
    buffer.add_scalars(50, {"train/loss": 0.01})
    for view in views:
        view.refresh(buffer, context)
    assert all(v.draw_count == 1 for v in views), "views drew although the budget was spent"
    shared.spent = 0.0  # budget free again: the deferred redraws catch up with the new point
    qtbot.waitUntil(lambda: all(v.draw_count >= 2 for v in views), timeout=8000)
    assert all(len(v.curves["train/loss"].getOriginalDataset()[0]) == 51 for v in views)


def test_a_view_whose_data_did_not_change_draws_nothing_while_the_buffer_moves(qtbot):
    """The confusion matrix is recorded on the record's schedule, the buffer changes every step:
    refreshes in between leave the picture as it is, and a new matrix, a pinned step and the
    row-shares switch each show at once."""
    import numpy as np

    from playground.ui.views.confusion_view import ConfusionView

    view = ConfusionView()
    qtbot.addWidget(view)
    view.show()
    buffer = MetricsBuffer()
    context = ViewContext(Graph())
    buffer.put_snapshot("confusion", 0, {"counts": np.array([[5, 1], [2, 4]])})
    view.refresh(buffer, context)
    drawn = view.draw_count
    for step in range(1, 20):  # the per-step loss moves the buffer, not the matrix
        buffer.add_points("train/loss", [step], [1.0 / step])
        view.refresh(buffer, context)
    assert view.draw_count == drawn and view.shown is not None and int(view.shown.counts[0, 0]) == 5
    buffer.put_snapshot("confusion", 20, {"counts": np.array([[6, 0], [1, 5]])})
    view.refresh(buffer, context)
    assert view.draw_count == drawn + 1 and int(view.shown.counts[0, 0]) == 6
    view.show_step(0)
    assert int(view.shown.counts[0, 0]) == 5
    view.refresh(buffer, context)  # pinned: still the matrix of step 0
    assert int(view.shown.counts[0, 0]) == 5
    view.show_step(None)
    view.refresh(buffer, context)
    assert int(view.shown.counts[0, 0]) == 6
    before = view.image.image.copy()
    view.normalise.setChecked(False)  # counts instead of shares: drawn at once
    assert not np.array_equal(before, view.image.image)
