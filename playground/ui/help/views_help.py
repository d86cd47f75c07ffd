"""Help ▸ About the Views: what each view shows and what to look for in it."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QListWidget,
    QMainWindow,
    QPushButton,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from playground.ui.views.pending import view_class_of

# By class name, so a view added later without a description is caught by a test.
VIEW_DESCRIPTIONS: dict[str, str] = {
    "CurvesView": (
        "Loss and accuracy over the optimizer steps, for the training batches and the validation set. "
        "The faint line is the raw value, the strong one smoothed. Look for: both falling together "
        "(learning), validation rising while training falls (overfitting), a flat line (a learning "
        "rate too small, or a problem in the network). Earlier runs stay as faded curves to compare."),
    "HistogramView": (
        "How the weights (and gradients) of each layer are spread, step after step, as in TensorBoard. "
        "Look for: weights spreading out from their start as they learn, gradients that vanish (a "
        "spike at zero) or explode (ever wider)."),
    "BoundaryView": (
        "For 2-D data: the network's prediction over the whole plane, coloured by class, with the "
        "training points on top, as in TensorFlow Playground. Look for: the boundary bending to fit "
        "the data; islands around single points mean it is memorising noise."),
    "ActivationsView": (
        "What each layer outputs for a few samples: feature maps for convolutions, unit values for "
        "dense layers, reconstructions for autoencoders. Look for: units that never change (dead), "
        "maps that pick out edges or strokes."),
    "AttentionView": (
        "The attention weights of a transformer block's heads: which position (column) each position "
        "(row) looks at. It opens on the most structured head. Look for: sharp patterns such as a "
        "diagonal or an anti-diagonal once the task is learned."),
    "DynamicsView": (
        "How learning unfolds: the strength of each mode of the data in the network over time, and "
        "how similar the representations are from step to step. Look for: stage-like learning, one "
        "mode after another, in deep linear networks."),
    "ConfusionView": (
        "For classifiers: how often each true class (row) is predicted as each class (column), with "
        "precision and recall per class. Look for: the classes the network mixes up."),
    "ProjectorView": (
        "A block's activations on the validation samples, on their two principal axes (PCA), coloured "
        "by class, at the step the timeline shows. Look for: the classes pulling apart as it trains."),
}


def describe(view: QWidget) -> str:
    """The description of ``view`` (its docstring's first paragraph when none is written); a view
    not built yet is described by the class its placeholder stands in for."""
    cls = view_class_of(view)
    if cls.__name__ in VIEW_DESCRIPTIONS:
        return VIEW_DESCRIPTIONS[cls.__name__]
    doc = (cls.__doc__ or "").strip().split("\n\n")[0]
    return " ".join(doc.split()) or "No description yet."


class ViewsDialog(QDialog):
    """A list of the window's views; choosing one shows its description; "Show This View" brings
    its panel forward."""

    def __init__(self, window: QMainWindow, parent: QWidget | None = None) -> None:
        super().__init__(parent or window)
        self.setObjectName("views_dialog")
        self.setWindowTitle("About the Views")
        self.window_ = window
        self.pairs = [(dock, view) for dock, view in getattr(window, "views", [])]
        self.list = QListWidget(self)
        self.list.setObjectName("views_list")
        self.list.setAccessibleName("Views")
        self.list.setToolTip("Choose a view to read what it shows")
        self.list.addItems([getattr(view, "title", type(view).__name__) for _, view in self.pairs])
        self.text = QTextBrowser(self)
        self.text.setObjectName("views_text")
        self.text.setAccessibleName("What the view shows")
        self.show_view = QPushButton("Show This View")
        self.show_view.setObjectName("views_show")
        self.show_view.setAccessibleName("Show this view")
        self.show_view.setToolTip("Bring this view's panel forward in the window")
        self.show_view.clicked.connect(self.bring_forward)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.addButton(self.show_view, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        row = QHBoxLayout()
        row.addWidget(self.list, 1)
        row.addWidget(self.text, 2)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(buttons)
        self.list.currentRowChanged.connect(self._chosen)
        if self.pairs:
            self.list.setCurrentRow(0)
        self.resize(640, 360)

    def _chosen(self, row: int) -> None:
        if 0 <= row < len(self.pairs):
            _dock, view = self.pairs[row]
            self.text.setPlainText(describe(view))

    def bring_forward(self) -> None:
        row = self.list.currentRow()
        if 0 <= row < len(self.pairs):
            dock, _view = self.pairs[row]
            dock.show()
            dock.raise_()
