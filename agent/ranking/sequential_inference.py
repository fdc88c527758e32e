"""The trained SASRec encoder's forward pass for one history, in numpy.

Serving encodes one short history per computed list (20 positions x 64 dims). torch spends about
1 ms on that in per-op dispatch, and every op releases and re-takes the GIL, so under a loaded API
each op can wait a whole GIL switch interval behind other requests. The same arithmetic in numpy on
arrays this small is about ten times cheaper and never lets go of the GIL mid-way. The weights are
copied from the trained module; `tests` check the result equals the module's `encode`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class _Layer:
    """One pre-norm `nn.TransformerEncoderLayer` (ReLU feed-forward), as float32 arrays."""

    in_weight: np.ndarray          # (3h, h): query, key, value projections stacked
    in_bias: np.ndarray
    out_weight: np.ndarray
    out_bias: np.ndarray
    ff1_weight: np.ndarray
    ff1_bias: np.ndarray
    ff2_weight: np.ndarray
    ff2_bias: np.ndarray
    norm1: tuple[np.ndarray, np.ndarray, float]
    norm2: tuple[np.ndarray, np.ndarray, float]


def _array(tensor) -> np.ndarray:
    return tensor.detach().cpu().numpy().astype(np.float32, copy=True)


def _norm(module) -> tuple[np.ndarray, np.ndarray, float]:
    return _array(module.weight), _array(module.bias), float(module.eps)


def _layer_norm(x: np.ndarray, norm: tuple[np.ndarray, np.ndarray, float]) -> np.ndarray:
    weight, bias, eps = norm
    mean = x.mean(axis=-1, keepdims=True)
    variance = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
    return (x - mean) / np.sqrt(variance + eps) * weight + bias


class NumpySequenceEncoder:
    """`SASRec.encode(...)[0, -1]` for one right-aligned padded history (eval mode: no dropout)."""

    def __init__(self, module, item_matrix) -> None:
        config = module.config
        self.heads = config.heads
        self.scale = np.float32(config.hidden ** 0.5)
        self.items = _array(item_matrix)                     # row 0 = padding
        self.positions = _array(module.positions.weight)
        self.layers = [_Layer(_array(layer.self_attn.in_proj_weight), _array(layer.self_attn.in_proj_bias),
                              _array(layer.self_attn.out_proj.weight), _array(layer.self_attn.out_proj.bias),
                              _array(layer.linear1.weight), _array(layer.linear1.bias),
                              _array(layer.linear2.weight), _array(layer.linear2.bias),
                              _norm(layer.norm1), _norm(layer.norm2))
                       for layer in module.encoder.layers]
        self.final_norm = _norm(module.norm)

    def last_state(self, padded: tuple[int, ...]) -> np.ndarray:
        """(hidden,) output at the last position for 1-based item indices (0 = padding)."""
        sequence = np.asarray(padded, dtype=np.int64)
        length = len(sequence)
        hidden = self.items[sequence] * self.scale + self.positions[:length]
        blocked = np.triu(np.ones((length, length), dtype=bool), k=1) | (sequence == 0)[None, :]
        np.fill_diagonal(blocked, False)              # every position sees itself: no row fully masked
        bias = np.where(blocked, np.float32(-np.inf), np.float32(0.0))
        for layer in self.layers:
            hidden = hidden + self._attention(_layer_norm(hidden, layer.norm1), layer, bias)
            inner = np.maximum(_layer_norm(hidden, layer.norm2) @ layer.ff1_weight.T + layer.ff1_bias, 0.0)
            hidden = hidden + inner @ layer.ff2_weight.T + layer.ff2_bias
        return _layer_norm(hidden[-1], self.final_norm).astype(np.float32)

    def _attention(self, x: np.ndarray, layer: _Layer, bias: np.ndarray) -> np.ndarray:
        length, width = x.shape
        per_head = width // self.heads
        projected = x @ layer.in_weight.T + layer.in_bias
        split = projected.reshape(length, 3, self.heads, per_head).transpose(1, 2, 0, 3)   # (3, heads, len, d)
        query, key, value = split[0], split[1], split[2]
        scores = query @ key.transpose(0, 2, 1) / np.float32(per_head ** 0.5) + bias
        scores = np.exp(scores - scores.max(axis=-1, keepdims=True))
        weights = scores / scores.sum(axis=-1, keepdims=True)
        mixed = (weights @ value).transpose(1, 0, 2).reshape(length, width)
        return mixed @ layer.out_weight.T + layer.out_bias
