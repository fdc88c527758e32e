"""Typed records of every step of a turn: what the UI, the logs and the evals read.

Records hold no raw personal data: user and session ids are hashed before they are stored.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field, fields


def hash_id(value: str | None) -> str | None:
    return None if value is None else hashlib.sha256(value.encode()).hexdigest()[:12]


@dataclass(frozen=True)
class UnderstandingStep:
    kind: str                               # new | refine | followup | vague | empty | edit
    constraints: dict
    query: str
    matched_phrases: tuple[str, ...] = ()
    followup: str | None = None
    llm_status: str = "off"
    notes: tuple[str, ...] = ()
    seconds: float = 0.0


@dataclass(frozen=True)
class RetrievalStep:
    query: str
    filters: dict
    candidates: int
    by_source: dict[str, int] = field(default_factory=dict)
    failed_sources: tuple[str, ...] = ()
    seconds: float = 0.0


@dataclass(frozen=True)
class RankingStep:
    ranker: str
    item_ids: tuple[str, ...]
    scores: tuple[float, ...]
    contributions: tuple[dict, ...]
    dropped: tuple[tuple[str, str], ...] = ()   # (item_id, why the item guard dropped it)
    seconds: float = 0.0


@dataclass(frozen=True)
class GenerationStep:
    explanations: tuple[dict, ...]              # Explanation records, one per shown item
    model: str | None
    model_sentences: int = 0                    # sentences by the model that passed the guard
    replaced_sentences: int = 0                 # model sentences the guard replaced
    fallback_reason: str | None = None          # why the model stopped being used, if it did
    seconds: float = 0.0


@dataclass(frozen=True)
class TurnTimings:
    items_ready_s: float | None = None          # message in -> ranked items out
    first_text_s: float | None = None           # message in -> first reply text
    first_model_token_s: float | None = None    # message in -> first token the model generated
    first_explanation_s: float | None = None    # message in -> first checked explanation out
    total_s: float = 0.0


@dataclass(frozen=True)
class TurnRecord:
    turn: int
    session: str | None                         # hashed
    user: str | None                            # hashed
    outcome: str                                # answer | details | clarify | nothing | empty
    reply: str
    shown_item_ids: tuple[str, ...]
    understanding: UnderstandingStep
    retrieval: RetrievalStep | None = None
    ranking: RankingStep | None = None
    generation: GenerationStep | None = None
    timings: TurnTimings = field(default_factory=TurnTimings)

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "TurnRecord":
        """The record back from `to_dict` (e.g. stored as JSON: lists become tuples again)."""
        steps = {"understanding": UnderstandingStep, "retrieval": RetrievalStep, "ranking": RankingStep,
                 "generation": GenerationStep, "timings": TurnTimings}
        values = _field_values(cls, data)
        for name, step in steps.items():
            if values.get(name) is not None:
                values[name] = step(**_field_values(step, values[name]))
        return cls(**values)


def _field_values(cls, data: dict) -> dict:
    """The dataclass's fields found in `data` (others ignored, missing ones keep defaults), JSON
    lists as tuples, also inside dicts (records are frozen and hold tuples throughout)."""
    def restore(value):
        if isinstance(value, dict):
            return {key: restore(v) for key, v in value.items()}
        return tuple(restore(v) for v in value) if isinstance(value, list) else value

    return {f.name: restore(data[f.name]) for f in fields(cls) if f.name in data}
