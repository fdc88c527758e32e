"""What a turn yields, in order: ItemsReady (before any text), then TextChunk and
ExplanationReady pieces as they are written, then TurnDone with the turn's record."""

from __future__ import annotations

from dataclasses import dataclass

from agent.ranking.interface import RankedItem
from agent.turn.steps import TurnRecord


@dataclass(frozen=True)
class ItemsReady:
    items: tuple[RankedItem, ...]


@dataclass(frozen=True)
class TextChunk:
    text: str


@dataclass(frozen=True)
class ExplanationReady:
    index: int                  # position in ItemsReady.items
    item_id: str
    text: str
    source: str                 # llm | template


@dataclass(frozen=True)
class TurnDone:
    record: TurnRecord


TurnEvent = ItemsReady | TextChunk | ExplanationReady | TurnDone
