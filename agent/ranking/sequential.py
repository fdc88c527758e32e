"""A SASRec-style sequential recommender in torch: causal self-attention over a user's recent items.

Item representations are a learned id embedding plus a projection of the item's text embedding
(MiniLM), so items seen rarely in behaviour still sit in a sensible place. Training is next-item
prediction with a full softmax over the catalog at every position of every training sequence.
"""

from __future__ import annotations

import functools
import logging
import threading
from collections import OrderedDict
from dataclasses import asdict, dataclass

import numpy as np
import torch
from torch import nn

from agent.ranking.sequential_inference import NumpySequenceEncoder

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SequentialConfig:
    hidden: int = 64
    layers: int = 2
    heads: int = 2
    max_len: int = 20
    dropout: float = 0.3
    epochs: int = 40
    batch_size: int = 128
    learning_rate: float = 2e-3
    weight_decay: float = 1e-4
    seed: int = 0


class SASRec(nn.Module):
    def __init__(self, text_vectors: np.ndarray, config: SequentialConfig):
        super().__init__()
        n, dim = text_vectors.shape
        self.config = config
        self.register_buffer("text", torch.tensor(np.vstack([np.zeros((1, dim)), text_vectors]), dtype=torch.float32))
        self.ids = nn.Embedding(n + 1, config.hidden, padding_idx=0)        # row 0 = padding
        nn.init.normal_(self.ids.weight, std=0.02)
        self.project = nn.Linear(dim, config.hidden, bias=False)
        self.positions = nn.Embedding(config.max_len, config.hidden)
        layer = nn.TransformerEncoderLayer(config.hidden, config.heads, config.hidden * 2, config.dropout,
                                           batch_first=True, norm_first=True)
        self.encoder = nn.TransformerEncoder(layer, config.layers, enable_nested_tensor=False)
        self.norm = nn.LayerNorm(config.hidden)
        self.dropout = nn.Dropout(config.dropout)

    def item_matrix(self) -> torch.Tensor:
        return self.ids.weight + self.project(self.text)

    def encode(self, sequences: torch.Tensor, item_matrix: torch.Tensor | None = None) -> torch.Tensor:
        """(batch, len) item indices (1-based, 0 = padding, right-aligned) -> (batch, len, hidden)."""
        length = sequences.shape[1]
        items = (self.item_matrix() if item_matrix is None else item_matrix)[sequences]
        positions = self.positions(torch.arange(length, device=sequences.device))
        hidden = self.dropout(items * self.config.hidden ** 0.5 + positions)
        # is_causal=False: the mask is causal *and* hides padding, so torch must not try to detect
        # (by building and comparing a causal mask on every call) whether it is plain causal.
        hidden = self.encoder(hidden, mask=self._attention_mask(sequences), is_causal=False)
        return self.norm(hidden)

    def _attention_mask(self, sequences: torch.Tensor) -> torch.Tensor:
        """Causal, padding keys hidden; every position may see itself so no row is fully masked."""
        future, itself = _causal_parts(sequences.shape[1])
        blocked = (future[None] | (sequences == 0)[:, None, :]) & ~itself[None]
        return blocked.repeat_interleave(self.config.heads, dim=0)

    def forward(self, sequences: torch.Tensor) -> torch.Tensor:
        return self.encode(sequences) @ self.item_matrix()[1:].T


@functools.lru_cache(maxsize=8)
def _causal_parts(length: int) -> tuple[torch.Tensor, torch.Tensor]:
    """(future positions, the diagonal) as boolean (length, length) masks; read-only, shared."""
    return (torch.triu(torch.ones(length, length, dtype=torch.bool), diagonal=1),
            torch.eye(length, dtype=torch.bool))


def _pad(sequence: list[int], length: int) -> list[int]:
    sequence = sequence[-length:]
    return [0] * (length - len(sequence)) + [row + 1 for row in sequence]


class SequentialModel:
    """Trains and scores; catalog rows are 0-based outside, 1-based inside the module.

    A trained model is fixed, so the encoder's output for a history is a pure function of its
    last `max_len` items: it is kept (an LRU of `state_cache_size` 64-float vectors) and only a
    history that changed is encoded again (in numpy: `sequential_inference`); scoring the catalog
    is then one matrix-vector product.
    """

    def __init__(self, module: SASRec, state_cache_size: int = 20_000):
        self.module = module.eval()
        with torch.no_grad():
            all_items = module.item_matrix()                   # fixed once trained: no per-call projection
        self._encoder = NumpySequenceEncoder(module, all_items)
        self._items = self._encoder.items[1:]
        self._states: OrderedDict[tuple[int, ...], np.ndarray] = OrderedDict()
        self._state_cache_size = state_cache_size
        self._states_lock = threading.Lock()

    @classmethod
    def train(cls, text_vectors: np.ndarray, sequences: list[list[int]],
              config: SequentialConfig = SequentialConfig(), show_progress: bool = False) -> "SequentialModel":
        torch.manual_seed(config.seed)
        module = SASRec(text_vectors, config)
        usable = [s for s in sequences if len(s) >= 2]
        if not usable:
            return cls(module)
        length = config.max_len + 1
        data = torch.tensor([_pad(s, length) for s in usable], dtype=torch.long)
        optimizer = torch.optim.AdamW(module.parameters(), lr=config.learning_rate, weight_decay=config.weight_decay)
        generator = torch.Generator().manual_seed(config.seed)
        from tqdm import tqdm

        for _ in tqdm(range(config.epochs), desc="training sequential model", disable=not show_progress):
            module.train()
            for batch in torch.randperm(len(data), generator=generator).split(config.batch_size):
                inputs, targets = data[batch, :-1], data[batch, 1:]
                logits = module(inputs)
                mask = (inputs > 0) & (targets > 0)
                loss = nn.functional.cross_entropy(logits[mask], targets[mask] - 1)
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
        log.info("sequential model trained on %d sequences, last loss %.3f", len(usable), loss.item())
        return cls(module)

    def scores(self, history_rows, rows: np.ndarray | None = None) -> np.ndarray:
        """Score of each catalog row in `rows` (default: all) as the next item after this history
        (zeros without history)."""
        history = list(map(int, history_rows))
        if not history:
            return np.zeros(len(self._items) if rows is None else len(rows), dtype=np.float32)
        items = self._items if rows is None else self._items[np.asarray(rows, dtype=np.int64)]
        return items @ self.user_state(history)

    def user_state(self, rows: list[int]) -> np.ndarray:
        """The encoder's last hidden state for this history (cached by the padded sequence)."""
        padded = tuple(_pad(rows, self.module.config.max_len))
        with self._states_lock:
            state = self._states.get(padded)
            if state is not None:
                self._states.move_to_end(padded)
                return state
        state = self._encoder.last_state(padded)
        with self._states_lock:
            self._states[padded] = state
            if len(self._states) > self._state_cache_size:
                self._states.popitem(last=False)
        return state

    def forget_states(self) -> int:
        """Drop every kept encoder state (they derive from shoppers' histories: erasure calls this)."""
        with self._states_lock:
            count = len(self._states)
            self._states.clear()
        return count

    def state(self) -> dict:
        return {"config": asdict(self.module.config), "weights": self.module.state_dict()}

    @classmethod
    def from_state(cls, state: dict, text_vectors: np.ndarray) -> "SequentialModel":
        module = SASRec(text_vectors, SequentialConfig(**state["config"]))
        module.load_state_dict(state["weights"])
        return cls(module)
