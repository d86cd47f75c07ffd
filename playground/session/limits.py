"""What opening a session file will cost, known before its members are read.

Two checks, both from the zip directory and member headers only:

* :func:`check_budget`: every member's declared (uncompressed) size, JSON counted at four
  times its size (parsed objects), against ``memory_budget()`` (about 25% of RAM, lower under
  an address-space limit; see ``playground.train.estimate``);
* :func:`check_tensor_headers`: the tensors a safetensors member declares (its header, a few
  bytes) against what the network can hold, built on torch's ``meta`` device: the weights
  may not declare more than twice the network's state, the optimizer not more than four
  times it (plus 1 MB for counters and RNG states). A 1 GB "weights" member for a 200-parameter network is refused before it
  is inflated.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import torch

from playground.session import archive
from playground.session.errors import SessionError
from playground.train.estimate import format_bytes, memory_budget

if TYPE_CHECKING:
    from playground.session.model import Session

JSON_COST = 4  # bytes of memory per byte of JSON, parsed (bounded again by MAX_JSON_VALUES)
_SLACK = 1 << 20  # small tensors that are not parameters (step counters, RNG state)


def load_cost(reader: archive.SafeZipReader) -> int:
    """Upper bound on the memory reading every member costs, from the zip directory alone."""
    total = 0
    for name, info in reader.infos.items():
        total += info.file_size * (JSON_COST if name.endswith(".json") else 1)
    return total


def check_budget(reader: archive.SafeZipReader, budget: int | None = None) -> None:
    limit = memory_budget() if budget is None else budget
    cost = load_cost(reader)
    if cost > limit:
        raise SessionError(f"opening it needs about {format_bytes(cost)} of memory; the limit is "
                           f"{format_bytes(limit)} (set PLAYGROUND_MEMORY_BUDGET to change it)")


def state_bytes(session: Session) -> int | None:
    """Bytes of the compiled network's state_dict, from shapes only (None: cannot be built)."""
    from playground.compile import CompileError, compile_graph
    from playground.data import DATASETS

    if session.embedded_data is None:
        spec = DATASETS.get(session.dataset)
        if spec is None or not spec.regenerable:
            return None  # never read a path named in the file; check_weights refuses it
    try:
        task = session.bundle().task
        with torch.device("meta"):
            model = compile_graph(session.graph, task)
    except (CompileError, SessionError, ValueError, TypeError, RuntimeError):
        return None
    return sum(t.numel() * t.element_size() for t in model.state_dict().values())


def declared_bytes(reader: archive.SafeZipReader, name: str) -> int:
    return sum(end - start for _dtype, _shape, start, end in reader.tensor_header(name).values())


def check_tensor_headers(reader: archive.SafeZipReader, session: Session) -> None:
    """Refuse tensor members that declare more than the network can hold, before reading them."""
    present = [n for n in ("weights.safetensors", "optimizer.safetensors") if reader.has(n)]
    if not present:
        return
    expected = state_bytes(session)
    if expected is None:
        return  # check_weights drops the state of a network that cannot be built
    # gross excess only: a near miss is left to check_weights, which names the tensor
    for name, factor, what in (("weights.safetensors", 2, "weights"), ("optimizer.safetensors", 4, "optimizer state")):
        if name not in present:
            continue
        got = declared_bytes(reader, name)
        if got > factor * expected + _SLACK:
            raise SessionError(f"the saved {what} do not match the network ({format_bytes(got)} "
                               f"in the file for a network of {format_bytes(expected)})")
