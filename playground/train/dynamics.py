"""Learning dynamics of deep linear networks (Saxe, McClelland & Ganguli).

For inputs x and targets y, the input–output correlation Σyx = E[y xᵀ] has the
SVD U S Vᵀ. A network's effective correlation Σŷx = E[ŷ xᵀ] (its outputs
against the same inputs) projected on mode α, a_α = u_αᵀ Σŷx v_α, is the
*strength* the network has learned of that mode; it approaches s_α.

Normalisation (matches the trainer): loss = mean over samples and D output
features of (ŷ − y)², plain full-batch gradient descent with learning rate η.
Then for a two-layer linear net W2·W1 from small balanced init each mode obeys

    τ da/dt = 2 a (s − a),     τ = D / (2 η)  (t counted in steps),

whose solution is ``mode_strength_curve``:
a(t) = s e^{2st/τ} / (e^{2st/τ} − 1 + s/a0). Momentum and Adam change the
time scale; the curve then only shows the shape (stage-like transitions,
strong modes first).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch

from playground.compile.compiler import CompiledModel
from playground.train.metrics import MetricsBuffer

MIN_A0_FRACTION = 1e-6  # floor for a0 relative to s (a zero initial strength never grows)


def tau_steps(lr: float, output_dim: int) -> float:
    """Time constant τ in optimizer steps for mean-squared-error loss over ``output_dim`` features."""
    return output_dim / (2.0 * lr) if lr > 0 else math.inf


def mode_strength_curve(t: np.ndarray | float, s: float, a0: float, tau: float) -> np.ndarray:
    """Analytic strength a(t) of a mode with singular value ``s`` starting from ``a0`` > 0."""
    t = np.asarray(t, dtype=np.float64)
    if s <= 0 or not math.isfinite(tau):
        return np.full_like(t, a0)
    a0 = max(a0, MIN_A0_FRACTION * s)
    z = 2.0 * s * t / tau
    # a = s / (1 + (s/a0 - 1) e^{-z}): the same formula, without overflow for large t.
    return s / (1.0 + (s / a0 - 1.0) * np.exp(-z))


def integrate_mode_ode(s: float, a0: float, tau: float, t_end: float, dt: float = 0.05) -> tuple[np.ndarray, np.ndarray]:
    """Fourth-order Runge–Kutta solution of τ da/dt = 2a(s − a) (a check on the formula)."""
    n = math.ceil(t_end / dt)
    ts = np.linspace(0.0, n * dt, n + 1)
    a = np.empty(n + 1)
    a[0] = a0

    def f(v: float) -> float:
        return 2.0 * v * (s - v) / tau

    for i in range(n):
        v = a[i]
        k1 = f(v)
        k2 = f(v + 0.5 * dt * k1)
        k3 = f(v + 0.5 * dt * k2)
        k4 = f(v + dt * k3)
        a[i + 1] = v + dt * (k1 + 2 * k2 + 2 * k3 + k4) / 6.0
    return ts, a


class ModeTracker:
    """Mode strengths and hidden-layer item similarity for one (hierarchy-like) dataset."""

    def __init__(self, x: torch.Tensor, y: torch.Tensor, items: list[str] | None = None) -> None:
        self.x = x.float()
        self.y = y.float().reshape(len(y), -1)
        n = len(self.x)
        sigma_yx = (self.y.T @ self.x / n).double().cpu()
        u, s, vh = torch.linalg.svd(sigma_yx, full_matrices=False)
        keep = s > s.max() * 1e-6 if len(s) else s > 0
        self.u, self.s, self.v = u[:, keep], s[keep], vh[keep].T
        self.output_dim = self.y.shape[1]
        self.items = items or [str(i) for i in range(n)]
        self.a0: np.ndarray | None = None
        self.t0 = 0

    def strengths(self, outputs: torch.Tensor) -> np.ndarray:
        """a_α = u_αᵀ Σŷx v_α for the network outputs ``outputs`` on ``self.x``."""
        sigma = (outputs.float().reshape(len(outputs), -1).T @ self.x / len(self.x)).double().cpu()
        return torch.einsum("ia,ij,ja->a", self.u, sigma, self.v).numpy()

    def probe(self, model: CompiledModel, step: int, lr: float, buffer: MetricsBuffer) -> None:
        """Post "modes" and "similarity" snapshots (the model must be in eval mode, no grad)."""
        hidden = self._hidden_node(model)
        model.taps = {hidden} if hidden else set()
        try:
            out = model(self.x)
            rep = model.captured.get(hidden) if hidden else None
        finally:
            model.taps = set()
            model.captured = {}
        a = self.strengths(out)
        s = self.s.numpy()
        if self.a0 is None:
            self.a0, self.t0 = np.abs(a), step
        analytic = np.array([float(mode_strength_curve(step - self.t0, float(si), float(a0i),
                                                       tau_steps(lr, self.output_dim)))
                             for si, a0i in zip(s, self.a0, strict=True)])
        buffer.put_snapshot("modes", step, {"strength": a.astype(np.float64), "singular_values": s.copy(),
                                            "analytic": analytic}, keep_history=True)
        if rep is not None:
            buffer.put_snapshot("similarity", step, {"matrix": similarity(rep), "items": list(self.items)},
                                keep_history=True)

    @staticmethod
    def _hidden_node(model: CompiledModel) -> str | None:
        """The middle hidden layer with per-item feature vectors (the representation)."""
        feeding = [nid for nid in model.node_names
                   if len(next(iter(model.output_shapes.get(nid, {}).values()), ())) == 1]
        return feeding[(len(feeding) - 1) // 2] if len(feeding) > 1 else None

    def state(self) -> dict[str, Any]:
        return {"a0": None if self.a0 is None else self.a0.tolist(), "t0": self.t0}

    def load_state(self, state: dict[str, Any]) -> None:
        self.a0 = None if state.get("a0") is None else np.asarray(state["a0"], dtype=np.float64)
        self.t0 = int(state.get("t0", 0))


def similarity(rep: torch.Tensor) -> np.ndarray:
    """Item-by-item representational similarity: inner products of hidden vectors,
    scaled so the largest entry magnitude is 1 (shape stays visible at tiny init)."""
    h = rep.float().reshape(len(rep), -1)
    m = h @ h.T
    scale = m.abs().max().clamp_min(1e-12)
    return (m / scale).cpu().numpy()

