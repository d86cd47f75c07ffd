"""Session files that attack memory (issue 12 §4), and the peak RSS of ``check`` / ``train`` on them.

    .venv/bin/python benchmarks/hostile_sessions.py OUT_DIR            # write the files
    .venv/bin/python benchmarks/hostile_sessions.py OUT_DIR --measure  # and print JSON lines

Each file is small on disk; opening or training it naively costs gigabytes:

* ``bomb``: a 2.8 MB file whose deflated ``weights.safetensors`` declares a 1.0 GB tensor (400:1);
* ``ui_state``: a valid session with a 64 MiB ``ui_state.json`` (16 M floats once parsed);
* ``wide``: one Linear of 65,536 units on spirals (the boundary probe pushes 4,096 grid points
  through it);
* ``chain``: 4,990 Linear layers (just under the 5,000-block limit).

The tests import the builders (``tests/e2e/test_memory_cap.py``); the figures printed with
``--measure`` go into the closing note. They depend on the machine's load: say so with them.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np

from playground.graph.edits import AddNode, Connect
from playground.graph.model import Graph, PortRef
from playground.session import Session, save_session
from playground.train import TrainConfig

BOMB_TENSOR_BYTES = 1_000_000_000
UI_STATE_BYTES = 64 * 2**20 - 4096


def _chain(*blocks: tuple[str, dict]) -> Graph:
    graph = Graph()
    previous = None
    for type_, params in (("Input", {}), *blocks, ("Output", {})):
        add = AddNode(type_, dict(params))
        add.apply(graph)
        if previous is not None:
            Connect(PortRef(previous, "out"), PortRef(add.node_id, "in")).apply(graph)
        previous = add.node_id
    return graph


def small_session() -> Session:
    graph = _chain(("Linear", {"out_features": 8}), ("Tanh", {}), ("Linear", {"out_features": 2}))
    return Session(graph=graph, dataset="spirals", dataset_params={"n_samples": 200},
                   config=TrainConfig(batch_size=32, max_steps=10))


def write_bomb(path: Path) -> Path:
    """A valid session plus a deflated weights member of ~1.1 GB (mostly zeros, 400:1)."""
    save_session(small_session(), str(path))
    header = json.dumps({"x.weight": {"dtype": "F32", "shape": [BOMB_TENSOR_BYTES // 4],
                                      "data_offsets": [0, BOMB_TENSOR_BYTES]}}).encode()
    header += b" " * (-len(header) % 8)
    rng = np.random.default_rng(0)
    block = bytearray(1 << 20)
    with zipfile.ZipFile(path, "a") as zf:
        info = zipfile.ZipInfo("weights.safetensors", date_time=(2020, 1, 1, 0, 0, 0))
        info.compress_type = zipfile.ZIP_DEFLATED
        with zf.open(info, "w", force_zip64=True) as out:
            out.write(len(header).to_bytes(8, "little") + header)
            left = BOMB_TENSOR_BYTES
            while left:
                block[:1800] = rng.bytes(1800)  # a little noise keeps the ratio near 400:1
                n = min(left, len(block))
                out.write(bytes(block[:n]))
                left -= n
    return path


def write_ui_state(path: Path) -> Path:
    """A valid session whose ui_state.json is just under the 64 MiB member limit."""
    s = small_session()
    save_session(s, str(path))
    # write the member by hand: building 16 M floats in Python here would cost what we measure
    # a 16 KB block of varied numbers, repeated: about 100:1, under the loader's zip-bomb ratio
    rng = np.random.default_rng(0)
    block = ",".join(f"{v:.2f}" for v in rng.uniform(0, 10, 4000)).encode() + b","
    body = b'{"junk":[' + block * ((UI_STATE_BYTES - 16) // len(block)) + b'1.5]}'
    with zipfile.ZipFile(path) as src:
        members = [(i, src.read(i)) for i in src.infolist() if i.filename != "ui_state.json"]
    with zipfile.ZipFile(path, "w") as zf:
        for info, data in members:
            zf.writestr(info, data)
        zf.writestr(zipfile.ZipInfo("ui_state.json", date_time=(2020, 1, 1, 0, 0, 0)), body,
                    compress_type=zipfile.ZIP_DEFLATED)
    return path


def write_wide(path: Path, units: int = 65_536) -> Path:
    graph = _chain(("Linear", {"out_features": units}), ("ReLU", {}), ("Linear", {"out_features": 2}))
    save_session(Session(graph=graph, dataset="spirals", dataset_params={"n_samples": 200},
                         config=TrainConfig(batch_size=32, max_steps=10)), str(path))
    return path


def write_chain(path: Path, layers: int = 4_990) -> Path:
    graph = _chain(*[("Linear", {"out_features": 8})] * (layers - 1), ("Linear", {"out_features": 2}))
    save_session(Session(graph=graph, dataset="spirals", dataset_params={"n_samples": 200},
                         config=TrainConfig(batch_size=32, max_steps=10)), str(path))
    return path


BUILDERS = {"bomb": write_bomb, "ui_state": write_ui_state, "wide": write_wide, "chain": write_chain}


def write_all(folder: Path) -> dict[str, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    return {name: build(folder / f"{name}.playground") for name, build in BUILDERS.items()}


def peak_rss(args: list[str], cwd: str | None = None, timeout: float = 600) -> tuple[int, int, str]:
    """(exit status, peak RSS in bytes, last stderr line) of ``python -m playground ARGS``."""
    cmd = ["/usr/bin/time", "-f", "MAXRSS_KB=%M", sys.executable, "-m", "playground", *args]
    env = {**os.environ, "PLAYGROUND_NO_AUTOSAVE_PROMPT": "1", "OMP_NUM_THREADS": "1"}
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd=cwd, env=env)
    lines = proc.stderr.strip().splitlines()
    kb = next(int(line.split("=")[1]) for line in reversed(lines) if line.startswith("MAXRSS_KB="))
    said = [line for line in lines if not line.startswith(("MAXRSS_KB=", "Command exited", "Command terminated"))]
    return proc.returncode, kb * 1024, (said[-1] if said else "")[:160]


def main() -> int:
    folder = Path(sys.argv[1])
    files = write_all(folder)
    if "--measure" not in sys.argv:
        return 0
    for name, path in files.items():
        for command in (["check", str(path)], ["train", str(path), "--steps", "1", "-o",
                                               str(folder / f"{name}.out.playground")]):
            rc, rss, said = peak_rss(command)
            print(json.dumps({"file": name, "command": command[0], "exit": rc,
                              "peak_rss_mb": round(rss / 2**20), "says": said}), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
