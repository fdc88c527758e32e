"""The ranking signals of every candidate for one user at one moment, as a feature matrix.

Signals (all computed only from data strictly before `before`):
  profile affinity   similarity of the item to the profile embedding / the history, brand and
                     category shares of the recency-decayed history, price fit
  sequence           the sequential model's score, similarity to the latest item
  co-purchase        co-occurrence with the history in other shoppers' sequences and sessions
  popularity         weighted counts overall and in the last 7 / 30 days, days since last bought,
                     days since first seen (new items), never seen before
  rating             average stars and number of ratings
  query match        similarity to the conversation's query (0 without one)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from agent.ranking.interactions import InteractionLog
from agent.ranking.item_space import ItemSpace
from profiles.decay import DAY, decay_factors

FEATURES = (
    "sim_max", "sim_profile", "sim_last", "brand_share", "leaf_share", "parent_share", "price_gap",
    "sequence", "lexical_history", "co_history", "co_last", "co_session",
    "pop_all", "pop_30d", "pop_7d", "days_since_seen", "days_since_first", "never_seen",
    "rating", "rating_count", "query_sim",
)
SIGNAL_OF = {
    "sim_max": "profile_affinity", "sim_profile": "profile_affinity", "brand_share": "profile_affinity",
    "leaf_share": "profile_affinity", "parent_share": "profile_affinity", "price_gap": "profile_affinity",
    "sequence": "sequence", "sim_last": "sequence", "lexical_history": "profile_affinity",
    "co_history": "co_purchase", "co_last": "co_purchase", "co_session": "co_purchase",
    "pop_all": "popularity", "pop_30d": "popularity", "pop_7d": "popularity",
    "days_since_seen": "popularity", "days_since_first": "popularity", "never_seen": "popularity",
    "rating": "rating", "rating_count": "rating", "query_sim": "query_match",
}
NEVER_DAYS = 3650.0


@dataclass(frozen=True)
class History:
    """A user's items, oldest first, with their times and event-type weights."""

    rows: np.ndarray
    ts: np.ndarray
    weights: np.ndarray

    @classmethod
    def empty(cls) -> "History":
        return cls(np.zeros(0, dtype=np.int64), np.zeros(0), np.zeros(0))

    def __len__(self) -> int:
        return len(self.rows)

    def decayed(self, half_life_days: float) -> np.ndarray:
        if not len(self):
            return np.zeros(0)
        weights = self.weights * decay_factors(self.ts, float(self.ts.max()), half_life_days)
        return weights / weights.sum()


@dataclass(frozen=True)
class FeatureConfig:
    half_life_days: float = 90.0


def _share(values: np.ndarray, history_values: np.ndarray, weights: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Decayed share of the history with the same (known) value as each candidate."""
    known = history_values >= 0
    if not known.any():
        return np.zeros(len(rows))
    table = np.bincount(history_values[known], weights=weights[known], minlength=int(values.max()) + 1)
    candidate = values[rows]
    return np.where(candidate >= 0, table[np.maximum(candidate, 0)], 0.0)


def profile_vector(space: ItemSpace, history: History, half_life_days: float) -> np.ndarray | None:
    if not len(history):
        return None
    vector = history.decayed(half_life_days) @ space.vectors[history.rows]
    norm = np.linalg.norm(vector)
    return vector / norm if norm > 0 else None


def compute_features(space: ItemSpace, log: InteractionLog, history: History, rows: np.ndarray,
                     before: float = np.inf, sequence_scores: np.ndarray | None = None,
                     query_vector: np.ndarray | None = None,
                     config: FeatureConfig = FeatureConfig(),
                     lexical_scores: np.ndarray | None = None) -> np.ndarray:
    """(len(rows), len(FEATURES)) matrix for the candidate catalog rows. `sequence_scores` and
    `lexical_scores`, when given, are already those of `rows` (one value per candidate)."""
    rows = np.asarray(rows, dtype=np.int64)
    n = len(rows)
    out = np.zeros((n, len(FEATURES)))
    column = {name: i for i, name in enumerate(FEATURES)}
    candidate_vectors = space.vectors[rows]
    if len(history):
        weights = history.decayed(config.half_life_days)
        sims = candidate_vectors @ space.vectors[history.rows].T
        out[:, column["sim_max"]] = sims.max(axis=1)
        out[:, column["sim_profile"]] = sims @ weights
        out[:, column["sim_last"]] = sims[:, -1]
        out[:, column["brand_share"]] = _share(space.brand, space.brand[history.rows], weights, rows)
        out[:, column["leaf_share"]] = _share(space.leaf, space.leaf[history.rows], weights, rows)
        out[:, column["parent_share"]] = _share(space.parent, space.parent[history.rows], weights, rows)
        out[:, column["price_gap"]] = _price_gap(space, history, weights, rows)
        unique_rows = np.unique(history.rows)
        row_weight = np.bincount(np.searchsorted(unique_rows, history.rows), weights=weights)
        out[:, column["co_history"]] = np.log1p(log.co_counts(unique_rows, before, row_weight)[rows])
        out[:, column["co_last"]] = np.log1p(log.co_counts(history.rows[-1:], before)[rows])
        out[:, column["co_session"]] = np.log1p(log.co_counts(unique_rows, before, session_only=True)[rows])
    if sequence_scores is not None:
        out[:, column["sequence"]] = sequence_scores
    if lexical_scores is not None:
        out[:, column["lexical_history"]] = lexical_scores
    out[:, column["pop_all"]] = np.log1p(log.counts(before)[rows])
    if np.isfinite(before):
        out[:, column["pop_30d"]] = np.log1p(log.counts(before, 30 * DAY)[rows])
        out[:, column["pop_7d"]] = np.log1p(log.counts(before, 7 * DAY)[rows])
    reference = before if np.isfinite(before) else (log.ts[-1] if len(log) else 0.0)
    last, first = log.last_seen(before)[rows], log.first_seen(before)[rows]
    never = np.isnan(last)
    out[:, column["days_since_seen"]] = np.log1p(np.where(never, NEVER_DAYS, (reference - last) / DAY))
    out[:, column["days_since_first"]] = np.log1p(np.where(never, 0.0, (reference - first) / DAY))
    out[:, column["never_seen"]] = never
    rating = space.rating[rows]
    out[:, column["rating"]] = np.where(np.isnan(rating), 0.0, rating - 4.0)
    out[:, column["rating_count"]] = np.log1p(space.rating_count[rows])
    if query_vector is not None:
        out[:, column["query_sim"]] = candidate_vectors @ query_vector
    return out


def _price_gap(space: ItemSpace, history: History, weights: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Minus the distance of the candidate's log price from the history's typical log price."""
    prices = space.price[history.rows]
    known = ~np.isnan(prices) & (prices > 0)
    candidate = space.price[rows]
    if not known.any():
        return np.zeros(len(rows))
    typical = np.average(np.log(prices[known]), weights=weights[known] + 1e-12)
    gap = -np.abs(np.log(np.where(candidate > 0, candidate, np.nan)) - typical)
    return np.where(np.isnan(gap), 0.0, gap)
