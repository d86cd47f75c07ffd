"""The block palette lists the library by category, filters by search, drags real mime data."""

from __future__ import annotations

from playground.compile.blocks import BLOCKS
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
