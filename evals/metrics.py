"""Ranking metrics on one ranked list against graded relevance (item_id -> grade > 0).

NDCG uses the exponential gain 2^grade - 1 (equal to the grade for binary labels) and log2
position discount; the ideal ranking sorts all relevant items by grade.
"""

from __future__ import annotations

import math
from typing import Mapping, Sequence


def recall_at(ranking: Sequence[str], relevant: Mapping[str, float], k: int) -> float:
    if not relevant:
        return 0.0
    return len(set(ranking[:k]) & set(relevant)) / len(relevant)


def hit_at(ranking: Sequence[str], relevant: Mapping[str, float], k: int) -> float:
    return 1.0 if set(ranking[:k]) & set(relevant) else 0.0


def _gain(grade: float) -> float:
    return 2.0 ** grade - 1.0


def dcg_at(ranking: Sequence[str], relevant: Mapping[str, float], k: int) -> float:
    return sum(_gain(relevant[item]) / math.log2(position + 2)
               for position, item in enumerate(ranking[:k]) if item in relevant)


def ndcg_at(ranking: Sequence[str], relevant: Mapping[str, float], k: int) -> float:
    ideal_order = sorted(relevant, key=lambda item: -relevant[item])
    ideal = dcg_at(ideal_order, relevant, k)
    return dcg_at(ranking, relevant, k) / ideal if ideal > 0 else 0.0


def reciprocal_rank(ranking: Sequence[str], relevant: Mapping[str, float]) -> float:
    for position, item in enumerate(ranking, start=1):
        if item in relevant:
            return 1.0 / position
    return 0.0


def mean(values: Sequence[float]) -> float:
    return sum(values) / len(values) if values else 0.0
