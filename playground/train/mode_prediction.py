"""Predicted mode strengths of a linear network from its starting weights (the theory is in
``playground.train.dynamics``' docstring: read that first).

Layer: train. Imports numpy and torch only.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

MIN_A0_FRACTION = 1e-6  # floor for a0 relative to s (a zero initial strength never grows)
HALF_RISE_SEARCH = 2048  # grid points of the first-crossing search ...
HALF_RISE_FINE = 256  # ... and of the refinement inside the crossing cell


def tau_steps(lr: float, output_dim: int) -> float:
    """Time constant τ in optimizer steps for mean-squared-error loss over ``output_dim`` features."""
    return output_dim / (2.0 * lr) if lr > 0 else math.inf


def mode_strength_curve(t: np.ndarray | float, s: float, a0: float, tau: float) -> np.ndarray:
    """Analytic strength a(t) of a balanced two-layer mode with singular value ``s`` from ``a0`` > 0."""
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


@dataclass
class ModePrediction:
    """Predicted strength of every mode from one start (the theory: ``playground.train.dynamics``).

    ``growth`` is ln(growth of the growing component per step); ``gram`` holds, for the
    two-layer case, the squared components (e_β·p_α)² of each mode's growing vector along the
    stronger modes' directions (row α, columns β < α), ``perp`` the rest of |p_α|².
    """

    s: np.ndarray
    a0: np.ndarray
    growth: np.ndarray
    method: str
    tau: float
    t0: int = 0
    perp: np.ndarray | None = None
    gram: np.ndarray | None = None
    depth: int = 2
    scale: float = 1.0

    def curves(self, t: np.ndarray | float) -> np.ndarray:
        """Predicted strengths at steps ``t`` after ``t0``: shape (k,) + shape of t."""
        t = np.maximum(np.asarray(t, dtype=np.float64), 0.0)
        out = np.empty((len(self.s), *t.shape))
        for i, (s, a0, r) in enumerate(zip(self.s, self.a0, self.growth, strict=True)):
            if self.method == "one-layer":
                out[i] = s - (s - a0) * np.exp(-r * t)
            elif self.method == "deep-balanced":
                out[i] = self._deep(t, float(s), float(a0))
            else:
                weight = np.full(t.shape, 1.0)
                if i and self.perp is not None and self.gram is not None and a0 > 0:
                    # f_β(t) = (s_β − a_β(t)) / (s_β − a_β(0)): how much of p_α along e_β still grows
                    stronger = self.s[:i, None]
                    fade = (stronger - out[:i].reshape(i, -1)) / np.maximum(stronger - self.a0[:i, None], 1e-300)
                    shares = self.gram[i, :i] @ np.clip(fade, 0.0, 1.0)
                    total = max(self.perp[i] + self.gram[i, :i].sum(), 1e-300)
                    weight = ((self.perp[i] + shares) / total).reshape(t.shape)
                # a = s / (1 + (s - a0)/L), L = a0·weight·e^{r t}; e^{-r t} underflows to 0, no overflow
                with np.errstate(divide="ignore", over="ignore"):
                    out[i] = s / (1.0 + (s - a0) / (a0 * np.maximum(weight, 1e-300)) * np.exp(-r * t))
        return out

    def _deep(self, t: np.ndarray, s: float, a0: float) -> np.ndarray:
        times, grid = self._deep_table(s, a0)
        return np.interp(t, times, grid)

    def _deep_table(self, s: float, a0: float) -> tuple[np.ndarray, np.ndarray]:
        # t(a) = ∫ da / (L κ c^{2/L-1} a^{2-2/L} (s - a)) on a grid dense near a0 and near s.
        L, kappa = self.depth, 1.0 / self.tau
        low = np.geomspace(a0, s / 2, 1000)
        grid = np.concatenate([low, s - (s / 2) * np.geomspace(1.0, 1e-9, 1000)[1:]])
        rate = L * kappa * self.scale ** (2.0 / L - 1.0) * grid ** (2.0 - 2.0 / L) * (s - grid)
        times = np.concatenate([[0.0], np.cumsum(np.diff(grid) * 0.5 * (1 / rate[1:] + 1 / rate[:-1]))])
        return times, grid

    def half_rise_steps(self) -> np.ndarray:
        """Absolute step where each predicted curve first reaches s/2 (nan where it never does)."""
        k = len(self.s)
        result = np.full(k, np.nan)
        if not k:
            return result
        if self.method == "deep-balanced":
            for i, (s, a0) in enumerate(zip(self.s, self.a0, strict=True)):
                if a0 >= s / 2:
                    result[i] = float(self.t0)
                    continue
                times, grid = self._deep_table(float(s), float(a0))
                result[i] = self.t0 + float(np.interp(s / 2, grid, times))
            return result
        rough = np.log(np.maximum(self.s / np.maximum(self.a0, 1e-300) - 1.0, 1.5)) / np.maximum(self.growth, 1e-300)
        ts = np.linspace(0.0, float(min(np.max(rough) * 8.0 + 10.0, 1e9)), HALF_RISE_SEARCH)
        first = np.argmax(self.curves(ts) >= (self.s / 2)[:, None], axis=1)  # 0 also when never
        # Second pass: a fine grid inside each mode's bracketing cell, all modes in one evaluation.
        lo = ts[np.maximum(first - 1, 0)]
        fine = np.linspace(lo, lo + (ts[1] - ts[0]), HALF_RISE_FINE, axis=1)  # (k, fine)
        values = self.curves(fine.ravel()).reshape(k, k, HALF_RISE_FINE)
        for i in range(k):
            row, target = values[i, i], self.s[i] / 2
            if first[i] == 0:
                if self.a0[i] >= target:
                    result[i] = float(self.t0)
                continue
            j = int(np.argmax(row >= target))
            if row[j] < target:
                continue
            frac = 0.0 if j == 0 else (target - row[j - 1]) / max(row[j] - row[j - 1], 1e-300)
            result[i] = self.t0 + fine[i, max(j - 1, 0)] + frac * (fine[i, 1] - fine[i, 0]) * (j > 0)
        return result

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"s": self.s.tolist(), "a0": self.a0.tolist(), "growth": self.growth.tolist(),
                             "method": self.method, "tau": self.tau if math.isfinite(self.tau) else None,
                             "t0": self.t0, "depth": self.depth, "scale": self.scale}
        d["perp"] = None if self.perp is None else self.perp.tolist()
        d["gram"] = None if self.gram is None else self.gram.tolist()
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ModePrediction:
        def arr(v: Any) -> np.ndarray | None:
            return None if v is None else np.asarray(v, dtype=np.float64)

        return cls(np.asarray(d["s"], dtype=np.float64), np.asarray(d["a0"], dtype=np.float64),
                   np.asarray(d["growth"], dtype=np.float64), str(d["method"]),
                   math.inf if d.get("tau") is None else float(d["tau"]), int(d.get("t0", 0)),
                   arr(d.get("perp")), arr(d.get("gram")), int(d.get("depth", 2)), float(d.get("scale", 1.0)))


def predict_modes(weights: list[torch.Tensor] | None, u: torch.Tensor, s: torch.Tensor, v: torch.Tensor,
                  scale: float, lr: float, output_dim: int, measured: np.ndarray, t0: int = 0) -> ModePrediction:
    """The prediction for a network whose linear chain starts at ``weights`` (None: not a chain).

    ``u``, ``s``, ``v``: the SVD of Σyx (columns of u and v are modes); ``scale``: c in Σxx ≈ c·I;
    ``measured``: the strengths now (used where no exact theory applies).
    """
    sv = s.double().numpy()
    tau = tau_steps(lr, output_dim)
    kappa = 0.0 if not math.isfinite(tau) else 1.0 / tau
    floor = MIN_A0_FRACTION * sv
    if weights is not None and len(weights) == 2 and kappa > 0:
        w1, w2 = (w.double().cpu() for w in weights)
        p = (w1 @ v.double() + w2.T @ u.double()).numpy()  # hidden × k: growing vectors
        sq = (p ** 2).sum(0)
        a0 = np.maximum(scale * sq / 4.0, floor)
        gram = np.zeros((len(sv), len(sv)))
        basis: list[np.ndarray] = []
        for i in range(len(sv)):
            for j, e in enumerate(basis):
                gram[i, j] = float(e @ p[:, i]) ** 2
            rest = p[:, i] - sum((float(e @ p[:, i]) * e for e in basis), np.zeros(len(p)))
            norm = float(np.linalg.norm(rest))
            basis.append(rest / norm if norm > 1e-9 * math.sqrt(sq[i]) > 0 else np.zeros(len(p)))
        perp = np.maximum(sq - gram.sum(1), 0.0)
        return ModePrediction(sv, a0, 2.0 * np.log1p(kappa * sv), "two-layer", tau, t0, perp, gram)
    if weights is not None and len(weights) == 1 and kappa > 0:  # exact from any start, sign included
        return ModePrediction(sv, np.asarray(measured, dtype=np.float64), np.full(len(sv), -math.log(max(1.0 - scale * kappa, 1e-300))),
                              "one-layer", tau, t0)
    a0 = np.maximum(np.abs(measured), floor)
    if weights is not None and len(weights) >= 3 and kappa > 0:
        # balanced-equivalent start: the end layers' gains along the mode, the middle layers' RMS gain
        ws = [w.double().cpu() for w in weights]
        ends = (ws[0] @ v.double()).norm(dim=0) * (ws[-1].T @ u.double()).norm(dim=0)
        middle = math.prod(float(torch.linalg.matrix_norm(w)) / math.sqrt(min(w.shape)) for w in ws[1:-1])
        a0 = np.maximum(scale * ends.numpy() * middle, floor)
        return ModePrediction(sv, a0, 2.0 * kappa * sv, "deep-balanced", tau, t0, depth=len(weights), scale=scale)
    return ModePrediction(sv, a0, 2.0 * kappa * sv, "shape", tau, t0)
