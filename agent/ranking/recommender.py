"""One recommendation: gather candidates from every source, then rank them for the shopper."""

from __future__ import annotations

import logging

from agent.ranking.interface import CandidateSource, RankedItem, Ranker, RankingContext, merge_candidates

log = logging.getLogger(__name__)


class Recommender:
    def __init__(self, sources: list[CandidateSource], ranker: Ranker, per_source: int = 100):
        self.sources = sources
        self.ranker = ranker
        self.per_source = per_source

    def recommend(self, context: RankingContext, k: int = 10) -> list[RankedItem]:
        groups = [source.candidates(context, self.per_source) for source in self.sources]
        return self.ranker.rank(context, merge_candidates(*groups), k)
