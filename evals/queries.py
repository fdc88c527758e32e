"""Evaluation queries (`queries.jsonl`): query_id, text, relevant {item_id: grade}."""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from pathlib import Path

from retrieval.jsonl import read_lines
from shopwise.errors import UserFacingError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class EvalQuery:
    query_id: str
    text: str
    relevant: dict[str, float]


def _parse(value) -> EvalQuery:
    if not isinstance(value, dict):
        raise ValueError("expected a JSON object")
    text, relevant = value.get("text"), value.get("relevant")
    if not isinstance(text, str) or not text.strip():
        raise ValueError("missing or empty text")
    if not isinstance(relevant, dict) or not relevant:
        raise ValueError("relevant must be a non-empty object item_id -> grade")
    grades = {str(k): float(v) for k, v in relevant.items()
              if isinstance(v, (int, float)) and not isinstance(v, bool) and v > 0}
    if not grades:
        raise ValueError("no relevant item with a positive grade")
    return EvalQuery(str(value.get("query_id", "")), text.strip(), grades)


def _queries_file(folder: Path) -> Path | None:
    return next((folder / n for n in ("queries.jsonl", "queries.jsonl.gz") if (folder / n).is_file()), None)


def load_queries_if_any(folder: Path) -> list[EvalQuery]:
    """The folder's queries, or none where it has no queries.jsonl."""
    return load_queries(folder) if _queries_file(folder) else []


def load_queries(folder: Path) -> list[EvalQuery]:
    path = _queries_file(folder)
    if path is None:
        raise UserFacingError(f"{folder} has no queries.jsonl: the retrieval benchmark needs evaluation queries")
    queries, bad = [], 0
    for line in read_lines(path):
        try:
            if line.error:
                raise ValueError(line.error)
            query = _parse(line.value)
            # Held-out splits name queries by id: a line without one is named by its line number.
            queries.append(query if query.query_id else replace(query, query_id=f"line-{line.number}"))
        except ValueError as error:
            bad += 1
            log.warning("%s:%d skipped: %s", path.name, line.number, error)
    if not queries:
        raise UserFacingError(f"{path} holds no usable query ({bad} bad lines)")
    return queries
