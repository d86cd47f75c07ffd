"""Examples: ready sessions with a story (what to do, what to look for), shipped as files.

An example is not a template. A template is a network and its settings (File ▸ New from
Template); an example is a whole session saved under ``resources/examples/`` whose notes tell a
person what to try and what they will see. The files are untrained (small, and the story says
"press Train"); ``packaging/make_examples.py`` writes them from :func:`build_example`, and a test
checks that the shipped files still equal what it would write today.

    from playground.workspace.examples import EXAMPLES, load_example
"""

from __future__ import annotations

import json
import tempfile
import zipfile
from pathlib import Path

from playground.data import DatasetError
from playground.data.images import resource_path
from playground.session.errors import SessionError
from playground.session.fileformat import load_session, save_session
from playground.session.model import Session
from playground.session.new import new_session
from playground.workspace.example_catalog import EXPERIMENT_EXAMPLES, TEMPLATE_EXAMPLES, Example

__all__ = ["EXAMPLES", "Example", "build_example", "example_path", "load_example", "out_of_date"]

EXAMPLES_FOLDER = "examples"


EXAMPLES: dict[str, Example] = {e.name: e for e in (*TEMPLATE_EXAMPLES, *EXPERIMENT_EXAMPLES)}


def build_example(name: str) -> Session:
    """The example ``name`` made afresh from its template, with its story as notes (what
    ``packaging/make_examples.py`` saves). Raises KeyError for an unknown name."""
    example = _example(name)
    if example.build is not None:
        session = example.build()
    else:
        session, _changes = new_session(example.template, overrides=example.overrides)
    session.notes = example.story
    return session


def example_path(name: str) -> Path:
    """Where the shipped file of example ``name`` is (SessionError when it is missing)."""
    example = _example(name)
    try:
        return resource_path(f"{EXAMPLES_FOLDER}/{example.file}")
    except DatasetError as err:
        raise SessionError(f"example {example.title!r} is missing from this installation: {err}") from None


def load_example(name: str) -> Session:
    """The shipped session of example ``name``; SessionError when it is missing or unreadable,
    KeyError for an unknown name."""
    return load_session(str(example_path(name)))


def _example(name: str) -> Example:
    found = EXAMPLES.get(name)
    if found is None:
        raise KeyError(f"unknown example {name!r}; choose one of: {', '.join(EXAMPLES)}")
    return found


# What each member of a session file holds, for the out-of-date message.
_MEMBERS = {"graph.json": "graph", "config.json": "training settings", "dataset.json": "dataset",
            "notes.json": "story", "ui_state.json": "window state", "history.json": "history",
            "runs.json": "earlier runs"}
# Manifest fields that change with every save or release, not with what the example holds.
_STAMPS = ("saved_at", "app_version")


def out_of_date(path: Path, fresh: Session) -> str:
    """"" when the file at ``path`` holds exactly what saving :func:`build_example`'s session
    writes today: every member byte for byte, and the manifest (schema version, member list)
    apart from its time stamp and app version. Else what differs."""
    saved = _members(path)
    with tempfile.TemporaryDirectory() as tmp:
        written = Path(tmp) / "fresh.playground"
        save_session(fresh, str(written))
        today = _members(written)
    differ = []
    for name in sorted(set(saved) | set(today)):
        if saved.get(name) != today.get(name):
            differ.append(_describe(name, saved, today))
    return ", ".join(differ) + " differ" if differ else ""


def _members(path: Path) -> dict[str, object]:
    with zipfile.ZipFile(path) as archive:
        raw = {name: archive.read(name) for name in archive.namelist()}
    manifest = json.loads(raw.pop("manifest.json", b"{}"))
    members: dict[str, object] = dict(raw)
    members["manifest.json"] = {k: v for k, v in manifest.items() if k not in _STAMPS}
    return members


def _describe(name: str, saved: dict[str, object], today: dict[str, object]) -> str:
    if name == "manifest.json":
        old, new = saved.get(name) or {}, today.get(name) or {}
        assert isinstance(old, dict) and isinstance(new, dict)
        return "schema version" if old.get("schema") != new.get("schema") else "file members"
    return _MEMBERS.get(name, name)
