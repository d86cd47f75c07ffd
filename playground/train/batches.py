"""Data on the device, batch order from the trainer's own generator, losses and device choice."""

from __future__ import annotations

import contextlib
import math
from collections.abc import Callable, Iterator
from typing import Any

import torch
import torch.nn.functional as F

from playground.graph.spec import TaskSpec
from playground.train.config import ConfigError

EVAL_CHUNK = 4096
SHUFFLED_COPY_BYTES = 256 * 2**20  # below this, each epoch gathers a shuffled copy: batches are views


def resolve_device(name: str) -> torch.device:
    """auto → cuda, then mps, then cpu; a clear ConfigError if the requested one is missing."""
    cuda = torch.cuda.is_available()
    mps = bool(getattr(torch.backends, "mps", None) and torch.backends.mps.is_available())
    if name == "auto":
        return torch.device("cuda" if cuda else "mps" if mps else "cpu")
    if name == "cuda" and not cuda:
        why = "this PyTorch build has no CUDA support" if torch.version.cuda is None else "no CUDA GPU was found"
        raise ConfigError([f"device 'cuda' was requested but {why} (torch {torch.__version__}); "
                           "choose device 'auto' or 'cpu'"])
    if name == "mps" and not mps:
        raise ConfigError(["device 'mps' was requested but Apple's Metal backend is not available here; "
                           "choose device 'auto' or 'cpu'"])
    if name not in ("cpu", "cuda", "mps"):
        raise ConfigError([f"unknown device {name!r}; choose auto, cpu, cuda or mps"])
    return torch.device(name)


@contextlib.contextmanager
def own_rng(box: list[torch.Tensor], device: torch.device) -> Iterator[None]:
    """Swap torch's global CPU (and CUDA) generator state for ``box[0]`` while training.

    Dropout and noise blocks draw from the global generator; this gives each trainer its
    own stream, so the same seed gives the same run and a saved state resumes exactly.
    """
    outer = torch.get_rng_state()
    torch.set_rng_state(box[0])
    outer_cuda = torch.cuda.get_rng_state(device) if device.type == "cuda" else None
    try:
        yield
    finally:
        box[0] = torch.get_rng_state()
        torch.set_rng_state(outer)
        if outer_cuda is not None:
            torch.cuda.set_rng_state(outer_cuda, device)


def describe_exception(err: BaseException, step: int, batch_size: int) -> str:
    """A sentence for a person, with a hint where one helps."""
    text = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
    if isinstance(err, torch.cuda.OutOfMemoryError) or "out of memory" in str(err).lower():
        if torch.cuda.is_available():
            torch.cuda.empty_cache()
        size = "the full data set" if batch_size == 0 else f"{batch_size}"
        return (f"ran out of memory at step {step} (batch size {size}): try a smaller batch size "
                f"or a smaller network")
    return f"training failed at step {step}: {type(err).__name__}: {text}"


class LossKit:
    """The loss of a compiled model's task, its accuracy, and the target form they need."""

    def __init__(self, loss_name: str, task: TaskSpec) -> None:
        self.name = loss_name
        self.task = task
        self.fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]
        if loss_name == "bce":
            self.fn = lambda out, y: F.binary_cross_entropy_with_logits(out.reshape(-1), y)
        elif loss_name == "cross_entropy" and task.task == "sequence":
            self.fn = lambda out, y: F.cross_entropy(out.reshape(-1, out.shape[-1]), y.reshape(-1))
        elif loss_name == "cross_entropy":
            self.fn = F.cross_entropy
        else:
            self.fn = F.mse_loss

    def prepare(self, y: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        if self.task.task == "reconstruction":
            return x
        if self.name == "bce":
            return y.reshape(-1).float()
        if self.name == "mse":
            return y.float()
        return y

    def correct(self, out: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, int] | None:
        """(number right, number judged) for classification and sequences; None otherwise."""
        if self.name == "bce":
            return ((out.reshape(-1) > 0) == (y > 0.5)).sum(), y.numel()
        if self.name == "cross_entropy":
            return (out.argmax(-1) == y).sum(), y.numel()
        return None


class BatchSampler:
    """Training and validation tensors on the device; shuffled batches per epoch.

    Full batch when ``batch_size`` is 0 or at least the number of samples.
    """

    def __init__(self, bundle: Any, device: torch.device, loss: LossKit, batch_size: int, seed: int) -> None:
        self.loss = loss
        self.x = bundle.x_train.to(device)
        self.y = loss.prepare(bundle.y_train, bundle.x_train).to(device)
        self.xv = bundle.x_val.to(device)
        self.yv = loss.prepare(bundle.y_val, bundle.x_val).to(device)
        if loss.task.task == "reconstruction":
            self.y, self.yv = self.x, self.xv
        self.n = len(self.x)
        if self.n == 0:
            raise ConfigError(["the training set is empty"])
        self.batch = self.n if batch_size == 0 or batch_size >= self.n else batch_size
        self.full = self.batch == self.n
        self.steps_per_epoch = math.ceil(self.n / self.batch)
        nbytes = self.x.numel() * self.x.element_size() + self.y.numel() * self.y.element_size()
        self.copy = nbytes <= SHUFFLED_COPY_BYTES
        self.gen = torch.Generator()
        self.restart(seed)

    def restart(self, seed: int) -> None:
        self.gen.manual_seed(seed)
        self.epoch = 0
        self.pos = 0
        self.perm: torch.Tensor | None = None
        self._order: tuple[torch.Tensor, torch.Tensor, torch.Tensor] | None = None

    def _arrange(self) -> None:
        assert self.perm is not None
        idx = self.perm.to(self.x.device)
        if self.copy:
            self._order = (idx, self.x[idx], self.y[idx])
        else:
            self._order = (idx, self.x, self.y)

    def next(self) -> tuple[torch.Tensor, torch.Tensor]:
        if self.full:
            self.epoch += 1
            return self.x, self.y
        if self._order is None:
            self.perm = torch.randperm(self.n, generator=self.gen)
            self.pos = 0
            self._arrange()
        idx, xs, ys = self._order  # type: ignore[misc]
        a = self.pos
        b = a + self.batch
        if self.copy:
            xb, yb = xs[a:b], ys[a:b]
        else:
            sel = idx[a:b]
            xb, yb = xs[sel], ys[sel]
        self.pos = min(b, self.n)  # a last, partial batch ends the epoch at n (a saved state must fit the set)
        if b >= self.n:
            self.epoch += 1
            self._order = None
        return xb, yb

    def state(self) -> dict[str, Any]:
        return {"epoch": self.epoch, "pos": self.pos,
                "perm": None if self._order is None or self.perm is None else self.perm.clone(),
                "generator": self.gen.get_state()}

    def load_state(self, state: dict[str, Any]) -> None:
        self.epoch = int(state["epoch"])
        self.pos = int(state["pos"])
        self.gen.set_state(state["generator"])
        perm = state.get("perm")
        self.perm = None if perm is None else torch.as_tensor(perm, dtype=torch.long)
        self._order = None
        if self.perm is not None and not self.full:
            if len(self.perm) != self.n:
                raise ValueError("saved batch order is for a different data set size")
            self._arrange()

    def evaluate(self, model: torch.nn.Module) -> tuple[float, float | None] | None:
        """(mean loss, accuracy or None) on the validation set; None when there is none."""
        x, y = self.xv, self.yv
        n = len(x)
        if n == 0:
            return None
        loss_sum = torch.zeros((), device=x.device)
        right = torch.zeros((), device=x.device)
        judged = 0
        for a in range(0, n, EVAL_CHUNK):
            xb, yb = x[a:a + EVAL_CHUNK], y[a:a + EVAL_CHUNK]
            out = model(xb)
            loss = self.loss.fn(out, yb)
            aux = getattr(model, "aux_loss", lambda: None)()
            if aux is not None:
                loss = loss + aux
            loss_sum = loss_sum + loss.float() * len(xb)
            result = self.loss.correct(out, yb)
            if result is not None:
                right = right + result[0]
                judged += result[1]
        loss_value, right_value = torch.stack([loss_sum, right.float()]).tolist()
        return loss_value / n, (right_value / judged if judged else None)
