"""The contract between the chat turn and the rankers.

The chat turn gathers `Candidate`s (from search, and from any `CandidateSource` such as a user's
profile or co-purchase neighbours), then asks a `Ranker` for the top k. Every ranked item carries
the contribution of each signal to its score, so the UI, logs and evals can show why it is there.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from retrieval.catalog import Item
from retrieval.filters import Filters


@dataclass(frozen=True)
class RankingContext:
    query: str                                   # the retrieval query built from the dialogue
    filters: Filters = field(default_factory=Filters)
    user_id: str | None = None                   # None for an anonymous shopper
    session_item_ids: tuple[str, ...] = ()       # items seen or referenced in this conversation
    soft_preferences: tuple[str, ...] = ()       # "lightweight", "good battery life", ...


@dataclass(frozen=True)
class Candidate:
    item: Item
    signals: dict[str, float] = field(default_factory=dict)   # raw evidence: search score, ranks, ...
    sources: tuple[str, ...] = ("search",)                    # which generators proposed it


@dataclass(frozen=True)
class RankedItem:
    item: Item
    score: float
    contributions: dict[str, float] = field(default_factory=dict)   # signal -> share of score


class CandidateSource(Protocol):
    name: str

    def candidates(self, context: RankingContext, k: int) -> list[Candidate]:
        """Items worth ranking for this context; each must satisfy `context.filters`."""


class Ranker(Protocol):
    def rank(self, context: RankingContext, candidates: list[Candidate], k: int) -> list[RankedItem]:
        """The best k candidates, best first."""


def merge_candidates(*groups: list[Candidate]) -> list[Candidate]:
    """One candidate per item; signals and sources of duplicates are combined."""
    merged: dict[str, Candidate] = {}
    for group in groups:
        for candidate in group:
            known = merged.get(candidate.item.item_id)
            if known is None:
                merged[candidate.item.item_id] = candidate
                continue
            merged[candidate.item.item_id] = Candidate(
                item=known.item, signals={**known.signals, **candidate.signals},
                sources=tuple(dict.fromkeys(known.sources + candidate.sources)))
    return list(merged.values())
