"""The supervised example record shared by all task builders, and its on-disk (datasets) form."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field

from finetune.prompts import messages

SPLITS = ("train", "validation", "test")
# Bumped whenever a task's prompt or target format changes, so cached data and adapters are rebuilt
# (3: ranking candidates in the first stage's order, explanations in the assistant's prompt).
DATA_FORMAT = 3


@dataclass(frozen=True)
class Example:
    task: str
    user_text: str                 # the user message (the system message comes from the task)
    target: str                    # the assistant's answer
    split: str
    query: str                     # short text that few-shot selection compares by similarity
    group: str                     # what the split was decided on (hashed user, item or category)
    meta: dict = field(default_factory=dict)

    def to_record(self) -> dict:
        return {"task": self.task, "prompt": messages(self.task, self.user_text),
                "completion": [{"role": "assistant", "content": self.target}],
                "query": self.query, "group": self.group, "meta": json.dumps(self.meta, ensure_ascii=False)}


def stable_hash(text: str) -> str:
    """Short digest used for split decisions and for user ids in logs and data (never clear ids)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def bucket(text: str, seed: int) -> float:
    """A deterministic number in [0, 1) for `text`: the same key always lands in the same split."""
    return int(stable_hash(f"{seed}:{text}"), 16) / 16 ** 16


def split_of(key: str, seed: int, test_share: float, validation_share: float = 0.1) -> str:
    value = bucket(key, seed)
    if value < test_share:
        return "test"
    if value < test_share + validation_share:
        return "validation"
    return "train"
