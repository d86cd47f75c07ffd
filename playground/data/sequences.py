"""Token-sequence datasets over a small vocabulary, where attention has something to show.

Token layout (index: symbol), the same for copy, reverse and sort:
    0: "_" (blank / padding), 1..V: the V content symbols "a", "b", ... (V = vocab_size)
    input (T,) int64 of content symbols, target (T,) int64; T = length
    copy     target[i] = input[i - shift] (blank for i < shift); shift 0 is the identity
    reverse  target[i] = input[T - 1 - i]
    sort     target = input sorted by symbol
TaskSpec: task "sequence", vocab_size = num_classes = V + 1.

addition (vocab_size = the number base b, length = digits L per number):
    0: "_", 1..b: digits "0".."b-1", b+1: "+", b+2: "="
    input  = a (L digits, most significant first) "+" b (L digits) "=" "_" × (L+1)   (T = 3L + 3)
    target = "_" × (2L + 2) followed by the L+1 digits of a + b (most significant first, zero-padded)
    So the answer sits under the blanks after "="; meta["answer_positions"] = (2L+2, 3L+3).

parity and majority (task "classification", 2 classes, input (T,) int64, no blank symbol):
    0..V-1: symbols "0".."V-1"
    parity    label = (sum of the token values) mod 2   (V = 2: the parity of the number of 1s)
    majority  label = 1 if symbol "1" occurs more often than symbol "0", else 0; sequences where
              they tie are not generated, so every label is well defined (other symbols distract)
    Both are exactly class-balanced.
Every input sequence is distinct (drawn without replacement from the input space), so no
validation input ever appears in training. Where the space holds fewer inputs than n_samples
(short lengths over small vocabularies: 256 bit strings of length 8), each possible input is
used once and meta["split_note"], shown by ``describe()``, says so.
"""

from __future__ import annotations

import string
from collections.abc import Callable
from typing import Any

import numpy as np

from playground.data.bundle import (
    DataBundle,
    distinct_rows,
    make_bundle,
    p_samples,
    p_seed,
    p_val,
    space_note,
)
from playground.data.registry import DatasetDef, register
from playground.graph.spec import ParamSpec, TaskSpec

LETTERS = string.ascii_lowercase


def _p_length(default: int, lo: int = 2, hi: int = 64, help: str = "Sequence length T") -> ParamSpec:
    return ParamSpec("length", "int", default, help, lo, hi)


def _p_vocab(default: int, lo: int, hi: int, help: str) -> ParamSpec:
    return ParamSpec("vocab_size", "int", default, help, lo, hi)


def _seq2seq(name: str, p: dict[str, Any], x: np.ndarray, y: np.ndarray, tokens: list[str],
             rng: np.random.Generator, extra: dict[str, Any] | None = None) -> DataBundle:
    v = len(tokens)
    task = TaskSpec("sequence", (x.shape[1],), "long", (y.shape[1],), num_classes=v, vocab_size=v)
    meta = {"tokens": tokens, **(extra or {})}
    note = space_note(len(x), p["n_samples"])
    if note:
        meta["split_note"] = note
    return make_bundle(name, p, task, x.astype(np.int64), y.astype(np.int64), rng, meta)


def _symbols(p: dict[str, Any]) -> tuple[np.ndarray, list[str], np.random.Generator]:
    rng = np.random.default_rng(p["seed"])
    v = p["vocab_size"]
    x = distinct_rows(rng, p["n_samples"], p["length"], v) + 1
    return x, ["_", *LETTERS[:v]], rng


def _copy(p: dict[str, Any]) -> DataBundle:
    x, tokens, rng = _symbols(p)
    s = p["shift"]
    y = np.zeros_like(x)
    y[:, s:] = x[:, : x.shape[1] - s]
    return _seq2seq("copy", p, x, y, tokens, rng)


def _reverse(p: dict[str, Any]) -> DataBundle:
    x, tokens, rng = _symbols(p)
    return _seq2seq("reverse", p, x, x[:, ::-1], tokens, rng)


def _sort(p: dict[str, Any]) -> DataBundle:
    x, tokens, rng = _symbols(p)
    return _seq2seq("sort", p, x, np.sort(x, axis=1), tokens, rng)


def _digits_of(values: np.ndarray, base: int, width: int) -> np.ndarray:
    """(N,) ints -> (N, width) digits, most significant first."""
    powers = base ** np.arange(width - 1, -1, -1, dtype=np.int64)
    return (values[:, None] // powers[None]) % base


def _addition(p: dict[str, Any]) -> DataBundle:
    rng = np.random.default_rng(p["seed"])
    b, digits = p["vocab_size"], p["length"]
    top = b**digits
    pairs = distinct_rows(rng, p["n_samples"], 2, top)  # distinct (a, c): no sum is both seen and tested
    a, c, n = pairs[:, 0], pairs[:, 1], len(pairs)
    plus, equals = b + 1, b + 2
    blank = np.zeros((n, digits + 1), np.int64)
    x = np.concatenate([_digits_of(a, b, digits) + 1, np.full((n, 1), plus),
                        _digits_of(c, b, digits) + 1, np.full((n, 1), equals), blank], 1)
    y = np.concatenate([np.zeros((n, 2 * digits + 2), np.int64), _digits_of(a + c, b, digits + 1) + 1], 1)
    tokens = ["_", *(string.digits + LETTERS)[:b], "+", "="]
    extra = {"answer_positions": (2 * digits + 2, 3 * digits + 3), "base": b}
    return _seq2seq("addition", p, x, y, tokens, rng, extra)


def _balanced(rng: np.random.Generator, n: int, length: int, v: int,
              label_fn: Callable[[np.ndarray], np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Distinct random sequences, n//2 (+ remainder) of each label (-1 = discard). A pool of
    distinct rows grows until it holds enough of both labels or is the whole input space; then
    every labelled input of the space is used once (parity and majority stay balanced there by
    symmetry: flipping one bit, or swapping 0s and 1s, maps one class onto the other)."""
    want = [n - n // 2, n // 2]
    size = 2 * n + 64
    while True:
        pool = distinct_rows(rng, size, length, v)
        lab = label_fn(pool)
        if len(pool) < size or all((lab == c).sum() >= want[c] for c in (0, 1)):
            break
        size *= 4
    xs = [pool[lab == c][: want[c]] for c in (0, 1)]
    x = np.concatenate(xs)
    y = np.concatenate([np.zeros(len(xs[0])), np.ones(len(xs[1]))]).astype(np.int64)
    return x, y


def _classify(name: str, p: dict[str, Any], label_fn: Callable[[np.ndarray], np.ndarray],
              class_names: list[str]) -> DataBundle:
    rng = np.random.default_rng(p["seed"])
    v, length = p["vocab_size"], p["length"]
    x, y = _balanced(rng, p["n_samples"], length, v, label_fn)
    task = TaskSpec("classification", (length,), "long", (), num_classes=2, vocab_size=v)
    meta: dict[str, Any] = {"tokens": [str(i) if i < 10 else LETTERS[i - 10] for i in range(v)],
                            "class_names": class_names}
    note = space_note(len(x), p["n_samples"])
    if note:
        meta["split_note"] = note
    return make_bundle(name, p, task, x, y, rng, meta)


def _parity(p: dict[str, Any]) -> DataBundle:
    return _classify("parity", p, lambda x: x.sum(1) % 2, ["even", "odd"])


def _majority(p: dict[str, Any]) -> DataBundle:
    def label(x: np.ndarray) -> np.ndarray:
        d = (x == 1).sum(1) - (x == 0).sum(1)
        return np.where(d > 0, 1, np.where(d < 0, 0, -1))
    return _classify("majority", p, label, ["more 0s", "more 1s"])


def _seq_params(length: int, vocab: int, n: int, extra: tuple[ParamSpec, ...] = ()) -> tuple[ParamSpec, ...]:
    return (_p_length(length), _p_vocab(vocab, 2, 26, "Number of distinct symbols"), *extra,
            p_samples(n, 20, 50_000), p_seed(), p_val())


register(DatasetDef(
    "copy", "Copy", "Repeat the input, shifted right by `shift` positions (0 = identity).",
    "sequence", _seq_params(8, 8, 2000, (ParamSpec("shift", "int", 0, "Positions to delay the copy", 0, 63),)),
    "transformer", _copy,
    cross_check=lambda p: f"shift must be smaller than length ({p['length']}), got {p['shift']}"
    if p["shift"] >= p["length"] else None))
register(DatasetDef(
    "reverse", "Reverse", "Output the input backwards; attention forms an anti-diagonal.",
    "sequence", _seq_params(8, 8, 2000), "transformer", _reverse))
register(DatasetDef(
    "sort", "Sort", "Output the input's symbols in sorted order.",
    "sequence", _seq_params(8, 8, 2000), "transformer", _sort))
register(DatasetDef(
    "addition", "Addition", "Add two numbers digit by digit: 'a+b=' then the sum under the blanks.",
    "sequence", (_p_length(3, 1, 12, "Digits per number"),
                 _p_vocab(10, 2, 16, "Number base (digits per position)"),
                 p_samples(4000, 20, 50_000), p_seed(), p_val()),
    "transformer", _addition))
register(DatasetDef(
    "parity", "Parity", "Is the sum of the tokens odd? Needs every position (hard for attention alone).",
    "sequence", (_p_length(8, 2, 64), _p_vocab(2, 2, 16, "Number of distinct symbols 0..V-1"),
                 p_samples(2000, 20, 50_000), p_seed(), p_val()),
    "lstm_classifier", _parity))
register(DatasetDef(
    "majority", "Majority", "Are there more 1s than 0s? (ties are never generated)",
    "sequence", (_p_length(9, 2, 64), _p_vocab(2, 2, 16, "Number of distinct symbols 0..V-1"),
                 p_samples(2000, 20, 50_000), p_seed(), p_val()),
    "lstm_classifier", _majority))
