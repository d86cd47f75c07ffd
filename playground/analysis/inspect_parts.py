"""The inside of an attention block, as in a transformer walkthrough: Q, K, V, the scores, the
softmax, the weighted sum, the output projection, add & norm and the feed-forward net.

Every part is computed by calling the block's own submodules on what the block received, in
the order its ``forward`` uses them, so the last part is the block's output (a test checks it)
and a lesion hooked on a submodule (a zeroed head) shows in the parts as it acts on the output.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from playground.compile.blocks.attention import MultiHeadAttention, TransformerLayer


@dataclass(frozen=True)
class Part:
    label: str
    tensor: torch.Tensor  # one sample (no batch dimension)
    note: str = ""


def has_parts(module: nn.Module) -> bool:
    return isinstance(module, (MultiHeadAttention, TransformerLayer))


def attention_parts(module: nn.Module, args: tuple) -> list[Part]:
    """The parts of an attention module on the inputs ``args`` it was called with (batch of one)."""
    with torch.no_grad():
        if isinstance(module, TransformerLayer):
            return _transformer_parts(module, args[0])
        if isinstance(module, MultiHeadAttention):
            context = args[1] if len(args) > 1 else None
            parts, _ = _attention(module, args[0], context)
            return parts
    return []


def _attention(attn: MultiHeadAttention, x: torch.Tensor, context: torch.Tensor | None,
               prefix: str = "") -> tuple[list[Part], torch.Tensor]:
    steps = attn.steps(x, context)  # the block's own pass, so the parts are what it computes
    q, k, v, scores, weights, mixed, out = (steps[name] for name in ("q", "k", "v", "scores", "weights",
                                                                    "mixed", "out"))
    heads = f"{attn.heads} head{'s' if attn.heads != 1 else ''}"
    parts = [
        Part(f"{prefix}Q (queries)", q[0], f"{heads} × positions × head width"),
        Part(f"{prefix}K (keys)", k[0], f"{heads} × positions × head width"),
        Part(f"{prefix}V (values)", v[0], f"{heads} × positions × head width"),
        Part(f"{prefix}scores Q·Kᵀ × {attn.scale:.3g}", scores[0],
             "heads × queries × keys" + ("; future positions masked (−∞)" if attn.causal else "")),
        Part(f"{prefix}softmax (attention weights)", weights[0], "heads × queries × keys; each row sums to 1"),
        Part(f"{prefix}weighted sum of V", mixed[0], "positions × (heads joined)"),
        Part(f"{prefix}output projection", out[0], "positions × width"),
    ]
    return parts, out


def _transformer_parts(layer: TransformerLayer, x: torch.Tensor) -> list[Part]:
    # dropout is the identity in eval mode, the only mode the inspector runs in
    ffn_in, ffn_act, ffn_out = layer.ffn[0], layer.ffn[1], layer.ffn[2]
    parts: list[Part] = []
    if layer.norm == "pre":
        n1 = layer.norm1(x)
        parts.append(Part("norm 1 (LayerNorm)", n1[0], "what attention reads"))
        attention, a = _attention(layer.attn, n1, None, "attention: ")
        parts += attention
        h = x + a
        parts.append(Part("add (input + attention)", h[0], "the first residual sum"))
        n2 = layer.norm2(h)
        parts.append(Part("norm 2 (LayerNorm)", n2[0], "what the feed-forward net reads"))
        hidden = ffn_act(ffn_in(n2))
        out = ffn_out(hidden)
        parts.append(Part("FFN hidden (Linear + GELU)", hidden[0], f"positions × {layer.ffn_width}"))
        parts.append(Part("FFN output (Linear)", out[0], "positions × width"))
        parts.append(Part("add (sum + FFN) = block output", (h + out)[0], "the second residual sum"))
        return parts
    attention, a = _attention(layer.attn, x, None, "attention: ")
    parts += attention
    h = layer.norm1(x + a)
    parts.append(Part("add & norm 1", h[0], "LayerNorm(input + attention)"))
    hidden = ffn_act(ffn_in(h))
    out = ffn_out(hidden)
    parts.append(Part("FFN hidden (Linear + GELU)", hidden[0], f"positions × {layer.ffn_width}"))
    parts.append(Part("FFN output (Linear)", out[0], "positions × width"))
    parts.append(Part("add & norm 2 = block output", layer.norm2(h + out)[0], "LayerNorm(sum + FFN)"))
    return parts
