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
                           k: int = RRF_K, side_scores: Mapping[str, Mapping[str, float]] | None = None
                           ) -> list[tuple[str, float]]:
    """Fuse ranked id lists (best first) into one list of (id, fused score), best first.

    Where a list's own scores are given, items with equal scores share the best rank among them
    (two identical product texts are equally good matches, whatever order a retriever listed them).
    Ties keep the order in which ids were first met across the lists, so results are stable.
    """
    scores: dict[str, float] = defaultdict(float)
    for name, ranking in rankings.items():
        weight = 1.0 if weights is None else weights.get(name, 1.0)
        own = (side_scores or {}).get(name)
        for rank, item_id in zip(_competition_ranks(ranking, own), ranking):
            scores[item_id] += weight / (k + rank)
    return sorted(scores.items(), key=lambda pair: -pair[1])


def _competition_ranks(ranking: Sequence[str], scores: Mapping[str, float] | None) -> list[int]:
    """1, 2, 2, 4 ... for a list whose 2nd and 3rd scores are equal (to 6 decimals)."""
    if not scores:
        return list(range(1, len(ranking) + 1))
    ranks, previous = [], None
    for position, item_id in enumerate(ranking, start=1):
        value = round(scores[item_id], 6)
        ranks.append(ranks[-1] if value == previous else position)
        previous = value
    return ranks
