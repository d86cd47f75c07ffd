"""Saving leaves no stray files, works for any legal name, writes through symlinks, names the file
in every error, and checks what it wrote before replacing anything (issue 12 §1, §6)."""

from __future__ import annotations

import json
import os
import time
import zipfile

import pytest

from playground.graph.model import Graph, Node, PortRef
from playground.session import Session, SessionError, fileformat, load_session, save_session
from playground.train import TrainConfig


def small_session() -> Session:
    g = Graph()
    g.add_node(Node("n1", "Input", "input"))
    g.add_node(Node("n2", "Linear", "fc1", {"out_features": 2}))
    g.add_node(Node("n3", "Output", "output"))
    g.connect(PortRef("n1", "out"), PortRef("n2", "in"))
    g.connect(PortRef("n2", "out"), PortRef("n3", "in"))
    return Session(graph=g, dataset="xor", dataset_params={"n_samples": 40}, config=TrainConfig(batch_size=8))


@pytest.mark.parametrize("length", [244, 250, 255])
def test_a_full_length_file_name_saves_and_reopens(tmp_path, length):
    name = "n" * (length - len(".playground")) + ".playground"
    assert len(name.encode()) == length
    save_session(small_session(), str(tmp_path / name))
    assert load_session(str(tmp_path / name)).dataset == "xor"
    assert sorted(os.listdir(tmp_path)) == [name]


def test_temp_files_a_killed_process_left_are_swept_on_the_next_save(tmp_path):
    old = time.time() - 7200
    stale = [tmp_path / ".pg-999999-0123abcd.tmp", tmp_path / ".B.playground.a1b2_c3d.tmp"]
    for p in stale:
        p.write_bytes(b"x" * 1000)
        os.utime(p, (old, old))
    fresh_foreign = tmp_path / "notes.tmp"  # not ours: never touched
    fresh_foreign.write_text("keep")
    save_session(small_session(), str(tmp_path / "B.playground"))
    assert sorted(os.listdir(tmp_path)) == ["B.playground", "notes.tmp"]


def test_a_live_process_s_recent_temp_file_is_left_alone(tmp_path):
    from playground.session.atomic import sweep_stale_temps

    parent = os.getppid()  # alive for as long as this test runs
    busy = tmp_path / f".pg-{parent}-0123abcd.tmp"
    busy.write_bytes(b"in progress")
    old = time.time() - 600  # before this process started, but recent
    os.utime(busy, (old, old))
    assert sweep_stale_temps(str(tmp_path)) == []
    assert busy.exists()


def test_saving_over_a_symlink_writes_its_target_and_keeps_the_link(tmp_path):
    real_dir = tmp_path / "real"
    real_dir.mkdir()
    target = real_dir / "work.playground"
    save_session(small_session(), str(target))
    link = tmp_path / "link.playground"
    link.symlink_to(target)
    s = small_session()
    s.notes = "written through the link"
    save_session(s, str(link))
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert load_session(str(target)).notes == "written through the link"
    assert sorted(os.listdir(real_dir)) == ["work.playground"]


def test_errors_name_the_file_and_quote_odd_names(tmp_path):
    not_a_folder = tmp_path / "plain-file"
    not_a_folder.write_text("x")
    with pytest.raises(SessionError) as err:
        save_session(small_session(), str(not_a_folder / "x.playground"))
    assert str(not_a_folder / "x.playground") in str(err.value)
    odd = str(tmp_path / "two\nlines.playground")
    with pytest.raises(SessionError) as err:
        load_session(odd)
    assert "\n" not in str(err.value) and repr(odd) in str(err.value)


def test_json_members_are_compact_so_what_loads_re_saves(tmp_path):
    s = small_session()
    s.ui_state = {"positions": [[i * 1.5, -i] for i in range(20_000)], "nested": {"a": {"b": [1, 2]}}}
    path = tmp_path / "a.playground"
    save_session(s, str(path))
    with zipfile.ZipFile(path) as zf:
        raw = zf.read("ui_state.json")
    assert raw == json.dumps(s.ui_state, separators=(",", ":")).encode()
    again = load_session(str(path))
    save_session(again, str(tmp_path / "b.playground"))
    with zipfile.ZipFile(tmp_path / "b.playground") as zf:
        assert zf.getinfo("ui_state.json").file_size == len(raw)


def test_a_save_that_does_not_read_back_keeps_the_old_file(tmp_path, monkeypatch):
    path = tmp_path / "work.playground"
    first = small_session()
    first.notes = "old"
    save_session(first, str(path))
    before = path.read_bytes()
    real = fileformat._write_zip

    def truncated(f, members):
        real(f, members[:-1])  # a writer that loses a member

    monkeypatch.setattr(fileformat, "_write_zip", truncated)
    with pytest.raises(SessionError, match="did not check out"):
        save_session(small_session(), str(path))
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["work.playground"]


def test_a_history_with_a_series_per_block_of_a_deep_network_saves_and_reopens(tmp_path):
    s = small_session()
    s.history = {f"grad_norm/linear{i}": {"steps": [0.0, 1.0], "values": [0.5, 0.25], "wall": [0.0, 0.1],
                                          "stride": [1.0]} for i in range(5_000)}
    save_session(s, str(tmp_path / "deep.playground"))  # was over the 4,096-member limit on reopening
    back = load_session(str(tmp_path / "deep.playground"))
    assert len(back.history) == 5_000 and back.history["grad_norm/linear4999"]["values"] == [0.5, 0.25]
