"""Exports: a session's network as standalone PyTorch code, as ONNX, and as a training script
for ``torchrun``.

Layer: above ``session`` (and so above ``train``): the training script is assembled from the
Trainer's own helpers (``source_parts``), and it can write a session file that ``playground``
opens. Below ``analysis``, ``workspace``, ``cli`` and ``ui``, which call :mod:`.files` to write
the files; that is the one place that writes them, so File ▸ Export and ``playground export``
give the same files. Qt-free.
"""
