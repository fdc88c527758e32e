"""A dataset folder (DATA.md layout) read into memory for building training examples.

Items come through retrieval's importer so every catalog quirk is handled in one place; events,
reviews and candidate lists are read line by line, bad lines are counted and skipped.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from retrieval.catalog import Item
from retrieval.jsonl import read_lines
from retrieval.sources import find_catalog_files, parse_catalog_file
from shopwise.errors import UserFacingError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Event:
    user_id: str
    item_id: str
    type: str
    ts: float


@dataclass(frozen=True)
class Review:
    user_id: str
    item_id: str
    rating: float | None
    text: str
    ts: float


@dataclass(frozen=True)
class CandidateList:
    user_id: str
    history: tuple[str, ...]
    target: str
    negatives: tuple[str, ...]


@dataclass
class DatasetFolder:
    path: Path
    items: dict[str, Item]
    events: list[Event] = field(default_factory=list)
    reviews: list[Review] = field(default_factory=list)
    candidates: list[CandidateList] = field(default_factory=list)
    skipped_lines: int = 0

    @property
    def name(self) -> str:
        return self.path.name

    def events_by_user(self) -> dict[str, list[Event]]:
        """Each user's events oldest first (stable on equal timestamps, as the file orders them)."""
        grouped: dict[str, list[Event]] = defaultdict(list)
        for event in self.events:
            grouped[event.user_id].append(event)
        return {user: sorted(events, key=lambda e: e.ts) for user, events in grouped.items()}

    def reviews_by_item(self) -> dict[str, list[Review]]:
        grouped: dict[str, list[Review]] = defaultdict(list)
        for review in self.reviews:
            grouped[review.item_id].append(review)
        return grouped


def _records(path: Path, counter: list[int]):
    for line in read_lines(path):
        if line.error is not None or not isinstance(line.value, dict):
            counter[0] += 1
            continue
        yield line.value


def _first_existing(folder: Path, stem: str) -> Path | None:
    for name in (f"{stem}.jsonl", f"{stem}.jsonl.gz"):
        if (folder / name).is_file():
            return folder / name
    return None


def _event(raw: dict) -> Event | None:
    try:
        return Event(str(raw["user_id"]), str(raw["item_id"]), str(raw.get("type", "purchase")), float(raw["ts"]))
    except (KeyError, TypeError, ValueError):
        return None


def _review(raw: dict) -> Review | None:
    text = raw.get("text")
    if not isinstance(text, str) or not text.strip() or "item_id" not in raw:
        return None
    rating = raw.get("rating")
    return Review(str(raw.get("user_id", "")), str(raw["item_id"]), float(rating) if isinstance(rating, (int, float)) else None,
                  text.strip(), float(raw.get("ts") or 0))


def _candidate_list(raw: dict) -> CandidateList | None:
    try:
        return CandidateList(str(raw["user_id"]), tuple(map(str, raw["history"])), str(raw["target"]),
                             tuple(map(str, raw["candidates"])))
    except (KeyError, TypeError):
        return None


def load_dataset_folder(path: Path) -> DatasetFolder:
    """Read a dataset folder; raise a UserFacingError when it has no usable catalog."""
    if not path.is_dir():
        raise UserFacingError(f"{path} is not a folder: pass a dataset folder with items.jsonl (see DATA.md)")
    items: dict[str, Item] = {}
    skipped = [0]
    for catalog_file in find_catalog_files(path):
        for parsed in parse_catalog_file(catalog_file):
            if parsed.item is None:
                skipped[0] += 1
            else:
                items.setdefault(parsed.item.item_id, parsed.item)
    if not items:
        raise UserFacingError(f"no catalog items found in {path}: it needs an items.jsonl (see DATA.md)")
    folder = DatasetFolder(path=path, items=items)
    readers = (("events", _event, folder.events), ("reviews", _review, folder.reviews),
               ("candidates", _candidate_list, folder.candidates))
    for stem, parse, target in readers:
        file = _first_existing(path, stem)
        if file is None:
            continue
        for raw in _records(file, skipped):
            record = parse(raw)
            if record is None:
                skipped[0] += 1
            else:
                target.append(record)
    folder.skipped_lines = skipped[0]
    if skipped[0]:
        log.warning("%s: skipped %d unusable lines", path.name, skipped[0])
    return folder
