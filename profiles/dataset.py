"""A dataset folder (DATA.md layout) read into memory for training, evaluation and import.

    data = load_dataset(Path("../shared/data/amazon-all-beauty"))
    data.items, data.events, data.reviews, data.users, data.candidates, data.rejected

Files may be plain `.jsonl` or `.jsonl.gz`; only `items.jsonl` is required.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from retrieval.catalog import Item, RecordError
from retrieval.jsonl import read_lines
from retrieval.sources import find_catalog_files, parse_catalog_file
from profiles.records import Event, Review, UserRecord, parse_event, parse_review, parse_user
from shopwise.errors import UserFacingError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Rejected:
    path: Path
    line: int
    reason: str


@dataclass(frozen=True)
class CandidateList:
    user_id: str
    history: tuple[str, ...]
    target: str
    negatives: tuple[str, ...]


@dataclass
class Dataset:
    root: Path
    items: dict[str, Item]
    events: list[Event] = field(default_factory=list)
    reviews: list[Review] = field(default_factory=list)
    users: list[UserRecord] = field(default_factory=list)
    candidates: list[CandidateList] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.root.name

    def events_by_user(self) -> dict[str, list[Event]]:
        """Each user's events oldest first (stable on equal timestamps, as the file orders them)."""
        grouped: dict[str, list[Event]] = defaultdict(list)
        for event in self.events:
            grouped[event.user_id].append(event)
        return {user: sorted(events, key=lambda e: e.ts) for user, events in grouped.items()}

    def reviews_by_item(self) -> dict[str, list[Review]]:
        """Reviews with text, per item."""
        grouped: dict[str, list[Review]] = defaultdict(list)
        for review in self.reviews:
            if review.text.strip():
                grouped[review.item_id].append(review)
        return grouped


def data_file(root: Path, stem: str) -> Path | None:
    for name in (f"{stem}.jsonl", f"{stem}.jsonl.gz"):
        if (root / name).is_file():
            return root / name
    return None


def read_records(path: Path | None, parse: Callable, rejected: list[Rejected]) -> list:
    if path is None:
        return []
    records = []
    for line in read_lines(path):
        if line.error is not None:
            rejected.append(Rejected(path, line.number, line.error))
            continue
        try:
            records.append(parse(line.value))
        except RecordError as error:
            rejected.append(Rejected(path, line.number, str(error)))
    return records


def parse_candidates(raw) -> CandidateList:
    if not isinstance(raw, dict) or not isinstance(raw.get("history"), list) or "target" not in raw:
        raise RecordError("a candidates line needs user_id, history (list), target and candidates")
    negatives = raw.get("candidates") or []
    return CandidateList(str(raw.get("user_id", "")), tuple(map(str, raw["history"])), str(raw["target"]),
                         tuple(map(str, negatives)))


def load_items(root: Path, rejected: list[Rejected]) -> dict[str, Item]:
    files = find_catalog_files(root)
    if not files:
        raise UserFacingError(f"no items.jsonl in {root}: pass a dataset folder (see DATA.md)")
    items: dict[str, Item] = {}
    for catalog_file in files:
        for parsed in parse_catalog_file(catalog_file):
            if parsed.item is None:
                rejected.append(Rejected(parsed.path, parsed.line, parsed.error or "invalid item"))
            else:
                items.setdefault(parsed.item.item_id, parsed.item)
    return items


def load_dataset(root: Path, with_items: bool = True) -> Dataset:
    root = Path(root)
    if not root.is_dir():
        raise UserFacingError(f"{root} is not a folder: pass a dataset folder (see DATA.md)")
    rejected: list[Rejected] = []
    items = load_items(root, rejected) if with_items else {}
    data = Dataset(root=root, items=items, rejected=rejected,
                   events=read_records(data_file(root, "events"), parse_event, rejected),
                   reviews=read_records(data_file(root, "reviews"), parse_review, rejected),
                   users=read_records(data_file(root, "users"), parse_user, rejected),
                   candidates=read_records(data_file(root, "candidates"), parse_candidates, rejected))
    if rejected:
        log.warning("%s: %d lines could not be used (first: %s:%d %s)", root.name, len(rejected),
                    rejected[0].path.name, rejected[0].line, rejected[0].reason)
    return data


def load_catalog_dataset(root: Path) -> Dataset:
    """`load_dataset`, refusing a folder where no catalog line is usable (training needs items)."""
    data = load_dataset(root)
    if not data.items:
        raise UserFacingError(f"no usable catalog items in {root}: see the rejected lines above and DATA.md")
    return data
