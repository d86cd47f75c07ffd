"""The lesion table: every single-block lesion of a trained network and what each one costs on
the main validation metric (``drop``: before minus after for accuracy, after minus before for
a loss, so worse is always positive).

The baseline is the intact network: lesions saved in the session are not applied here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from playground.analysis.evaluation import Evaluator, drop, trained_model
from playground.analysis.lesions import Lesion, LesionError, apply_lesions, single_lesion
from playground.data import DataBundle
from playground.graph.validate import topological_order
from playground.session.model import Session

CSV_COLUMNS = ("block", "kind", "metric", "before", "after", "drop")


@dataclass(frozen=True)
class LesionRow:
    block: str  # the block's label
    node_id: str
    kind: str
    metric: str  # "val/accuracy" or "val/loss"
    before: float
    after: float
    drop: float

    def csv_row(self) -> list[str]:
        return [self.block, self.kind, self.metric, f"{self.before:.6g}", f"{self.after:.6g}", f"{self.drop:.6g}"]


def lesion_table(session: Session, bundle: DataBundle | None = None,
                 lesions: Sequence[Lesion] | None = None) -> list[LesionRow]:
    """One row per lesion (default: every block's single lesion, in topological order: an Add's
    branch is cut, any other block whose shape allows it is bypassed). Each lesion is applied
    alone and removed again, so the session's network is unchanged afterwards."""
    bundle = bundle if bundle is not None else session.bundle()
    model = trained_model(session, bundle)
    graph = session.graph
    if lesions is None:
        order, _ = topological_order(graph)
        found = [single_lesion(model, graph, nid) for nid in order if nid in model.node_names]
        lesions = [lesion for lesion in found if lesion is not None]
    else:  # refuse a bad one before any work is spent
        apply_lesions(model, graph, lesions).remove()
    evaluator = Evaluator(model, bundle)
    before = evaluator.score()
    rows = []
    for lesion in lesions:
        with apply_lesions(model, graph, [lesion]):
            after = evaluator.score()
        rows.append(LesionRow(graph.nodes[lesion.node_id].label, lesion.node_id, lesion.kind, before.metric,
                              before.value, after.value, drop(before, after)))
    return rows


def lesion_for_label(session: Session, bundle: DataBundle, label: str, units: Sequence[int] = ()) -> Lesion:
    """The lesion a person names by block label: zero ``units`` when given, else the block's
    single lesion. LesionError for an unknown label or a lesion the block does not allow."""
    node = session.graph.node_by_label(label)
    if node is None:
        known = ", ".join(n.label for n in session.graph.nodes.values())
        raise LesionError(f"no block labelled {label!r} (blocks: {known})")
    model = trained_model(session, bundle, need_weights=False)
    if units:
        lesion = Lesion("zero_units", node.id, tuple(units))
        apply_lesions(model, session.graph, [lesion]).remove()
        return lesion
    found = single_lesion(model, session.graph, node.id)
    if found is None:  # say why the bypass is refused
        apply_lesions(model, session.graph, [Lesion("bypass", node.id)])
        raise LesionError(f'block "{label}" allows no lesion')
    return found
