"""The personalised `Ranker`: every signal for every candidate, combined with learned weights.

Behavioural signals (profile affinity, sequence, co-purchase, popularity, rating) are weighted by
the combiner learned on a time-based split. The conversation adds two signals no behaviour log can
teach: query match (similarity of the item to the current request) and constraint fit (share of
the shopper's soft preferences the item's text mentions). Their weights are tied to the strongest
learned weight, so a stated need counts at least as much as anything inferred from history; with
no query they contribute nothing, and with no history the ranking is query + popularity (cold start).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from agent.ranking.features import FEATURES, History
from agent.ranking.interface import Candidate, RankedItem, RankingContext
from agent.ranking.model import RankingModel
from retrieval.documents import fold, item_text

CONVERSATION_SIGNALS = ("query_match", "constraint_fit")
BOUGHT_BEFORE = "bought_before"  # a flag on items shown only because too few new ones were left
SIMILARITY_FLOOR = 0.05          # cosine: differences below this are noise between near-equal matches


@dataclass(frozen=True)
class ConversationWeights:
    query_match: float = 1.5        # x the largest learned weight
    constraint_fit: float = 0.5


def preference_fit(item, preferences: tuple[str, ...]) -> float:
    if not preferences:
        return 0.0
    text = fold(item_text(item))
    return sum(all(word in text for word in fold(p).split()) for p in preferences) / len(preferences)


class PersonalizedRanker:
    def __init__(self, model: RankingModel, history: Callable[[str], History],
                 embed_query: Callable[[str], np.ndarray] | None = None,
                 weights: ConversationWeights = ConversationWeights(), exclude_bought: bool = True):
        self.model = model
        self.history = history
        self.embed_query = embed_query
        self.weights = weights
        self.exclude_bought = exclude_bought
        self._scale = float(np.abs(model.combiner.weights).max() or 1.0)

    def context_history(self, context: RankingContext) -> History:
        history = self.history(context.user_id) if context.user_id else History.empty()
        session = self.model.space.rows(context.session_item_ids)
        if not len(session):
            return history
        now = float(history.ts.max()) if len(history) else 0.0
        return History(np.concatenate([history.rows, session]), np.concatenate([history.ts, np.full(len(session), now)]),
                       np.concatenate([history.weights, np.full(len(session), 2.0)]))

    def _cascade(self, features: np.ndarray, conversation: np.ndarray) -> tuple[np.ndarray, dict[int, str]]:
        """Stage 1 over all candidates, stage 2 re-orders stage 1's top (conversation counts in both).
        Returns scores and, for rows stage 2 placed, the offset that keeps them above the rest."""
        total = self.model.combiner.score(features) + conversation
        depth, stage_two = self.model.config.rerank_depth, self.model.reranker
        if stage_two is None or len(total) <= depth:
            return total, {}
        top = np.argsort(-total)[:depth]
        refined = stage_two.score(features[top]) + conversation[top]
        total = total.copy()
        offset = total.max() + 1.0 - refined.min()          # stage 1's top stays above the rest
        total[top] = refined + offset
        return total, {int(row): float(offset) for row in top}

    def _contributions(self, features: np.ndarray, rows: np.ndarray, offsets: dict[int, float]) -> list[dict]:
        """Per-signal parts of each shown row's score, from the stage that placed it."""
        out = []
        for row in rows:
            if row in offsets:
                parts = self.model.reranker.contributions(features[row:row + 1])[0]
                parts["cascade"] = offsets[row]
            else:
                parts = self.model.combiner.contributions(features[row:row + 1])[0]
            out.append(parts)
        return out

    def rank(self, context: RankingContext, candidates: list[Candidate], k: int) -> list[RankedItem]:
        space = self.model.space
        history = self.context_history(context)
        bought = set(history.rows.tolist()) if self.exclude_bought else set()
        unfiltered = context.filters.is_empty
        usable = [c for c in candidates if c.item.item_id in space.index
                  and (unfiltered or context.filters.matches(c.item))]
        fresh = [c for c in usable if space.index[c.item.item_id] not in bought]
        ranked = self._ranked(context, history, fresh, k)
        if len(ranked) < k and len(fresh) < len(usable):
            # A small catalog can run out of items they have not bought: those they have come last.
            again = self._ranked(context, history, [c for c in usable if space.index[c.item.item_id] in bought],
                                 k - len(ranked))
            floor = min((r.score for r in ranked), default=0.0) - 1.0
            ranked += [RankedItem(r.item, floor - (again[0].score - r.score), {**r.contributions, BOUGHT_BEFORE: 1.0})
                       for r in again]
        return ranked

    def _ranked(self, context: RankingContext, history: History, usable: list[Candidate], k: int) -> list[RankedItem]:
        if not usable:
            return []
        space = self.model.space
        rows = np.array([space.index[c.item.item_id] for c in usable])
        query = context.query.strip()
        query_vector = self.embed_query(query) if query and self.embed_query else None
        features = self.model.features(history, rows, np.inf, query_vector)
        features[:, FEATURES.index("query_sim")] = 0.0          # weighted below, not by the combiner
        query_part = np.zeros(len(usable))
        if query_vector is not None:
            similarity = space.vectors[rows] @ query_vector
            # standardised, but a spread under SIMILARITY_FLOOR is not stretched into a preference:
            # a query every candidate matches alike ("model") must leave the choice to the profile
            spread = max(float(similarity.std()), SIMILARITY_FLOOR)
            query_part = self.weights.query_match * self._scale * (similarity - similarity.mean()) / spread
        fit_part = self.weights.constraint_fit * self._scale * np.array(
            [preference_fit(c.item, context.soft_preferences) for c in usable])
        total, offsets = self._cascade(features, query_part + fit_part)
        order = np.argsort(-total)[:k]
        ranked = []
        for i, parts in zip(order, self._contributions(features, order, offsets)):
            parts = {name: round(value, 4) for name, value in parts.items() if name != "query_match"}
            parts.update(query_match=round(float(query_part[i]), 4), constraint_fit=round(float(fit_part[i]), 4))
            ranked.append(RankedItem(item=usable[i].item, score=float(total[i]), contributions=parts))
        return ranked
