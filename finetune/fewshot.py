"""Few-shot prompting, the no-training baseline: for each request, the most similar training
examples of the same task (MiniLM cosine similarity) are placed before it as worked turns.

Build the prompter once from a `finetune data` folder (or any examples) with the shared embedder.
The assistant's request understanding gets its worked examples from `catalog_worked_examples`:
requests written from the shop's own items by the `finetune data` generator (training split only).
"""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np

from agent.understanding.prompt import WorkedExample, WorkedExamples
from finetune.prompts import SYSTEM, TASKS

log = logging.getLogger(__name__)
DEFAULT_SHOTS = {"understanding": 3, "ranking": 1, "explanation": 2, "dialogue": 2}


@dataclass(frozen=True)
class Shot:
    query: str
    user_text: str
    target: str
    group: str = ""          # what the example was made from (an item, a user): its split key


class FewShotPrompter:
    def __init__(self, shots: dict[str, Sequence[Shot]], embedder, shots_per_task: dict[str, int] | None = None):
        self.embedder = embedder
        self.shots = {task: list(items) for task, items in shots.items() if items}
        self.shots_per_task = {**DEFAULT_SHOTS, **(shots_per_task or {})}
        self._vectors: dict[str, np.ndarray] = {}

    @classmethod
    def from_rows(cls, rows, embedder, shots_per_task: dict[str, int] | None = None) -> "FewShotPrompter":
        """Rows in the `finetune data` format (task, prompt, completion, query)."""
        shots: dict[str, list[Shot]] = {task: [] for task in TASKS}
        for row in rows:
            shots.setdefault(row["task"], []).append(
                Shot(row["query"], row["prompt"][-1]["content"], row["completion"][0]["content"], row.get("group", "")))
        return cls(shots, embedder, shots_per_task)

    @classmethod
    def from_training_data(cls, data: Path, embedder, max_per_task: int = 400) -> "FewShotPrompter":
        from finetune.build import load_split

        train = load_split(data, "train")
        rows = [] if train is None else list(train)
        kept: dict[str, int] = {}
        picked = []
        for row in rows:                       # cap the pool so embedding it stays a few seconds
            if kept.get(row["task"], 0) < max_per_task:
                kept[row["task"]] = kept.get(row["task"], 0) + 1
                picked.append(row)
        return cls.from_rows(picked, embedder)

    def _task_vectors(self, task: str) -> np.ndarray:
        if task not in self._vectors:
            self._vectors[task] = self.embedder.embed([shot.query for shot in self.shots[task]])
        return self._vectors[task]

    def select(self, task: str, query: str, k: int | None = None, exclude_user_text: str | None = None,
               exclude_group: str | None = None) -> list[Shot]:
        """The k shots most similar to `query`, most similar last (nearest the request); none with
        the request's own text or made from the same thing (`exclude_group`)."""
        k = self.shots_per_task.get(task, 2) if k is None else k
        pool = self.shots.get(task, [])
        if k <= 0 or not pool:
            return []
        scores = self._task_vectors(task) @ self.embedder.embed([query])[0]
        order = [i for i in np.argsort(-scores) if pool[i].user_text != exclude_user_text
                 and not (exclude_group and pool[i].group == exclude_group)][:k]
        return [pool[i] for i in reversed(order)]

    def limited_to(self, shots_per_task: dict[str, int]) -> "FewShotPrompter":
        """The same pool, worked examples only for the named tasks (others get bare prompts)."""
        limited = FewShotPrompter(self.shots, self.embedder, {task: shots_per_task.get(task, 0) for task in TASKS})
        limited._vectors = self._vectors
        return limited

    def with_worked_examples(self, rows, tasks: tuple[str, ...] = ("understanding",)) -> list[dict]:
        """Training rows whose prompts (for `tasks`) carry worked examples as this prompter would
        give them at inference. Examples made from the row's own item (its group) are left out, as
        they are for a held-out request, whose item is never in the training pool."""
        return [{**row, "prompt": self.messages(row["task"], row["prompt"][-1]["content"], query=row["query"],
                                                exclude_group=row.get("group"))}
                if row["task"] in tasks else dict(row) for row in rows]

    def messages(self, task: str, user_text: str, query: str | None = None, k: int | None = None,
                 exclude_group: str | None = None) -> list[dict]:
        """Chat messages: the task's system prompt, k worked examples, then the request."""
        chat = [{"role": "system", "content": SYSTEM[task]}]
        for shot in self.select(task, query or user_text, k, exclude_user_text=user_text, exclude_group=exclude_group):
            chat += [{"role": "user", "content": shot.user_text}, {"role": "assistant", "content": shot.target}]
        chat.append({"role": "user", "content": user_text})
        return chat


def zero_shot_messages(task: str, user_text: str) -> list[dict]:
    return [{"role": "system", "content": SYSTEM[task]}, {"role": "user", "content": user_text}]


def catalog_worked_examples(items, embedder, k: int = DEFAULT_SHOTS["understanding"],
                            pool_size: int = 400) -> WorkedExamples:
    """Worked understanding examples for the assistant, chosen per message by similarity from
    requests that the `finetune data` generator writes from these catalog items (training split:
    the items whose requests `eval model` holds out never appear)."""
    from finetune.config import DataConfig
    from finetune.understanding_data import UnderstandingBuilder

    config = DataConfig(max_understanding=pool_size)
    items = sorted(items, key=lambda item: item.item_id)           # a seeded sample: a large catalog
    items = random.Random(config.seed).sample(items, min(len(items), pool_size // config.understanding_per_item))
    examples = [e for e in UnderstandingBuilder(items, config).build() if e.split == "train"]
    shots = [Shot(e.query, e.user_text, e.target, e.group) for e in examples]
    prompter = FewShotPrompter({"understanding": shots}, embedder, {"understanding": k})
    prompter.select("understanding", "warm up")          # embeds the pool now, not in the first turn
    log.info("few-shot understanding: %d worked examples from the catalog", len(examples))

    def select(message: str) -> list[WorkedExample]:
        return [(shot.user_text, shot.target) for shot in prompter.select("understanding", message)]
    return select
