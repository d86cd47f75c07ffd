"""Looking inside a trained network: model summary, lesions, pruning and lottery tickets,
confusion matrices, the learning-rate range test.

Layer: analysis, between session and workspace. It may import session, train, compile, data
and graph (never workspace, cli or ui), and no Qt. Everything here runs headless, so the
CLI, the tests and the app share one implementation.
"""

from playground.analysis.confusion import Confusion, confusion
from playground.analysis.early_stopping import EarlyStopping
from playground.analysis.lesion_table import LesionRow, lesion_table
from playground.analysis.lesions import Lesion, LesionError, apply_lesions
from playground.analysis.lr_finder import LRSweep, lr_range_test
from playground.analysis.prune import PruneResult, prune_session
from playground.analysis.pruning import PruneError, magnitude_masks
from playground.analysis.summary import Summary, SummaryRow, model_summary

prune = prune_session  # the name contract 5 uses

__all__ = ["Confusion", "EarlyStopping", "LRSweep", "Lesion", "LesionError", "LesionRow", "PruneError",
           "PruneResult", "Summary", "SummaryRow", "apply_lesions", "confusion", "lesion_table", "lr_range_test",
           "magnitude_masks", "model_summary", "prune", "prune_session"]
