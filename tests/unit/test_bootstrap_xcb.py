"""``packaging/bootstrap.py run`` names every missing library of Qt's xcb plugin and the Debian
package to install for it (Qt itself named xcb-cursor0 when icccm4 and keysyms1 were missing)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
spec = importlib.util.spec_from_file_location("bootstrap", ROOT / "packaging" / "bootstrap.py")
assert spec is not None and spec.loader is not None
bootstrap = importlib.util.module_from_spec(spec)
spec.loader.exec_module(bootstrap)

EVERYTHING = {lib for lib, _ in bootstrap.XCB_LIBRARIES}


def test_the_missing_libraries_and_their_packages_are_named():
    installed = EVERYTHING - {"libxcb-icccm.so.4", "libxcb-keysyms.so.1"}
    missing = bootstrap.missing_xcb_libraries(installed)
    assert missing == [("libxcb-icccm.so.4", "libxcb-icccm4"), ("libxcb-keysyms.so.1", "libxcb-keysyms1")]
    message = bootstrap.xcb_message(missing)
    assert "sudo apt-get install libxcb-icccm4 libxcb-keysyms1\n" in message
    assert "libxcb-icccm.so.4, libxcb-keysyms.so.1" in message
    assert "xcb-cursor0" not in message  # only what is really missing


def test_nothing_missing_nothing_said():
    assert bootstrap.missing_xcb_libraries(EVERYTHING | {"libfoo.so.1"}) == []


def test_the_check_applies_only_where_qt_loads_xcb():
    assert bootstrap.uses_xcb({}, "linux")
    assert bootstrap.uses_xcb({"QT_QPA_PLATFORM": "xcb"}, "linux")
    assert not bootstrap.uses_xcb({"QT_QPA_PLATFORM": "offscreen"}, "linux")
    assert not bootstrap.uses_xcb({"QT_QPA_PLATFORM": "wayland"}, "linux")
    assert not bootstrap.uses_xcb({}, "darwin")


def test_this_machine_is_read_from_the_loader_cache():
    installed = bootstrap.installed_libraries()
    if sys.platform.startswith("linux") and installed is not None:
        assert "libc.so.6" in installed  # the parse of `ldconfig -p` finds real libraries
    assert bootstrap.check_xcb({"QT_QPA_PLATFORM": "offscreen"}) is None
