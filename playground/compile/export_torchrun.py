"""A standalone training script: model code, data and settings baked into one ``.py`` file.

``python script.py`` trains in one process; ``torchrun --nproc_per_node=N script.py`` trains
with DistributedDataParallel (gloo on CPU, nccl on CUDA). The script needs only torch and
numpy. Data travels as base64 of zlib-compressed ``np.save`` bytes (read back with
``allow_pickle=False``), so the exact arrays of the session are used, including CSV data.
"""

from __future__ import annotations

import ast
import base64
import io
import pprint
import textwrap
import zlib
from typing import Any

import numpy as np

from playground import __version__
from playground.compile.compiler import compile_graph
from playground.compile.export_code import export_python
from playground.compile.masks import Masks
from playground.graph.model import Graph
from playground.graph.spec import TaskSpec

DEFAULT_STEPS = 1000  # when the config sets neither epochs nor max_steps


def _encode_array(a: np.ndarray) -> str:
    buf = io.BytesIO()
    np.save(buf, np.ascontiguousarray(a), allow_pickle=False)
    text = base64.b64encode(zlib.compress(buf.getvalue(), 9)).decode("ascii")
    return "\n".join(textwrap.wrap(text, 100))


def _split_docstring(code: str) -> tuple[str, str]:
    """(docstring as comment lines, code without its module docstring)."""
    tree = ast.parse(code)
    doc = ast.get_docstring(tree)
    if not doc or not tree.body:
        return "", code
    end = tree.body[0].end_lineno or 0
    rest = "\n".join(code.splitlines()[end:]).lstrip("\n")
    return "\n".join(f"# {line}".rstrip() for line in doc.splitlines()), rest


def export_torchrun(graph: Graph, task: TaskSpec, arrays: dict[str, np.ndarray], config: dict[str, Any],
                    title: str = "network", masks: Masks | None = None) -> str:
    """Source of the training script. ``arrays`` holds x_train, y_train, x_val, y_val (numpy);
    ``config`` is ``TrainConfig.to_dict()``; ``masks`` (pruning, by state_dict key) travel along
    and the script keeps those weights at zero from the start and after every step."""
    model = compile_graph(graph, task)
    mask_src = "".join(f'    "{model.readable_key(k)}": """\n{_encode_array(m.cpu().numpy().astype(np.uint8))}\n""",\n'
                       for k, m in (masks or {}).items())
    comment, model_code = _split_docstring(export_python(graph, task, "Net"))
    data = {k: _encode_array(np.asarray(arrays[k])) for k in ("x_train", "y_train", "x_val", "y_val")}
    settings = {k: config[k] for k in ("optimizer", "lr", "momentum", "nesterov", "schedule", "warmup_steps",
                                       "step_size", "gamma", "batch_size", "epochs", "max_steps",
                                       "weight_decay", "l1", "l2", "grad_clip", "init", "seed")}
    task_info = {"task": task.task, "loss": model.loss_name, "num_classes": task.num_classes}
    data_src = "".join(f'    "{k}": """\n{v}\n""",\n' for k, v in data.items())
    return _TEMPLATE.format(
        version=__version__, title=title, model_comment=comment, model_code=model_code.rstrip(),
        config=pprint.pformat(settings, sort_dicts=False), task=repr(task_info), data=data_src,
        default_steps=DEFAULT_STEPS, masks=mask_src,
    )


_TEMPLATE = '''\
#!/usr/bin/env python3
"""Train {title}: a standalone script exported by Neural Playground {version}.

One process:            python THIS_FILE [--steps N] [--save model.pt]
Data-parallel training: torchrun --nproc_per_node=N THIS_FILE [--steps N]
                        (DistributedDataParallel; gloo on CPU, nccl on CUDA)

batch_size in CONFIG is the global batch: each of N processes takes batch_size / N samples
per step. Every rank prints one JSON line per logged step and a final "done" line.
Needs only torch and numpy.
"""

import argparse
import base64
import io
import json
import math
import os
import sys
import zlib

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


def report(record):
    # one write per line: lines from several ranks sharing a pipe never interleave
    sys.stdout.write(json.dumps(record) + "\\n")
    sys.stdout.flush()


def load_array(text):
    raw = zlib.decompress(base64.b64decode("".join(text.split())))
    return np.load(io.BytesIO(raw), allow_pickle=False)


# ------------------------------------------------------------------------ training
def compute_loss(model, out, y):
    if TASK["loss"] == "cross_entropy":
        if out.dim() > 2:  # sequences: (N, T, C) against (N, T)
            loss = F.cross_entropy(out.reshape(-1, out.shape[-1]), y.reshape(-1))
        else:
            loss = F.cross_entropy(out, y)
    elif TASK["loss"] == "bce":
        loss = F.binary_cross_entropy_with_logits(out.reshape(-1), y.reshape(-1).float())
    else:
        loss = F.mse_loss(out, y.reshape(out.shape).to(out.dtype))
    aux = getattr(model, "aux_loss", None)
    if aux is not None:
        loss = loss + aux()
    return loss


def accuracy(out, y):
    if TASK["task"] not in ("classification", "sequence"):
        return None
    if TASK["loss"] == "bce":
        pred = (out.reshape(-1) > 0).long()
        return (pred == y.reshape(-1)).float().mean().item()
    return (out.argmax(-1) == y).float().mean().item()


def init_weights(model, kind, generator):
    if kind == "default":
        return
    with torch.no_grad():
        for module in model.modules():
            if isinstance(module, (nn.modules.batchnorm._NormBase, nn.LayerNorm, nn.GroupNorm)):
                continue
            w = getattr(module, "weight", None)
            if not isinstance(w, torch.Tensor) or w.dim() < 2:
                continue
            fan_in = w[0].numel()
            fan_out = w.shape[0] * (w[0, 0].numel() if w.dim() > 2 else 1)
            if kind == "xavier":
                bound = math.sqrt(6.0 / (fan_in + fan_out))
                w.copy_(torch.rand(w.shape, generator=generator) * 2 * bound - bound)
            elif kind == "kaiming":
                w.copy_(torch.randn(w.shape, generator=generator) * math.sqrt(2.0 / fan_in))
            elif kind == "orthogonal":
                flat = torch.randn(w.shape[0], fan_in, generator=generator)
                tall = flat.shape[0] >= flat.shape[1]
                q, r = torch.linalg.qr(flat if tall else flat.T)
                q = q * torch.sign(torch.diagonal(r))
                w.copy_((q if tall else q.T).reshape(w.shape))
            elif kind == "small":
                w.copy_(torch.randn(w.shape, generator=generator) * 1e-2)
            b = getattr(module, "bias", None)
            if isinstance(b, torch.Tensor):
                b.zero_()


def make_optimizer(params):
    c = CONFIG
    if c["optimizer"] == "sgd":
        return torch.optim.SGD(params, lr=c["lr"], momentum=c["momentum"], weight_decay=c["weight_decay"],
                               nesterov=c["nesterov"] and c["momentum"] > 0)
    if c["optimizer"] == "adamw":
        return torch.optim.AdamW(params, lr=c["lr"], weight_decay=c["weight_decay"])
    if c["optimizer"] == "rmsprop":
        return torch.optim.RMSprop(params, lr=c["lr"], momentum=c["momentum"], weight_decay=c["weight_decay"])
    return torch.optim.Adam(params, lr=c["lr"], weight_decay=c["weight_decay"])


def lr_at(step, horizon):
    c = CONFIG
    if c["schedule"] == "constant":
        return c["lr"]
    if c["schedule"] == "step":
        return c["lr"] * c["gamma"] ** (step // max(c["step_size"], 1))
    warm = c["warmup_steps"] if c["schedule"] == "warmup_cosine" else 0
    if step < warm:
        return c["lr"] * (step + 1) / warm
    progress = min((step - warm) / max(horizon - warm, 1), 1.0)
    return c["lr"] * 0.5 * (1.0 + math.cos(math.pi * progress))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=0, help="steps to train (default: from CONFIG)")
    parser.add_argument("--log-every", type=int, default=10)
    parser.add_argument("--save", help="write the trained state_dict here (rank 0)")
    args = parser.parse_args()

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

    x_train, y_train = (torch.from_numpy(load_array(DATA[k])) for k in ("x_train", "y_train"))
    x_val, y_val = (torch.from_numpy(load_array(DATA[k])).to(device) for k in ("x_val", "y_val"))
    n = len(x_train)
    global_batch = CONFIG["batch_size"] or n
    local_batch = max(1, math.ceil(global_batch / world))
    steps_per_epoch = max(1, math.ceil(n / global_batch))
    total = args.steps or CONFIG["max_steps"] or CONFIG["epochs"] * steps_per_epoch or {default_steps}

    generator = torch.Generator().manual_seed(CONFIG["seed"])
    torch.manual_seed(CONFIG["seed"] + rank)  # dropout and noise differ per rank
    model = Net()
    init_weights(model, CONFIG["init"], generator)  # same seed on every rank: same start
    model.to(device)
    params = dict(model.named_parameters())
    masks = {{k: torch.from_numpy(load_array(v)).to(device, params[k].dtype) for k, v in MASKS.items()}}

    def keep_masks():
        with torch.no_grad():
            for k, m in masks.items():
                params[k].mul_(m)

    keep_masks()
    net = nn.parallel.DistributedDataParallel(model) if distributed else model
    optimizer = make_optimizer(model.parameters())
    weights = [p for name, p in model.named_parameters() if p.dim() >= 2 and name.endswith("weight")]

    order = torch.randperm(n, generator=generator)
    cursor, first_loss, loss_value = 0, None, float("nan")
    for step in range(total):
        if cursor + global_batch > n:  # next epoch: the same shuffle on every rank
            order, cursor = torch.randperm(n, generator=generator), 0
        idx = order[cursor:cursor + global_batch][rank::world][:local_batch]
        cursor += global_batch
        xb, yb = x_train[idx].to(device), y_train[idx].to(device)
        for group in optimizer.param_groups:
            group["lr"] = lr_at(step, total)
        net.train()
        out = net(xb)
        loss = compute_loss(model, out, yb)
        if CONFIG["l1"]:
            loss = loss + CONFIG["l1"] * sum(w.abs().sum() for w in weights)
        if CONFIG["l2"]:
            loss = loss + CONFIG["l2"] * sum((w * w).sum() for w in weights)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        if CONFIG["grad_clip"]:
            nn.utils.clip_grad_norm_(model.parameters(), CONFIG["grad_clip"])
        optimizer.step()
        keep_masks()
        loss_value = loss.detach()
        if distributed:
            dist.all_reduce(loss_value)
            loss_value = loss_value / world
        loss_value = float(loss_value)
        if first_loss is None:
            first_loss = loss_value
        if step % args.log_every == 0 or step == total - 1:
            report({{"rank": rank, "step": step, "loss": loss_value}})

    model.eval()
    with torch.no_grad():
        summary = {{"rank": rank, "world": world, "done": True, "steps": total,
                   "first_loss": first_loss, "final_loss": loss_value}}
        if len(x_val):
            out = model(x_val)
            summary["val_loss"] = float(compute_loss(model, out, y_val))
            summary["val_accuracy"] = accuracy(out, y_val)
    report(summary)
    if args.save and rank == 0:
        torch.save(model.state_dict(), args.save)
    if distributed:
        dist.destroy_process_group()


if __name__ == "__main__":
    main()
'''
