"""Cycles holding Qt objects are collected on the GUI thread, never on a training thread."""

import gc
import threading

from PySide6.QtWidgets import QWidget

from playground.ui.app import GuiThreadCollector, make_application


def test_automatic_collection_is_off_and_the_gui_timer_collects(qtbot):
    app = make_application()
    assert not gc.isenabled()  # the app's collector owns collection
    collector = app._playground_gc
    assert isinstance(collector, GuiThreadCollector) and collector.timer.isActive()
    freed_on: list[str] = []

    class Holder(QWidget):
        pass

    for _ in range(3):  # widgets in reference cycles: only a collection frees them
        w = Holder()
        w.me = w
        w.destroyed.connect(lambda *_: freed_on.append(threading.current_thread().name))
    del w
    worker = threading.Thread(target=lambda: [[] for _ in range(200_000)], name="trainer-like")
    worker.start()  # allocates a lot: with automatic collection on, it could collect the widgets
    worker.join()
    gc.collect()  # what the GUI timer does
    assert freed_on and set(freed_on) == {threading.main_thread().name}


def test_the_oldest_generation_is_collected_once_it_grew_by_a_quarter(qapp):
    """Python's own rule for a full collection (each one holds the GIL for a large heap's length)."""
    collector = GuiThreadCollector(interval_ms=60_000)
    collector.timer.stop()
    try:
        collector.threshold = (-1, -1, -1)  # every generation due at once
        gc.collect()
        held = len(gc.get_objects(2))
        collector.oldest = held
        assert collector.collect() == 1  # the oldest generation has not grown: only the younger ones
        keep = [[i] for i in range(held // 4 + 1000)]  # long-lived objects: they reach the oldest generation
        gc.collect(1)
        assert collector.collect() == 2
        assert collector.oldest >= held + len(keep)  # counted again after the full collection
        assert collector.collect() == 1
    finally:
        collector.threshold = gc.get_threshold()
