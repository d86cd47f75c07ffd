"""The block palette lists the library by category, filters by search, drags real mime data."""

from __future__ import annotations

from PySide6.QtCore import Qt

from playground.compile.blocks import BLOCKS
from playground.graph.spec import BLOCK_CATEGORIES
from playground.ui.canvas.add_block_popup import AddBlockPopup
from playground.ui.canvas.block_item import CATEGORY_COLORS
from playground.ui.palette import BLOCK_MIME, BlockPalette


def test_categories_descriptions_and_search(qtbot):
    palette = BlockPalette()
    qtbot.addWidget(palette)
    categories = {palette.tree.topLevelItem(i).text(0) for i in range(palette.tree.topLevelItemCount())}
    assert categories == {b.category for b in BLOCKS.values()}
    assert set(palette.items) == set(BLOCKS)
    assert BLOCKS["Linear"].description in palette.items["Linear"].toolTip(0)
    palette.search.setText("conv")
    shown = palette.visible_blocks()
    assert "Conv2d" in shown and "Linear" not in shown
    palette.search.setText("residual")  # matches the description of Add
    assert "Add" in palette.visible_blocks()
    palette.search.setText("")
    assert len(palette.visible_blocks()) == len(BLOCKS)


def test_mime_data_and_activation(qtbot):
    palette = BlockPalette()
    qtbot.addWidget(palette)
    mime = palette.mime_data_for("LSTM")
    assert mime.hasFormat(BLOCK_MIME) and bytes(mime.data(BLOCK_MIME).data()).decode() == "LSTM"
    with qtbot.waitSignal(palette.block_activated, timeout=1000) as blocker:
        palette.tree.itemActivated.emit(palette.items["ReLU"], 0)
    assert blocker.args == ["ReLU"]


def test_one_category_order_and_one_colour_per_category(qtbot):
    """The order is graph.spec's table, the colours the canvas's; palette and Tab search agree."""
    palette = BlockPalette()
    qtbot.addWidget(palette)
    shown = [palette.tree.topLevelItem(i).text(0) for i in range(palette.tree.topLevelItemCount())]
    assert shown == [c for c in BLOCK_CATEGORIES if any(b.category == c for b in BLOCKS.values())]
    popup = AddBlockPopup()
    qtbot.addWidget(popup)
    listed = [BLOCKS[popup.list.item(i).data(Qt.ItemDataRole.UserRole)].category for i in range(popup.list.count())]
    assert listed == sorted(listed, key=BLOCK_CATEGORIES.index)
    assert set(CATEGORY_COLORS) == set(BLOCK_CATEGORIES)
    assert len({c.name() for c in CATEGORY_COLORS.values()}) == len(CATEGORY_COLORS)
