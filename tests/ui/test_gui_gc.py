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
