"""Candidate-ranking examples (LlamaRec style): a user's recent history and a list of candidates
(shuffled, then listed in the first stage's order, `finetune.candidate_order`) -> the letter of the
item they actually chose next.

Split by user and by time: held-out users appear only in test (with the fixed candidates.jsonl
lists where the folder has them); each training user's last event is validation, and training
examples only predict events before it, so nothing later than a user's validation target is seen.
"""

from __future__ import annotations

import random
from typing import Sequence

from finetune.candidate_order import HistoryMatchOrder
from finetune.config import DataConfig
from finetune.examples import Example, split_of, stable_hash
from finetune.prompts import LABELS, ranking_user_text
from profiles.dataset import Dataset as DatasetFolder
from profiles.records import Event


class RankingBuilder:
    def __init__(self, folder: DatasetFolder, config: DataConfig):
        self.folder = folder
        self.config = config
        self.item_ids = sorted(folder.items)
        self.first_stage = HistoryMatchOrder(folder.items[i] for i in self.item_ids) \
            if config.candidate_order == "history-match" else None

    def user_split(self, user_id: str) -> str:
        """Users are either held out (test) or not; validation is a time split within train users."""
        return "test" if split_of(f"user:{user_id}", self.config.seed, self.config.test_user_share, 0.0) == "test" \
            else "train"

    def _negatives(self, touched: set[str], count: int, rng: random.Random) -> list[str]:
        pool_size = len(self.item_ids)
        picked: list[str] = []
        for _ in range(count * 20):
            if len(picked) == count or pool_size == 0:
                break
            item_id = self.item_ids[rng.randrange(pool_size)]
            if item_id not in touched and item_id not in picked:
                picked.append(item_id)
        return picked

    def example(self, user_id: str, history: Sequence[str], target: str, negatives: Sequence[str],
                split: str, rng: random.Random, ts: float | None = None) -> Example | None:
        items = self.folder.items
        if target not in items:
            return None
        candidates = [target, *[n for n in negatives if n in items and n != target]][: self.config.candidates]
        rng.shuffle(candidates)                  # ties of the first stage stay in random order
        known = [items[i] for i in history if i in items]
        if self.first_stage is not None:
            candidates = [candidates[i] for i in self.first_stage.order(known, [items[c] for c in candidates])]
        recent = known[-self.config.history_items:]
        text = ranking_user_text(recent, [items[i] for i in candidates], self.config.title_words)
        label = LABELS[candidates.index(target)]
        user = stable_hash(user_id)
        return Example(task="ranking", user_text=text, target=label, split=split,
                       query=" ".join(items[i].title for i in history[-2:] if i in items),
                       group=f"user:{user}",
                       meta={"user": user, "target": target, "candidates": candidates, "ts": ts,
                             "history": list(history)})

    def _user_examples(self, user_id: str, events: list[Event], rng: random.Random) -> list[Example]:
        ids = [e.item_id for e in events]
        touched = set(ids)
        out: list[Example] = []
        if len(ids) < 2:
            return out
        last = len(ids) - 1
        validation = self.example(user_id, ids[:last], ids[last], self._negatives(touched, self.config.candidates - 1, rng),
                                  "validation", rng, events[last].ts)
        if validation:
            out.append(validation)
        positions = list(range(1, last))
        for position in sorted(rng.sample(positions, min(len(positions), self.config.max_ranking_per_user))):
            negatives = self._negatives(touched, self.config.candidates - 1, rng)
            made = self.example(user_id, ids[:position], ids[position], negatives, "train", rng, events[position].ts)
            if made:
                out.append(made)
        return out

    def _test_examples(self, by_user: dict[str, list[Event]], rng: random.Random) -> list[Example]:
        test_users = {user for user in by_user if self.user_split(user) == "test"}
        listed = [c for c in self.folder.candidates if self.user_split(c.user_id) == "test"]
        if listed:                               # the fixed 20-candidate protocol of the data set
            made = [self.example(c.user_id, c.history, c.target, c.negatives, "test", rng) for c in listed]
            return [m for m in made if m]
        out = []
        for user in sorted(test_users):
            ids = [e.item_id for e in by_user[user]]
            if len(ids) >= 2:
                made = self.example(user, ids[:-1], ids[-1], self._negatives(set(ids), self.config.candidates - 1, rng),
                                    "test", rng, by_user[user][-1].ts)
                if made:
                    out.append(made)
        return out

    def build(self, events_until: float | None = None) -> list[Example]:
        """Examples from events up to `events_until` (later events are left for online rounds)."""
        rng = random.Random(self.config.seed)
        by_user = {user: [e for e in events if events_until is None or e.ts <= events_until]
                   for user, events in self.folder.events_by_user().items()}
        examples = self._test_examples(by_user, rng)
        for user in sorted(by_user):
            if self.user_split(user) == "train":
                examples.extend(self._user_examples(user, by_user[user], rng))
        return examples

    def examples_from_new_events(self, new_events: list[Event], seed: int) -> list[Example]:
        """Online rounds: each new event of a non-held-out user, predicted from everything before it."""
        rng = random.Random(seed)
        by_user = self.folder.events_by_user()
        new_keys = {(e.user_id, e.item_id, e.ts) for e in new_events}
        out: list[Example] = []
        for user, events in sorted(by_user.items()):
            if self.user_split(user) == "test":
                continue
            ids = [e.item_id for e in events]
            for position, event in enumerate(events):
                if position == 0 or (user, event.item_id, event.ts) not in new_keys:
                    continue
                made = self.example(user, ids[:position], ids[position],
                                    self._negatives(set(ids), self.config.candidates - 1, rng), "train", rng, event.ts)
                if made:
                    out.append(made)
        return out
