"""The chat turn's ranker: the personalised ranker plus the hybrid search rank of the request.

The personalised ranker scores query match by dense similarity only; in a conversation the hybrid
search (lexical + dense + priors) already ordered the items that answer the request, and items
that only the profile or co-purchase proposed should not outrank them without strong personal
evidence. So the search rank is one more signal (`search_match`, shown like the others), and
items the shopper marked "not for me" are never shown to them again. An item the search did not
propose is shown only if it looks like an answer to the request: at least as similar to it as the
median item the search proposed (strong taste for headphones must not put headphones into an
answer to "a coffee grinder").
"""

from __future__ import annotations

import math
from statistics import median
from typing import Callable

from agent.ranking.interface import Candidate, RankedItem, RankingContext
from agent.ranking.personalized import BOUGHT_BEFORE, PersonalizedRanker


class ConversationalRanker:
    def __init__(self, inner: PersonalizedRanker, disliked: Callable[[str], set[str]] = lambda _user: set(),
                 search_weight: float = 1.0):
        self.inner = inner
        self.disliked = disliked
        self.search_weight = search_weight           # x the largest learned weight, for the top hit

    def rank(self, context: RankingContext, candidates: list[Candidate], k: int) -> list[RankedItem]:
        rejected = self.disliked(context.user_id) if context.user_id else set()
        usable = self.answering_the_request(context, [c for c in candidates if c.item.item_id not in rejected])
        search_rank = {c.item.item_id: c.signals["search_rank"] for c in usable if c.signals.get("search_rank")}
        scale = self.inner._scale * self.search_weight
        rescored = []
        for entry in self.inner.rank(context, usable, len(usable)):
            rank = search_rank.get(entry.item.item_id)
            part = scale / math.sqrt(rank) if rank else 0.0
            rescored.append(RankedItem(entry.item, entry.score + part,
                                       {**entry.contributions, "search_match": round(part, 4)}))
        # the search rank reorders new items; what they bought stays behind every new one
        rescored.sort(key=lambda r: (r.contributions.get(BOUGHT_BEFORE, 0.0), -r.score, r.item.item_id))
        return rescored[:k]

    def answering_the_request(self, context: RankingContext, candidates: list[Candidate]) -> list[Candidate]:
        """The search's candidates, and others at least as similar to the request as its median one."""
        query = context.query.strip()
        proposed = [c for c in candidates if c.signals.get("search_rank")]
        if not query or not proposed or self.inner.embed_query is None:
            return candidates
        space, vector = self.inner.model.space, self.inner.embed_query(query)
        similarity = {c.item.item_id: float(space.vectors[space.index[c.item.item_id]] @ vector)
                      for c in candidates if c.item.item_id in space.index}
        floor = median(similarity.get(c.item.item_id, -math.inf) for c in proposed)
        return [c for c in candidates
                if c.signals.get("search_rank") or similarity.get(c.item.item_id, -math.inf) >= floor]
