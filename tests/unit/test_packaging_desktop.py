"""The desktop package's files agree with each other and with the app, without building it: the
PyInstaller spec (run with recording stand-ins for PyInstaller's build steps), the .desktop entry,
the MIME type, the icons, and the install script (run into a scratch folder)."""

from __future__ import annotations

import configparser
import fnmatch
import importlib.util
import re
import struct
import sys
import types
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGING = ROOT / "packaging"
SPEC = PACKAGING / "pyinstaller" / "neural-playground.spec"
MIME_NS = "{http://www.freedesktop.org/standards/shared-mime-info}"


def load(path: Path):
    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[path.stem] = module
    spec.loader.exec_module(module)
    return module


install_desktop = load(PACKAGING / "pyinstaller" / "install_desktop.py")
render_icons = load(PACKAGING / "pyinstaller" / "render_icons.py")


def desktop_entry() -> configparser.SectionProxy:
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # keys are case-sensitive
    parser.read(PACKAGING / "neural-playground.desktop")
    return parser["Desktop Entry"]


def mime_type() -> ET.Element:
    root = ET.parse(PACKAGING / "mime" / "neural-playground.xml").getroot()
    [found] = root.findall(f"{MIME_NS}mime-type")
    return found


class Recorder:
    """Stands in for one of PyInstaller's build steps and keeps what the spec gave it."""

    calls: dict[str, Recorder] = {}

    def __init__(self, kind: str, *args, **kwargs) -> None:
        self.kind, self.args, self.kwargs = kind, args, kwargs
        self.scripts, self.pure = [], []
        self.datas = [(str(dest) + "/" + Path(src).name, src, "DATA") for src, dest in kwargs.get("datas", [])]
        self.binaries = [("torch/bin/protoc", "/x/protoc", "BINARY"), ("torch/lib/libc10.so", "/x/libc10.so", "BINARY"),
                         ("torch/lib/libtorchbind_test.so", "/x/t.so", "BINARY"),
                         ("torch/bin/torch_shm_manager", "/x/torch_shm_manager", "BINARY")]
        Recorder.calls[kind] = self


@pytest.fixture(scope="module")
def spec_run(tmp_path_factory) -> dict:
    hooks = types.ModuleType("PyInstaller.utils.hooks")
    hooks.collect_submodules = lambda package: [f"{package}.cli.launch", f"{package}.ui.app"]  # type: ignore[attr-defined]
    saved = {name: sys.modules.get(name) for name in ("PyInstaller", "PyInstaller.utils", "PyInstaller.utils.hooks")}
    sys.modules.update({"PyInstaller": types.ModuleType("PyInstaller"),
                        "PyInstaller.utils": types.ModuleType("PyInstaller.utils"), "PyInstaller.utils.hooks": hooks})
    scope = {"SPECPATH": str(SPEC.parent), "__file__": str(SPEC)}
    for kind in ("Analysis", "PYZ", "EXE", "COLLECT"):
        scope[kind] = lambda *a, _kind=kind, **k: Recorder(_kind, *a, **k)
    try:
        exec(compile(SPEC.read_text(), str(SPEC), "exec"), scope)
    finally:
        for name, module in saved.items():
            if module is None:
                sys.modules.pop(name, None)
            else:
                sys.modules[name] = module
    return {"scope": scope, **Recorder.calls}


def test_the_spec_bundles_the_entry_point_and_every_resource_the_app_reads(spec_run):
    analysis = spec_run["Analysis"]
    [entry] = analysis.args[0]
    assert Path(entry).is_file() and "playground.cli import main" in Path(entry).read_text()
    sources = {Path(src) for src, _dest in analysis.kwargs["datas"]}
    assert all(path.exists() for path in sources)
    dests = {Path(src).name: dest for src, dest in analysis.kwargs["datas"]}
    assert dests["examples"] == "playground/resources/examples"  # where resource_path finds them in a bundle
    assert dests["digits.npz"] == "playground/resources" and dests["icons"] == "playground/resources/icons"
    assert analysis.kwargs["module_collection_mode"]["playground"] == "pyz+py"  # export reads block source


def test_the_spec_drops_test_programs_but_keeps_what_torch_loads(spec_run):
    kept = {dest for dest, _src, _kind in spec_run["Analysis"].binaries}
    assert kept == {"torch/lib/libc10.so", "torch/bin/torch_shm_manager"}  # importing torch needs the latter


def test_the_spec_excludes_no_qt_module_the_app_imports(spec_run):
    excluded = set(spec_run["scope"]["EXCLUDED_MODULES"])
    used = set()
    for source in (ROOT / "playground").rglob("*.py"):
        used |= set(re.findall(r"PySide6\.(Qt\w+)", source.read_text()))
    assert used and not {f"PySide6.{m}" for m in used} & excluded
    assert {"PySide6.QtCore", "PySide6.QtGui", "PySide6.QtWidgets", "pyqtgraph", "torch", "numpy"}.isdisjoint(excluded)


def test_the_desktop_entry_runs_the_built_app_on_a_double_clicked_file(spec_run):
    entry = desktop_entry()
    app = spec_run["EXE"].kwargs["name"]
    assert app == spec_run["COLLECT"].kwargs["name"] == install_desktop.APP
    assert entry["Type"] == "Application" and entry["Terminal"] == "false"
    assert entry["Exec"].split() == [app, "%f"] and entry["TryExec"] == app
    assert entry["Icon"] == app and (ROOT / "resources" / "icons" / f"{app}.svg").is_file()
    assert entry["MimeType"].rstrip(";").split(";") == [mime_type().get("type")]
    assert entry["Categories"].endswith(";") and "Education" in entry["Categories"].split(";")


def test_the_mime_type_claims_session_files_and_names_an_icon_that_is_installed():
    found = mime_type()
    globs = [g.get("pattern") for g in found.findall(f"{MIME_NS}glob")]
    assert globs == ["*.playground"]
    assert fnmatch.fnmatch("my spiral.playground", globs[0]) and not fnmatch.fnmatch("notes.txt", globs[0])
    assert found.get("type") == install_desktop.MIME_TYPE
    assert found.find(f"{MIME_NS}icon").get("name") == install_desktop.MIME_ICON
    assert found.find(f"{MIME_NS}sub-class-of").get("type") == "application/zip"  # a session is a zip


def test_every_icon_size_is_rendered_at_its_size():
    for size in render_icons.SIZES:
        data = render_icons.png_path(size).read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n"
        assert struct.unpack(">II", data[16:24]) == (size, size)
    assert min(render_icons.SIZES) == 16 and max(render_icons.SIZES) == 512


def test_install_writes_the_entry_mime_type_and_icons_and_uninstall_removes_them(tmp_path):
    app_dir = tmp_path / "my apps" / "neural-playground"
    app_dir.mkdir(parents=True)
    exe = app_dir / "neural-playground"
    exe.write_text("#!/bin/sh\n")
    exe.chmod(0o755)
    home = tmp_path / "share"
    assert install_desktop.main(["--app", str(app_dir), "--data-home", str(home)]) == 0
    written = install_desktop.desktop_entry(exe)
    installed = (home / "applications" / "neural-playground.desktop").read_text()
    assert installed == written and f'Exec="{exe}" %f' in installed and f"TryExec={exe}" in installed
    assert (home / "mime" / "packages" / "neural-playground.xml").read_bytes() == \
        (PACKAGING / "mime" / "neural-playground.xml").read_bytes()
    for size in render_icons.SIZES:
        assert (home / "icons" / "hicolor" / f"{size}x{size}" / "apps" / "neural-playground.png").is_file()
        assert (home / "icons" / "hicolor" / f"{size}x{size}" / "mimetypes" /
                "application-x-neural-playground.png").is_file()
    assert (home / "icons" / "hicolor" / "scalable" / "apps" / "neural-playground.svg").is_file()
    assert install_desktop.main(["--data-home", str(home), "--uninstall"]) == 0
    assert not any(path.exists() for path in install_desktop.planned(home))


def test_install_without_a_build_says_how_to_make_one(tmp_path, capsys):
    assert install_desktop.main(["--app", str(tmp_path / "nothing"), "--data-home", str(tmp_path / "share")]) == 1
    assert "make package" in capsys.readouterr().err
    assert not (tmp_path / "share").exists()
