"""Everyone's behaviour as time-indexed arrays: popularity, trend and co-purchase *as of* a time.

Every statistic takes a cut-off time `before` and only counts events strictly earlier, so that a
feature computed for a user's target at time t never sees t or anything after it — the same code
serves offline evaluation (cut-off = the target's time) and live ranking (cut-off = +inf).

Co-purchase pairs are formed within each user's sequence (the `pair_window` previous items) and
flagged when both events share a session; a pair counts from the later event's time on.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import numpy as np

from agent.ranking.item_space import ItemSpace

DEFAULT_EVENT_WEIGHTS = {"view": 1.0, "click": 2.0, "cart": 4.0, "purchase": 6.0, "rate": 3.0}


@dataclass(frozen=True)
class InteractionConfig:
    event_weights: tuple[tuple[str, float], ...] = tuple(DEFAULT_EVENT_WEIGHTS.items())
    pair_window: int = 10          # a user's item pairs with this many of their previous items

    def weight(self, kind: str) -> float:
        return dict(self.event_weights).get(kind, 1.0)


class InteractionLog:
    def __init__(self, space: ItemSpace, events, config: InteractionConfig = InteractionConfig()):
        self.space = space
        self.config = config
        known = [e for e in events if e.item_id in space.index]
        known.sort(key=lambda e: e.ts)
        self.item = np.array([space.index[e.item_id] for e in known], dtype=np.int64)
        self.ts = np.array([e.ts for e in known], dtype=np.float64)
        self.weight = np.array([config.weight(e.type) for e in known], dtype=np.float64)
        self._latest: dict[tuple, np.ndarray] = {}
        self._build_pairs(known)

    def _build_pairs(self, events) -> None:
        by_user: dict[str, list] = defaultdict(list)
        for event in events:
            by_user[event.user_id].append(event)
        src, dst, when, same_session = [], [], [], []
        window = self.config.pair_window
        for sequence in by_user.values():
            for j, later in enumerate(sequence):
                for earlier in sequence[max(0, j - window):j]:
                    if earlier.item_id == later.item_id:
                        continue
                    a, b = self.space.index[earlier.item_id], self.space.index[later.item_id]
                    together = later.session_id is not None and later.session_id == earlier.session_id
                    src += [a, b]
                    dst += [b, a]
                    when += [later.ts, later.ts]
                    same_session += [together, together]
        order = np.lexsort((np.array(when), np.array(src))) if src else np.array([], dtype=np.int64)
        self.pair_src = np.array(src, dtype=np.int64)[order]
        self.pair_dst = np.array(dst, dtype=np.int64)[order]
        self.pair_ts = np.array(when, dtype=np.float64)[order]
        self.pair_session = np.array(same_session, dtype=bool)[order]
        self.pair_start = np.searchsorted(self.pair_src, np.arange(len(self.space) + 1))

    def __len__(self) -> int:
        return len(self.item)

    def _memo(self, key: tuple, before: float, compute) -> np.ndarray:
        """Statistics over the whole log (live ranking) are computed once; the log is a snapshot."""
        if np.isfinite(before):
            return compute()
        if key not in self._latest:
            self._latest[key] = compute()
        return self._latest[key]

    def _until(self, before: float) -> int:
        return int(np.searchsorted(self.ts, before, side="left"))

    def counts(self, before: float = np.inf, window: float | None = None) -> np.ndarray:
        """Weighted event count per item in [before - window, before)."""
        if window is None:
            return self._memo(("counts",), before, lambda: self._counts(before, None))
        return self._counts(before, window)

    def _counts(self, before: float, window: float | None) -> np.ndarray:
        end = self._until(before)
        start = 0 if window is None else self._until(before - window)
        return np.bincount(self.item[start:end], weights=self.weight[start:end], minlength=len(self.space))

    def last_seen(self, before: float = np.inf) -> np.ndarray:
        return self._memo(("last",), before, lambda: self._last_seen(before))

    def _last_seen(self, before: float) -> np.ndarray:
        end = self._until(before)
        last = np.full(len(self.space), np.nan)
        last[self.item[:end]] = self.ts[:end]          # time-sorted: the last write per item is the latest
        return last

    def first_seen(self, before: float = np.inf) -> np.ndarray:
        return self._memo(("first",), before, lambda: self._first_seen(before))

    def _first_seen(self, before: float) -> np.ndarray:
        end = self._until(before)
        first = np.full(len(self.space), np.nan)
        first[self.item[:end][::-1]] = self.ts[:end][::-1]
        return first

    def co_counts(self, rows, before: float = np.inf, row_weights=None,
                  session_only: bool = False) -> np.ndarray:
        """How often each item was bought near (or in the same session as) the given items."""
        weights = np.ones(len(rows)) if row_weights is None else row_weights
        neighbours, neighbour_weights = [], []
        for row, weight in zip(rows, weights):
            lo, hi = self.pair_start[row], self.pair_start[row + 1]
            if np.isfinite(before):
                hi = lo + int(np.searchsorted(self.pair_ts[lo:hi], before, side="left"))
            dst = self.pair_dst[lo:hi]
            if session_only:
                dst = dst[self.pair_session[lo:hi]]
            neighbours.append(dst)
            neighbour_weights.append(np.full(len(dst), weight, dtype=np.float64))
        if not neighbours:
            return np.zeros(len(self.space))
        return np.bincount(np.concatenate(neighbours), weights=np.concatenate(neighbour_weights),
                           minlength=len(self.space)).astype(np.float64)
