"""Grounded-explanation examples: item facts, review snippets and a short profile -> one sentence
that states only those facts (the target is composed from them, so it is faithful by construction).
Prompts are the assistant's own (`agent.explanation.prompt`, facts picked by `item_facts` as in the
chat turn), and targets start "It ...", as the assistant's prefilled reply continues.

Split by item; review snippets come only from users of the same side of the user split, so a
held-out user's review never appears in training text.
"""

from __future__ import annotations

import random
import re
from collections import Counter

from agent.explanation.facts import ItemFacts, item_facts
from agent.explanation.prompt import PREFIX, explanation_user_text
from finetune.config import DataConfig
from finetune.examples import Example, split_of
from profiles.dataset import Dataset as DatasetFolder
from profiles.records import Review
from retrieval.catalog import Item

_SENTENCE = re.compile(r"(?<=[.!?])\s+")
_TITLE_CUT = re.compile(r"\s[-–|(]\s?|,")
_MARKUP = re.compile(r"\[\[.*?\]\]|<[^>]+>")


def review_snippets(reviews: list[Review], limit: int = 2) -> list[str]:
    """Short, positive, plain sentences from reviews: the kind a shopper trusts and a model can quote."""
    picked: list[str] = []
    for review in sorted(reviews, key=lambda r: -(r.rating or 0)):
        if review.rating is not None and review.rating < 4:
            continue
        for sentence in _SENTENCE.split(_MARKUP.sub(" ", review.text)):
            words = sentence.split()
            if 5 <= len(words) <= 18 and '"' not in sentence:
                picked.append(" ".join(words).rstrip("."))
                break
        if len(picked) == limit:
            break
    return picked


def item_name(item: Item) -> str:
    """A short name for the item: its title up to the first separator, brand not repeated."""
    head = _TITLE_CUT.split(item.title)[0].split()[:6]
    if item.brand and head and " ".join(head).lower().startswith(item.brand.lower()):
        head = head[len(item.brand.split()):]
    name = " ".join(head) or item.title
    return f"{item.brand}'s {name}" if item.brand else name


def compose_explanation(facts: ItemFacts, profile: list[str]) -> str:
    """One sentence made only of the facts in the prompt, starting as the assistant's reply does."""
    item = facts.item
    parts = [f"is {item_name(item)}"]
    if facts.attributes:
        name, value = facts.attributes[0]
        parts.append(f"has {name.lower()} {value}")
    if item.rating is not None:
        count = f" by {item.rating_count} shoppers" if item.rating_count else ""
        parts.append(f"is rated {item.rating:g} out of 5{count}")
    if facts.snippets:
        parts.append(f'a reviewer says "{facts.snippets[0]}"')
    liked = [p for p in profile if p in {item.brand, *(item.categories[-1:])}]
    if liked:
        parts.append(f"it matches your interest in {liked[0]}")
    body = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
    return f"{PREFIX} {body}."


class ExplanationBuilder:
    def __init__(self, folder: DatasetFolder, config: DataConfig, user_split):
        self.folder = folder
        self.config = config
        self.user_split = user_split          # user_id -> "train" | "test"

    def _profile(self, user_id: str, exclude: str) -> list[str]:
        items = self.folder.items
        bought = [items[e.item_id] for e in self.folder.events_by_user().get(user_id, []) if e.item_id in items
                  and e.item_id != exclude]
        counts = Counter(value for item in bought for value in (item.brand, *(item.categories[-1:])) if value)
        return [value for value, _ in counts.most_common(2)]

    def build(self) -> list[Example]:
        rng = random.Random(self.config.seed)
        reviews = self.folder.reviews_by_item()
        buyers: dict[str, list[str]] = {}
        for event in self.folder.events:
            buyers.setdefault(event.item_id, []).append(event.user_id)
        examples: list[Example] = []
        for item in sorted(self.folder.items.values(), key=lambda i: i.item_id):
            split = split_of(f"item:{item.item_id}", self.config.seed, self.config.test_user_share)
            side = "test" if split == "test" else "train"
            usable = [r for r in reviews.get(item.item_id, []) if self.user_split(r.user_id) == side]
            facts = item_facts(item, review_snippets(usable))
            people = [u for u in buyers.get(item.item_id, []) if self.user_split(u) == side]
            profile = self._profile(rng.choice(people), item.item_id) if people else []
            need = item.categories[-1].lower() if item.categories else None    # what a shopper asked for
            examples.append(Example(
                task="explanation", user_text=explanation_user_text(facts, need, profile=profile),
                target=compose_explanation(facts, profile), split=split, query=item.title,
                group=f"item:{item.item_id}",
                meta={"item": item.item_id, "snippets": list(facts.snippets), "profile": profile}))
        rng.shuffle(examples)
        return examples[: self.config.max_explanation]
