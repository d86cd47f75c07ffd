"""Pack the window's state into a Session, and unpack a Session into the window.

The graph, dataset, settings, weights (with optimizer and counters for an
exact resume) and metric history go into the file; ``ui_state`` keeps the
theme, the canvas viewport and which views were open.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QPointF

from playground.data import DataBundle, get_dataset
from playground.session.errors import SessionError
from playground.session.model import Session
from playground.session.validate import fit_session_weights
from playground.ui import dialogs
from playground.ui.theme import current_theme

if TYPE_CHECKING:
    from playground.ui.main_window import MainWindow


def snapshot_session(window: MainWindow) -> Session:
    """The window's work as a Session (call on the GUI thread; pause training for exactness)."""
    ctl = window.controller
    bundle = window.dataset_panel.bundle
    dataset = bundle.name if bundle is not None else window.dataset_panel.name
    params = dict(bundle.params) if bundle is not None else window.dataset_panel.params()
    session = Session(graph=window.document.graph.copy(), dataset=dataset, dataset_params=params,
                      config=window.training_panel.config())
    trainer = ctl.trainer
    if trainer is not None and trainer.step > 0 and ctl.trainer_matches_inputs():
        session.capture(trainer)
        session.config = window.training_panel.config()
    else:
        weights = ctl.weights()
        session.weights = dict(weights) if weights else None
        session.history = ctl.buffer.export_history()
    session.runs = [dict(run) for run in ctl.runs]
    if bundle is not None and not get_dataset(dataset).regenerable:
        session.embed_bundle(bundle)  # the file may move; the table travels with the session
    if bundle is not None:  # weights that no longer fit the edited network are fitted, never saved as they are
        fitted = fit_session_weights(session, bundle.task)
        if fitted:
            window.show_message("Saved with the weights fitted to the network: " + "; ".join(fitted))
    center = window.canvas.mapToScene(window.canvas.viewport().rect().center())
    session.ui_state = {
        "theme": current_theme(),
        "zoom": float(window.canvas.zoom()),
        "center": [float(center.x()), float(center.y())],
        "open_views": [view.title for dock, view in window.views if dock.isVisible()],
    }
    return session


def apply_session(window: MainWindow, session: Session, bundle: DataBundle) -> bool:
    """Show ``session`` in ``window``; a training state that does not fit is reported, the rest loads."""
    ctl = window.controller
    ctl.new_session()
    window.dataset_panel.show_bundle(bundle)
    window.document.set_task(bundle.task)
    window.document.set_graph(session.graph)
    window.training_panel.set_config(session.config)
    session.config = window.training_panel.config()  # e.g. a GPU run opened on a CPU-only machine
    window.sync_inputs()
    if session.weights is not None:
        try:
            trainer = session.make_trainer(ctl.buffer, bundle)
        except (SessionError, ValueError, RuntimeError) as exc:
            dialogs.inform(window, "Training state not restored",
                           f"The network and data were opened, but the saved weights could not be used: {exc}",
                           kind="warning")
        else:
            ctl.adopt(trainer)
    elif session.history:
        ctl.buffer.import_history(session.history)
    ctl.set_runs(session.runs)
    _restore_view(window, session.ui_state or {})
    return True


def _restore_view(window: MainWindow, ui: dict[str, Any]) -> None:
    canvas = window.canvas
    zoom, center = ui.get("zoom"), ui.get("center")
    if isinstance(zoom, (int, float)) and zoom > 0 and isinstance(center, list) and len(center) == 2:
        canvas.zoom_by(float(zoom) / canvas.zoom())
        canvas.centerOn(QPointF(float(center[0]), float(center[1])))
    else:
        canvas.fit_view()
