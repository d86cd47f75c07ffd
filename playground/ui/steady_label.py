"""Text that changes many times a second (the readout's numbers, the timeline's step, the status
bar's counters) without asking the window for a new layout each time.

A QLabel whose text changes tells its parent layout that its size may have changed; the request
climbs to the main window, which lays out every dock again and repaints the whole window. While
training that happened at every tick, for a number going from 0.6931 to 0.6929. A steady label has
a fixed size: it grows (one layout) when a text no longer fits, and never shrinks while shown, so
text that changes within its room costs only the label's own repaint.
"""

from __future__ import annotations

from PySide6.QtWidgets import QLabel

PAD = 4  # pixels beyond the text's advance: the frame and a rounding pixel


def set_steady_text(label: QLabel, text: str) -> None:
    """``label.setText(text)``, with the label's size fixed to the widest text it has shown."""
    if label.text() == text:
        return
    margins = label.contentsMargins()
    frame = 2 * (label.margin() + label.frameWidth()) + margins.left() + margins.right()
    needed = label.fontMetrics().horizontalAdvance(text) + frame + PAD
    fixed = label.minimumSize() == label.maximumSize()
    if not fixed:
        label.setFixedSize(needed, label.sizeHint().height())
    elif needed > label.maximumWidth():
        label.setFixedWidth(needed)
    label.setText(text)
