"""The editing commands of the canvas (the window's menus and the canvas's keys call them):
copy, cut, paste at the cursor, duplicate, group, auto-layout, and the +/− unit and
"+ layer" edits. Each is one ordinary undoable graph edit pushed through the Document, so a
paused run sees a paste or a resize like any other edit."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QPoint, QPointF
from PySide6.QtGui import QCursor

from playground.graph.edits import Edit, Macro, MoveNode, RemoveNode, SetGroup, add_layer_after, resize_units
from playground.graph.model import GraphEditError, GraphFormatError, Group
from playground.ui.canvas import clipboard
from playground.ui.canvas.block_item import HEADER, WIDTH
from playground.ui.canvas.edit_builders import COLUMN_GAP, delete_selection
from playground.ui.canvas.fitting import laid_out_by_machine, reflow_positions
from playground.ui.canvas.interactions import snap

if TYPE_CHECKING:
    from playground.ui.canvas.view import GraphCanvasView

PASTE_OFFSET = 40.0


class CanvasEditing:
    """Mixed into GraphCanvasView (``self`` is the view)."""

    _paste_count: int
    _auto_fit: bool

    def delete_selected(self: GraphCanvasView) -> None:
        macro = delete_selection(self.graph_scene, self.document.graph)
        if macro is not None:
            self.document.push(macro)

    def copy(self: GraphCanvasView) -> None:
        ids = self.selected_node_ids()
        if not ids:
            self.document.message.emit("Nothing to copy: select some blocks first")
            return
        clipboard.put_on_clipboard(clipboard.copy_fragment(self.document.graph, ids))
        self._paste_count = 0

    def cut(self: GraphCanvasView) -> None:
        ids = self.selected_node_ids()
        if not ids:
            self.document.message.emit("Nothing to cut: select some blocks first")
            return
        clipboard.put_on_clipboard(clipboard.copy_fragment(self.document.graph, ids))
        self._paste_count = 0
        graph = self.document.graph
        self.document.push(Macro([RemoveNode(n) for n in graph.nodes if n in set(ids)], "Cut"))

    def cursor_view_pos(self: GraphCanvasView) -> QPoint | None:
        """The mouse position in the viewport, or None when the mouse is elsewhere."""
        pos = self.viewport().mapFromGlobal(QCursor.pos())
        return pos if self.viewport().rect().contains(pos) else None

    def paste(self: GraphCanvasView, view_pos: QPoint | None = None) -> None:
        """Paste the copied blocks with the top-left one's title at ``view_pos`` (default: the
        mouse, when it is over the canvas; otherwise next to where they were copied from)."""
        try:
            fragment = clipboard.take_from_clipboard()
        except GraphFormatError as err:
            self.document.message.emit(f"Cannot paste: {'; '.join(err.problems)}")
            return
        if fragment is None:
            self.document.message.emit("Nothing to paste: copy some blocks first")
            return
        at = view_pos if view_pos is not None else self.cursor_view_pos()
        if at is not None:
            self._paste_fragment(fragment, self._offset_to(fragment, self.mapToScene(at)))
            return
        self._paste_count += 1
        self._paste_fragment(fragment, (PASTE_OFFSET * self._paste_count,) * 2)

    def _offset_to(self: GraphCanvasView, fragment: object, scene_pos: QPointF) -> tuple[float, float]:
        """The shift that puts the fragment's top-left block's title bar centre at ``scene_pos``."""
        nodes = fragment.get("nodes") if isinstance(fragment, dict) else None
        points = [n["pos"] for n in nodes or [] if isinstance(n, dict) and isinstance(n.get("pos"), list | tuple)
                  and len(n["pos"]) == 2 and all(isinstance(v, int | float) for v in n["pos"])]
        if not points:
            return 0.0, 0.0
        left, top = min(p[0] for p in points), min(p[1] for p in points)
        x, y = scene_pos.x() - WIDTH / 2, scene_pos.y() - HEADER / 2
        if self.snap_enabled:
            x, y = snap(x), snap(y)
        return x - left, y - top

    def duplicate(self: GraphCanvasView) -> None:
        ids = self.selected_node_ids()
        if not ids:
            self.document.message.emit("Nothing to duplicate: select some blocks first")
            return
        self._paste_fragment(clipboard.copy_fragment(self.document.graph, ids), (PASTE_OFFSET, PASTE_OFFSET))

    def _paste_fragment(self: GraphCanvasView, fragment: object, offset: tuple[float, float]) -> None:
        try:
            macro, new_ids = clipboard.paste_edits(self.document.graph, fragment, offset)
        except GraphFormatError as err:
            self.document.message.emit(f"Cannot paste: {'; '.join(err.problems)}")
            return
        if new_ids and self.document.push(macro):
            self.select_nodes(new_ids)

    def group_selected(self: GraphCanvasView, title: str = "Group") -> str | None:
        ids = self.selected_node_ids()
        if not ids:
            self.document.message.emit("Select the blocks to group first")
            return None
        gid = self.document.graph.new_id("g")
        if self.document.push(SetGroup(gid, Group(gid, title, tuple(ids)))):
            return gid
        return None

    def rename_group(self: GraphCanvasView, group_id: str, title: str) -> None:
        group = self.document.graph.groups.get(group_id)
        if group is not None and title != group.title:
            self.document.push(SetGroup(group_id, Group(group_id, title, group.node_ids)))

    # ------------------------------------------------------------ units and layers
    def change_units(self: GraphCanvasView, node_id: str, delta: int) -> bool:
        """Add (``delta`` > 0) or remove units/channels at the end of a Linear or convolution, as
        one undo step; the trained weights of the other units are kept when training resumes."""
        try:
            edit = resize_units(self.document.graph, node_id, delta, self.graph_scene.catalog)
        except (GraphEditError, KeyError) as err:
            self.document.message.emit(str(err))
            return False
        return self.document.push(edit)

    def add_layer(self: GraphCanvasView, node_id: str) -> list[str]:
        """Insert a layer like this one (and its activation) after it, as one undo step."""
        graph = self.document.graph
        machine = laid_out_by_machine(graph)
        try:
            edit, ids = add_layer_after(graph, node_id, self.graph_scene.catalog, COLUMN_GAP)
        except (GraphEditError, KeyError) as err:
            self.document.message.emit(str(err))
            return []
        if machine:
            edit = self._with_layout(edit)
        if not self.document.push(edit):
            return []
        if self._auto_fit:
            self._fit_timer.start()
        self.select_nodes(ids[:1])
        return ids

    def _with_layout(self: GraphCanvasView, edit: Macro) -> Macro:
        """``edit`` followed by the moves that lay the result out again (same bands), in one step:
        a network nobody arranged by hand stays tidy when a layer is inserted."""
        graph = self.document.graph
        trial = graph.copy()
        edit.apply(trial)  # ids are fixed, and apply() recomputes its undo state on the real graph
        positions = reflow_positions(self, trial, force=True)
        if positions is None:
            return edit
        x0 = min(n.pos[0] for n in graph.nodes.values())
        y0 = min(n.pos[1] for n in graph.nodes.values())
        moves: list[Edit] = [MoveNode(nid, (x0 + x, y0 + y)) for nid, (x, y) in positions.items()]
        return Macro([*edit.edits, *moves], edit.text)

    def change_selected_units(self: GraphCanvasView, delta: int) -> None:
        """The + and − keys: the same as the buttons, on each selected block that has units."""
        ids = [nid for nid in self.selected_node_ids()
               if (b := self.graph_scene.blocks.get(nid)) is not None and b.has_unit_controls]
        if not ids:
            self.document.message.emit("Select a Linear or convolution block to change its units with + and −")
        for nid in ids:
            self.change_units(nid, delta)
