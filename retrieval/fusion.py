"""Rank fusion of several retrievers' result lists.

Reciprocal-rank fusion (Cormack, Clarke & Buettcher, SIGIR 2009) sums w / (k + rank) over the
lists an item appears in. It needs no score calibration between BM25 and cosine similarity,
which is why it is the default way the hybrid search combines its two sides.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Mapping, Sequence

RRF_K = 60


def reciprocal_rank_fusion(rankings: Mapping[str, Sequence[str]], weights: Mapping[str, float] | None = None,
                           k: int = RRF_K) -> list[tuple[str, float]]:
    """Fuse ranked id lists (best first) into one list of (id, fused score), best first.

    Ties keep the order in which ids were first met across the lists, so results are stable.
    """
    scores: dict[str, float] = defaultdict(float)
    for name, ranking in rankings.items():
        weight = 1.0 if weights is None else weights.get(name, 1.0)
        for rank, item_id in enumerate(ranking, start=1):
            scores[item_id] += weight / (k + rank)
    return sorted(scores.items(), key=lambda pair: -pair[1])
