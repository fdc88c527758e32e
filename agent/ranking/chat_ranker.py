"""The chat turn's ranker: the personalised ranker plus the hybrid search rank of the request.

The personalised ranker scores query match by dense similarity only; in a conversation the hybrid
search (lexical + dense + priors) already ordered the items that answer the request, and items
that only the profile or co-purchase proposed should not outrank them without strong personal
evidence. So the search rank is one more signal (`search_match`, shown like the others), and
items the shopper marked "not for me" are never shown to them again. An item the search did not
propose is shown only if it looks like an answer to the request: at least as similar to it as the
median item the search proposed (strong taste for headphones must not put headphones into an
answer to "a coffee grinder").

With an LLM ranker (`finetune.llm_ranker.LLMRanker`, opt-in: `--llm-ranking`), the model re-ranks
the head of that order, LlamaRec style: the top `window` new items, listed best first, get the
model's probability of picking each (a softmax over their letters) as one more signal, `llm`.
Shoppers without a history are not re-ranked (the model would only guess from the list).
"""

from __future__ import annotations

import logging
import math
from statistics import median
from typing import Callable, Protocol, Sequence

from agent.llm.interface import LLMUnavailable
from agent.ranking.interface import Candidate, RankedItem, RankingContext
from agent.ranking.personalized import BOUGHT_BEFORE, PersonalizedRanker


log = logging.getLogger(__name__)
LLM_SIGNAL = "llm"


class CandidateScorer(Protocol):
    """What the chat ranker needs of an LLM ranker: a log-score per candidate (none for a shopper it
    cannot rank for), and how many it reads."""

    window: int

    def signal(self, context: RankingContext, candidates: Sequence[Candidate]) -> dict[str, float]: ...


class ConversationalRanker:
    def __init__(self, inner: PersonalizedRanker, disliked: Callable[[str], set[str]] = lambda _user: set(),
                 search_weight: float = 1.0, llm: CandidateScorer | None = None, llm_weight: float = 0.5):
        self.inner = inner
        self.disliked = disliked
        self.search_weight = search_weight           # x the largest learned weight, for the top hit
        self.llm = llm
        self.llm_weight = llm_weight                 # x the largest learned weight, for a certain pick

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
        rescored.sort(key=self._order)
        if self.llm is not None and context.user_id:
            rescored = sorted(self._llm_reranked(context, rescored, self.inner._scale * self.llm_weight),
                              key=self._order)
        return rescored[:k]

    @staticmethod
    def _order(entry: RankedItem):
        return entry.contributions.get(BOUGHT_BEFORE, 0.0), -entry.score, entry.item.item_id

    def _llm_reranked(self, context: RankingContext, ranked: list[RankedItem], scale: float) -> list[RankedItem]:
        """The LLM's pick probabilities over the head of the new items, added as the `llm` signal."""
        head = [r for r in ranked if not r.contributions.get(BOUGHT_BEFORE)][: self.llm.window]
        if len(head) < 2:
            return ranked
        try:
            logscores = self.llm.signal(context, [Candidate(r.item) for r in head])
        except LLMUnavailable as error:           # a server that is down costs the signal, not the turn
            log.warning("LLM re-ranking skipped: %s", str(error)[:200])
            return ranked
        if not logscores:                         # no history to rank from
            return ranked
        top = max(logscores.values())
        weights = {item_id: math.exp(value - top) for item_id, value in logscores.items()}
        total = sum(weights.values())
        part = {item_id: scale * weight / total for item_id, weight in weights.items()}
        return [RankedItem(r.item, r.score + part.get(r.item.item_id, 0.0),
                           {**r.contributions, LLM_SIGNAL: round(part.get(r.item.item_id, 0.0), 4)})
                if r.item.item_id in part else r for r in ranked]

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
