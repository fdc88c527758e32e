"""LLM-as-ranker (LlamaRec style): the history and the candidates go into one prompt, each
candidate labelled with a letter; one forward pass gives the next-token log-probability of every
letter, which is that candidate's score. No generation, so ranking never waits on decoding.

Candidates are listed in the first stage's order (`finetune.candidate_order`, as the training data
lists them), and more candidates than letters are scored in windows of `window` along that order
(scores of different windows come from different prompts; the chat turn's ranker uses them as one
signal among several). Scores come back in the caller's order.
"""

from __future__ import annotations

from typing import Callable, Sequence

from agent.ranking.interface import Candidate, RankedItem, RankingContext
from finetune.prompts import LABELS, messages, ranking_user_text
from retrieval.catalog import Item

SIGNAL = "llm"


class LLMRanker:
    def __init__(self, model, history: Callable[[RankingContext], Sequence[Item]] | None = None,
                 window: int = 20, title_words: int = 6, history_items: int = 4, prompter=None,
                 first_stage=None):
        """`model` has `label_scores(chats, labels)` (`finetune.generation.LocalModel`, base or with an
        adapter, or the assistant's `LocalChatModel`); `history` returns the items a context's user
        bought, oldest first; `prompter` (optional FewShotPrompter) adds worked examples when no
        adapter is loaded; `first_stage` (a `HistoryMatchOrder`, or None to keep the given order)
        lists the candidates as the adapter was trained. Defaults match `DataConfig`'s prompts."""
        if not 2 <= window <= len(LABELS):
            raise ValueError(f"window must be 2..{len(LABELS)}")
        self.model = model
        self.history = history or (lambda context: ())
        self.window = window
        self.title_words = title_words
        self.history_items = history_items
        self.prompter = prompter
        self.first_stage = first_stage

    def chat(self, history: Sequence[Item], candidates: Sequence[Item]) -> list[dict]:
        text = ranking_user_text(list(history)[-self.history_items:], candidates, self.title_words)
        if self.prompter is not None:
            query = " ".join(item.title for item in list(history)[-2:]) or text
            return self.prompter.messages("ranking", text, query=query)
        return messages("ranking", text)

    def scores(self, history: Sequence[Item], candidates: Sequence[Item]) -> list[float]:
        """One score (log-probability of its letter) per candidate, in the candidates' order."""
        order = self.first_stage.order(history, candidates) if self.first_stage is not None \
            else list(range(len(candidates)))
        listed = [candidates[i] for i in order]
        windows = [listed[i:i + self.window] for i in range(0, len(listed), self.window)]
        chats = [self.chat(history, window) for window in windows]
        labels = [list(LABELS[:len(window)]) for window in windows]
        per_window = self.model.label_scores(chats, labels) if chats else []
        scores = [0.0] * len(candidates)
        for position, score in zip(order, (s for window_scores in per_window for s in window_scores)):
            scores[position] = score
        return scores

    def signal(self, context: RankingContext, candidates: Sequence[Candidate]) -> dict[str, float]:
        """item_id -> score, for the chat turn's ranker to combine with its other signals; empty (and
        the model not asked) for a shopper without a history: it would only guess from the list."""
        history = self.history(context)
        if not history:
            return {}
        items = [candidate.item for candidate in candidates]
        return dict(zip((item.item_id for item in items), self.scores(history, items)))

    def rank(self, context: RankingContext, candidates: list[Candidate], k: int) -> list[RankedItem]:
        """The `Ranker` protocol, with the LLM as the only signal."""
        items = [candidate.item for candidate in candidates]
        scored = dict(zip((item.item_id for item in items), self.scores(self.history(context), items)))
        ranked = sorted(candidates, key=lambda c: -scored[c.item.item_id])[:k]
        return [RankedItem(c.item, scored[c.item.item_id], {SIGNAL: 1.0}) for c in ranked]
