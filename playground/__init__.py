"""Neural Playground: build, train and watch neural networks.

Layers (dependencies point downward only; enforced by tests/unit/test_layers.py):
    ui/       Qt windows and views            -> everything below, PySide6, pyqtgraph
    cli/      command line, one module a command -> everything below (ui only to launch)
    session/  save/load, autosave, recovery   -> train, compile, data, graph
    train/    Trainer, probes, MetricsBuffer  -> compile, data, graph, torch
    data/     toy datasets, CSV import        -> numpy, torch
    compile/  blocks, shapes, graph->Module   -> graph, torch
    graph/    Graph model, edits, validation  -> standard library only
"""

__version__ = "0.1.0"
