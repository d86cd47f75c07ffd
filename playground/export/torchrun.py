"""A standalone training script: model code, data and settings baked into one ``.py`` file.

``python script.py`` trains in one process; ``torchrun --nproc_per_node=N script.py`` trains
with DistributedDataParallel (gloo on CPU, nccl on CUDA). The script needs only torch and
numpy. Data travels as base64 of zlib-compressed ``np.save`` bytes (read back with
``allow_pickle=False``), so the exact arrays of the session are used, including CSV data.

The training helpers in it are not rewritten for the script: the loss, the initialisation,
the optimizer set-up, the learning-rate schedule, the batching, the pruning masks and the
session file's layout are the Trainer's own definitions, copied from their modules
(:mod:`playground.export.source_parts`). Run in one process, the script's losses are the
Trainer's on the same seed. At the end it writes a session file that ``playground`` opens
(the graph, data, settings, trained weights and the loss history), beside the script or at
``--checkpoint PATH``.
"""

from __future__ import annotations

import base64
import io
import pprint
import textwrap
import zlib
from typing import Any

import numpy as np

from playground import __version__
from playground.compile.compiler import compile_graph
from playground.compile.masks import Masks
from playground.export.python_code import export_python
from playground.export.source_parts import config_methods, helper_source
from playground.graph.model import Graph
from playground.graph.spec import TaskSpec
from playground.session.fileformat import KIND, session_members
from playground.session.model import SCHEMA_VERSION, Session

DEFAULT_STEPS = 1000  # when the config sets neither epochs nor max_steps
# members of the exported session the script writes itself (the rest is baked in at export)
WRITTEN_BY_SCRIPT = ("manifest.json", "history.json", "weights.safetensors", "series.safetensors")


def _encode_bytes(raw: bytes) -> str:
    text = base64.b64encode(zlib.compress(raw, 9)).decode("ascii")
    return "\n".join(textwrap.wrap(text, 100))


def _encode_array(a: np.ndarray) -> str:
    buf = io.BytesIO()
    np.save(buf, np.ascontiguousarray(a), allow_pickle=False)
    return _encode_bytes(buf.getvalue())


def _split_docstring(code: str) -> tuple[str, str]:
    """(docstring as comment lines, code without its module docstring)."""
    import ast

    tree = ast.parse(code)
    doc = ast.get_docstring(tree)
    if not doc or not tree.body:
        return "", code
    end = tree.body[0].end_lineno or 0
    rest = "\n".join(code.splitlines()[end:]).lstrip("\n")
    return "\n".join(f"# {line}".rstrip() for line in doc.splitlines()), rest


def _session_members(session: Session | None) -> str:
    """The parts of the session file the script copies into its checkpoint, encoded."""
    if session is None:
        return ""
    bare = Session(graph=session.graph.copy(), dataset=session.dataset,
                   dataset_params=dict(session.dataset_params), config=session.config,
                   notes="Trained by an exported torchrun script.\n\n" + session.notes,
                   masks=dict(session.masks) if session.masks else None)
    if session.embedded_data is not None:
        bare.embedded_data = session.embedded_data
    members = [(name, data) for name, data in session_members(bare) if name not in WRITTEN_BY_SCRIPT]
    return "".join(f'    "{name}": """\n{_encode_bytes(bytes(data))}\n""",\n' for name, data in members)


def export_torchrun(graph: Graph, task: TaskSpec, arrays: dict[str, np.ndarray], config: dict[str, Any],
                    title: str = "network", masks: Masks | None = None, session: Session | None = None) -> str:
    """Source of the training script. ``arrays`` holds x_train, y_train, x_val, y_val (numpy);
    ``config`` is ``TrainConfig.to_dict()``; ``masks`` (pruning, by state_dict key) travel along
    and the script keeps those weights at zero before every forward pass, as the Trainer does.
    With ``session`` (the one exported), ``--checkpoint`` can write a session file."""
    model = compile_graph(graph, task)
    readable = {key: model.readable_key(key) for key in model.state_dict()}
    mask_src = "".join(f'    "{readable[k]}": """\n{_encode_array(m.cpu().numpy().astype(np.uint8))}\n""",\n'
                       for k, m in (masks or {}).items())
    comment, model_code = _split_docstring(export_python(graph, task, "Net"))
    data = {k: _encode_array(np.asarray(arrays[k])) for k in ("x_train", "y_train", "x_val", "y_val")}
    task_info = {"task": task.task, "loss": model.loss_name, "num_classes": task.num_classes}
    data_src = "".join(f'    "{k}": """\n{v}\n""",\n' for k, v in data.items())
    session_keys = {name: key for key, name in readable.items()}
    file_info = {"kind": KIND, "schema": SCHEMA_VERSION, "app_version": __version__}
    return _TEMPLATE.format(
        version=__version__, title=title, model_comment=comment, model_code=model_code.rstrip(),
        config=pprint.pformat(dict(config), sort_dicts=False), task=repr(task_info), data=data_src,
        default_steps=DEFAULT_STEPS, masks=mask_src, helpers=helper_source(),
        config_methods=config_methods(),
        session_keys=pprint.pformat(session_keys, sort_dicts=False), file_info=repr(file_info),
        members=_session_members(session),
    )


_TEMPLATE = '''\
#!/usr/bin/env python3
"""Train {title}: a standalone script exported by Neural Playground {version}.

One process:            python THIS_FILE [--steps N] [--save model.pt] [--checkpoint OUT.playground]
Data-parallel training: torchrun --nproc_per_node=N THIS_FILE [--steps N]
                        (DistributedDataParallel; gloo on CPU, nccl on CUDA)

batch_size in CONFIG is the global batch: each of N processes takes its share of the same
shuffled batch per step. Every rank prints one JSON line per logged step and a final "done"
line. At the end it writes a session file (graph, data, settings, trained weights and the loss
history) that Neural Playground opens: THIS_FILE_trained.playground, or --checkpoint PATH
(--no-checkpoint: none). Needs only torch and numpy.

The loss, initialisation, optimizer, learning-rate schedule, batching and masks below are
Neural Playground's own training code, copied unchanged: one process gives the app's losses.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import datetime
import io
import json
import math
import os
import struct
import sys
import zipfile
import zlib
from collections.abc import Callable, Iterator, Mapping
from types import SimpleNamespace
from typing import Any

import numpy as np
import torch
import torch.distributed as dist
import torch.nn.functional as F
from torch import nn

# ---------------------------------------------------------------------------- the model
{model_comment}
{model_code}


# ------------------------------------------------------------------------ the settings
CONFIG = {config}
TASK = {task}

# ---------------------------------------------------------------------------- the data
DATA = {{
{data}}}

# pruning masks: parameter -> 0/1 array of its shape; the zeros stay zero while training
MASKS = {{
{masks}}}

# ------------------------------------------------------------ the session file it can write
FILE = {file_info}
SESSION_KEYS = {session_keys}  # parameter name here -> its key in a session file
SESSION_MEMBERS = {{
{members}}}


# ----------------------------------------------------- Neural Playground's training code
{helpers}


class Config(SimpleNamespace):
    # CONFIG with attribute access, as the training code reads a TrainConfig

{config_methods}

# ------------------------------------------------------------------------ this script
def report(record):
    # one write per line: lines from several ranks sharing a pipe never interleave
    sys.stdout.write(json.dumps(record) + "\\n")
    sys.stdout.flush()


def load_bytes(text):
    return zlib.decompress(base64.b64decode("".join(text.split())))


def load_array(text):
    return np.load(io.BytesIO(load_bytes(text)), allow_pickle=False)


def aux_loss(model):
    aux = getattr(model, "aux_loss", None)
    return aux() if aux is not None else None


def write_session(path, model, history):
    # a Neural Playground session: the exported one's graph, data and settings, plus the
    # trained weights and the loss history
    if not SESSION_MEMBERS:
        raise SystemExit("this script was exported without its session: --checkpoint is not available")
    members = [(name, load_bytes(text)) for name, text in SESSION_MEMBERS.items()]
    weights = {{SESSION_KEYS.get(k, k): v for k, v in model.state_dict().items()}}
    members.append(("weights.safetensors", safetensors_bytes(weights)))
    arrays = {{}}
    members.append(("history.json", json.dumps(_encode_history(history, "history", arrays)).encode()))
    if arrays:
        series = {{k: torch.from_numpy(np.ascontiguousarray(a)) for k, a in arrays.items()}}
        members.append(("series.safetensors", safetensors_bytes(series)))
    manifest = {{**FILE, "saved_at": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
                "members": [name for name, _ in members]}}
    members.insert(0, ("manifest.json", json.dumps(manifest).encode()))
    partial = path + ".partial"
    with open(partial, "wb") as f:
        _write_zip(f, members)
    os.replace(partial, path)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=0, help="steps to train (default: from CONFIG)")
    parser.add_argument("--log-every", type=int, default=10)
    parser.add_argument("--save", help="write the trained state_dict here (rank 0)")
    parser.add_argument("--checkpoint", default=os.path.splitext(os.path.abspath(__file__))[0] + "_trained.playground",
                        help="the Neural Playground session written at the end (rank 0; default: "
                             "THIS_FILE_trained.playground beside the script)")
    parser.add_argument("--no-checkpoint", action="store_true", help="write no session at the end")
    args = parser.parse_args()
    if args.no_checkpoint or not SESSION_MEMBERS:
        args.checkpoint = None

    distributed = "RANK" in os.environ and "WORLD_SIZE" in os.environ
    if distributed:
        backend = "nccl" if torch.cuda.is_available() else "gloo"
        dist.init_process_group(backend)
        rank, world = dist.get_rank(), dist.get_world_size()
        local = int(os.environ.get("LOCAL_RANK", 0))
        device = torch.device("cuda", local) if backend == "nccl" else torch.device("cpu")
        if backend == "nccl":
            torch.cuda.set_device(device)
    else:
        rank, world = 0, 1
        device = torch.device("cuda" if torch.cuda.is_available() else "cpu")

    config = Config(**CONFIG)
    bundle = SimpleNamespace(**{{k: torch.from_numpy(load_array(v)) for k, v in DATA.items()}})
    loss = LossKit(TASK["loss"], SimpleNamespace(task=TASK["task"]))
    data = BatchSampler(bundle, device, loss, config.batch_size, config.seed)
    total = args.steps or config.max_steps or config.epochs * data.steps_per_epoch or {default_steps}
    horizon = config.horizon(data.steps_per_epoch)

    model = seeded_model(Net, config.init, config.seed)  # the same seed on every rank: the same start
    model.to(device)
    params = dict(model.named_parameters())
    masks = {{k: torch.from_numpy(load_array(v)).to(device, params[k].dtype) for k, v in MASKS.items()}}
    if masks:
        keep_masks(model, masks)
    net = nn.parallel.DistributedDataParallel(model) if distributed else model
    trainable = [p for p in model.parameters() if p.requires_grad]
    optimizer = make_optimizer(trainable, config)
    weights = weight_matrices(model)
    torch.manual_seed(config.seed + 2 + rank)  # dropout and noise: the Trainer's stream on rank 0

    first_loss, loss_value = None, float("nan")
    losses = []
    for step in range(total):
        xb, yb = data.next()
        if world > 1:
            xb, yb = xb[rank::world], yb[rank::world]
        apply_hyperparameters(optimizer, config, lr_at(config, step, horizon))
        net.train()
        out = net(xb)
        loss_tensor = loss.fn(out, yb)
        aux = aux_loss(model)
        if aux is not None:
            loss_tensor = loss_tensor + aux
        value = loss_tensor.detach()
        if config.l1 or config.l2:
            loss_tensor = loss_tensor + penalty(weights, config.l1, config.l2)
        optimizer.zero_grad(set_to_none=True)
        loss_tensor.backward()
        if config.grad_clip:
            torch.nn.utils.clip_grad_norm_(trainable, config.grad_clip, foreach=True)
        optimizer.step()
        if distributed:
            dist.all_reduce(value)
            value = value / world
        loss_value = float(value)
        losses.append(loss_value)
        if first_loss is None:
            first_loss = loss_value
        if step % args.log_every == 0 or step == total - 1:
            report({{"rank": rank, "step": step + 1, "loss": loss_value}})

    model.eval()
    if masks:
        zero_masked(model, masks)  # the last optimizer step moved pruned weights
    summary = {{"rank": rank, "world": world, "done": True, "steps": total,
               "first_loss": first_loss, "final_loss": loss_value}}
    history = {{"train/loss": {{"steps": list(range(1, total + 1)), "values": losses, "wall": [0.0] * total}}}}
    with torch.no_grad():
        scores = data.evaluate(model)
    if scores is not None:
        summary["val_loss"], summary["val_accuracy"] = scores
        history["val/loss"] = {{"steps": [total], "values": [scores[0]], "wall": [0.0]}}
        if scores[1] is not None:
            history["val/accuracy"] = {{"steps": [total], "values": [scores[1]], "wall": [0.0]}}
    report(summary)
    if rank == 0 and args.save:
        torch.save(model.state_dict(), args.save)
    if rank == 0 and args.checkpoint:
        write_session(args.checkpoint, model, history)
        report({{"rank": rank, "checkpoint": args.checkpoint}})
    if distributed:
        dist.destroy_process_group()


if __name__ == "__main__":
    main()
'''
