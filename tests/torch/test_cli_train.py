"""``playground train`` writes its output only when the run ends well or the user stops it,
keeps the result when the target cannot be written, and never shows a traceback.

Simulations, all with real files and real signals:
* a failing run: a session whose (embedded) data holds a class label far out of range, so the
  real loss raises IndexError inside the real trainer;
* an allocation failure: a real process under an address-space limit (RLIMIT_AS), training a
  Linear layer too wide for it;
* a full disk: /dev/full for a file written in place (its writes fail with ENOSPC);
* a target that cannot be written during the save: its folder is made immutable (chattr +i)
  as root, read-only (chmod) otherwise, while the run is going;
* Ctrl+C, SIGTERM, SIGHUP: the signals, sent to a real child process.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import resource
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from playground.cli import main
from playground.cli.signals import DeferredStops
from playground.session import load_session, save_session
from playground.session.new import new_session

ENV = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONUNBUFFERED": "1"}
# a child of a background job inherits an ignored SIGINT: give it the usual handler, as a terminal would
CHILD = ("import signal, sys; signal.signal(signal.SIGINT, signal.default_int_handler); "
         "from playground.cli import main; raise SystemExit(main(sys.argv[1:]))")


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


def one_line(err: str) -> str:
    """The one line of a problem (stderr may also hold the "training FILE from step ..." start line)."""
    lines = [line for line in err.strip().splitlines() if not line.startswith("training ")]
    assert len(lines) == 1 and lines[0].startswith("playground: "), err
    return lines[0]


def small_session(tmp_path: Path, name: str = "s.playground", *settings: str) -> Path:
    session, _ = new_session("mlp", overrides=["n_samples=120", "config.batch_size=16", *settings])
    path = tmp_path / name
    save_session(session, str(path))
    return path


def bad_label_session(tmp_path: Path) -> Path:
    """A session whose data holds the class 1000000: the first training step fails."""
    session, _ = new_session("mlp", overrides=["n_samples=120", "config.batch_size=0"])
    bundle = session.bundle()
    bundle.y_train[3] = 1000000
    session.embed_bundle(bundle)
    path = tmp_path / "bad.playground"
    save_session(session, str(path))
    return path


def rewrite_member(path: Path, member: str, change) -> None:
    with zipfile.ZipFile(path) as z:
        items = [(info, z.read(info)) for info in z.infolist()]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        for info, data in items:
            z.writestr(info, change(data) if info.filename == member else data)
    path.write_bytes(buffer.getvalue())


def test_a_failed_run_leaves_the_input_and_the_output_untouched(tmp_path, capsys):
    source = bad_label_session(tmp_path)
    out = tmp_path / "out.playground"
    out.write_bytes(b"an older result")
    before = source.read_bytes()
    for extra in (["-o", str(out)], []):
        code, stdout, err = run(capsys, "train", str(source), "--steps", "5", *extra)
        line = one_line(err)
        assert code == 1 and "training failed at step" in line and "out of bounds" in line
        assert "nothing was saved" in line and "playground check" in line  # what, and what to do
        assert "saved" not in stdout
    assert source.read_bytes() == before and out.read_bytes() == b"an older result"


def test_an_allocation_failure_is_one_plain_line(tmp_path):
    # one full batch of 16,000 points through 65,536 units: 4.2 GB for that activation alone
    path = small_session(tmp_path, "wide.playground", "fc1.out_features=65536", "n_samples=20000",
                         "config.batch_size=0")
    before = path.read_bytes()
    limit = 3 * 1024**3  # room for torch itself, not for that activation

    def cap() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    proc = subprocess.run([sys.executable, "-m", "playground", "train", str(path), "--steps", "2"],
                          capture_output=True, text=True, env=ENV, timeout=300, preexec_fn=cap)
    assert proc.returncode == 1, proc.stderr
    line = one_line(proc.stderr)
    assert ("memory" in line or "GB" in line) and "DefaultCPUAllocator" not in line and "Traceback" not in proc.stderr
    assert path.read_bytes() == before


@pytest.mark.parametrize("output, message", [
    ("", "-o needs a file name"),
    ("{tmp}", "is a folder"),
    ("{src}", "is the input file; add --in-place"),
    ("{tmp}/./s.playground", "is the input file"),
])
def test_outputs_that_would_hide_a_mistake_are_refused(tmp_path, capsys, output, message):
    source = small_session(tmp_path)
    before = source.read_bytes()
    code, _, err = run(capsys, "train", str(source), "--steps", "2",
                       "-o", output.format(tmp=tmp_path, src=source))
    assert code == 2 and message in one_line(err)
    assert source.read_bytes() == before


def test_in_place_updates_the_input(tmp_path, capsys):
    source = small_session(tmp_path)
    code, _out, err = run(capsys, "train", str(source), "--steps", "2", "-o", str(source), "--in-place")
    assert code == 0, err
    assert load_session(source).trainer_state["counters"]["step"] == 2


@pytest.mark.parametrize("value", ['"x"', "null", "-4", "2.5"])
def test_a_damaged_step_counter_is_one_line(tmp_path, capsys, value):
    source = small_session(tmp_path)
    assert run(capsys, "train", str(source), "--steps", "2")[0] == 0

    def damage(data: bytes) -> bytes:
        state = json.loads(data)
        state["state"]["counters"]["step"] = json.loads(value)
        return json.dumps(state).encode()

    rewrite_member(source, "trainer.json", damage)
    before = source.read_bytes()
    code, _, err = run(capsys, "train", str(source), "--steps", "2")
    assert code != 0 and "step" in one_line(err)
    assert source.read_bytes() == before


def test_metrics_csv_on_a_full_disk_names_the_file(tmp_path, capsys):
    source = small_session(tmp_path)
    code, out, err = run(capsys, "train", str(source), "--steps", "3", "--metrics-csv", "/dev/full")
    line = one_line(err)
    assert code == 1 and "/dev/full" in line and "No space left" in line
    assert "saved" in out and load_session(source).trainer_state["counters"]["step"] == 3


def test_divergence_exits_3_and_keeps_the_last_good_step(tmp_path, capsys):
    session, _ = new_session("deep_linear", overrides=["config.lr=1000"])
    source = tmp_path / "dl.playground"
    save_session(session, str(source))
    code, _out, err = run(capsys, "train", str(source), "--steps", "400")
    assert code == 3, err
    assert "step" in one_line(err) and "learning rate" in err
    saved = load_session(source)
    assert saved.weights is not None and all(v.isfinite().all() for v in saved.weights.values())


def start_long_run(path: Path, *extra: str, env: dict[str, str] | None = None) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-c", CHILD, "train", str(path), "--steps", "10000000", *extra],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env or ENV)
    line = proc.stderr.readline()
    assert line.startswith("training "), line
    time.sleep(1.0)  # training runs now: let it take some steps
    return proc


def finish(proc: subprocess.Popen) -> tuple[str, str]:
    try:
        return proc.communicate(timeout=120)
    finally:  # a failed check must not leave a ten-million-step run behind
        if proc.poll() is None:
            proc.kill()
            proc.communicate()


@pytest.mark.parametrize("signum, code, name", [(signal.SIGTERM, 143, "SIGTERM"), (signal.SIGHUP, 129, "SIGHUP")])
def test_sigterm_and_sighup_save_then_exit(tmp_path, signum, code, name):
    source = small_session(tmp_path)
    proc = start_long_run(source)
    proc.send_signal(signum)
    out, err = finish(proc)
    assert proc.returncode == code, err
    assert f"stopped ({name})" in out and "Traceback" not in err and err == ""
    step = load_session(source).trainer_state["counters"]["step"]
    assert 0 < step < 10000000 and f"to step {step} " in out


def test_ctrl_c_while_still_importing_is_one_line(tmp_path):
    source = small_session(tmp_path)
    before = source.read_bytes()
    ready = CHILD.replace("raise SystemExit", "sys.stderr.write('ready\\n'); sys.stderr.flush(); raise SystemExit")
    proc = subprocess.Popen([sys.executable, "-c", ready, "train", str(source), "--steps", "5"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=ENV)
    assert proc.stderr.readline() == "ready\n"  # main() starts now; its first import of torch takes ~2 s
    time.sleep(0.1)
    proc.send_signal(signal.SIGINT)
    out, err = finish(proc)
    assert proc.returncode == 130, err
    assert one_line(err) == "playground: interrupted (Ctrl+C)" and out == ""
    assert source.read_bytes() == before


@contextlib.contextmanager
def unwritable(folder: Path):
    """The folder refuses new entries: immutable for root (who ignores permissions), read-only otherwise."""
    if os.geteuid() == 0:
        subprocess.run(["chattr", "+i", str(folder)], check=True)
    else:
        folder.chmod(0o555)
    try:
        yield
    finally:
        if os.geteuid() == 0:
            subprocess.run(["chattr", "-i", str(folder)], check=True)
        else:
            folder.chmod(0o755)


def test_a_target_that_cannot_be_written_keeps_the_result_elsewhere(tmp_path):
    work = tmp_path / "work"
    work.mkdir()
    source = small_session(work)
    before = source.read_bytes()
    state = tmp_path / "state"
    proc = start_long_run(source, env={**ENV, "PLAYGROUND_STATE_DIR": str(state)})
    with unwritable(work):
        proc.send_signal(signal.SIGTERM)
        _out, err = finish(proc)
    assert proc.returncode == 1, err
    line = one_line(err)
    assert f"could not save {source}" in line and "written to" in line
    kept = Path(line.split("written to ")[1].split(" instead")[0])
    assert kept.parent == state / "unsaved" and kept.exists()
    assert load_session(kept).trainer_state["counters"]["step"] > 0
    assert source.read_bytes() == before


def test_a_signal_during_a_save_waits_for_it():
    with DeferredStops() as deferred:
        os.kill(os.getpid(), signal.SIGINT)
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(0.05)  # Python runs handlers between bytecodes: they have run by now
    assert deferred.received == signal.SIGINT
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
