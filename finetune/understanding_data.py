"""Request-understanding examples: shopper utterances -> the `Constraints` JSON the agent extracts.

Each example is seeded by a real catalog item, so categories, brands, attribute values and prices
are values the catalog has. Phrasing varies by template, clause order, typos and follow-up turns.
"""

from __future__ import annotations

import math
import random
import re
from collections import Counter
from typing import Iterable

from agent.understanding.constraints import Constraints
from agent.understanding.prompt import constraints_json, understanding_user_text
from finetune.config import DataConfig
from finetune.examples import Example, split_of
from retrieval.catalog import Item

OPENERS = ("I'm looking for {need}", "i need {need}", "Show me {need}", "any {need}?", "Can you find me {need}",
           "looking 4 {need}", "Do you have {need}", "I want to buy {need}", "recommend {need}", "{need} please")
PRICE_MAX = ("under ${v}", "below {v} dollars", "no more than ${v}", "max {v}", "budget is {v}", "less than {v}$")
PRICE_RANGE = ("between ${lo} and ${hi}", "from {lo} to {hi} dollars", "${lo}-{hi}")
BRAND = ("from {b}", "by {b}", "{b} brand only", "made by {b}")
EXCLUDE = ("but not {b}", "no {b} please", "anything except {b}", "not {b}", "I don't like {b}")
RATING = ("rated at least {r} stars", "with {r}+ stars", "good reviews, {r} stars or more")
ATTRIBUTE = ("with {name} {value}", "{value} {name}", "{name}: {value}", "in {value}")
CATEGORY = ("in {c}", "from the {c} section", "category {c}", "(in {c})")
SOFT = ("good value", "easy to use", "long lasting", "compact", "durable", "gift", "lightweight", "gentle")
SOFT_PHRASES = ("ideally {s}", "preferably {s}", "something {s} would be nice", "bonus if {s}")
FOLLOW_UPS = ("actually, {clause}", "also {clause}", "and {clause}", "oh and {clause}", "one more thing: {clause}")
_SKIP_ATTRIBUTE = re.compile(r"dimension|upc|model|number|weight|date|asin|isbn|manufacturer|count|size", re.I)
_NEED_CUT = re.compile(r"[,(\-–|/]")


def _need(item: Item, many_categories: bool) -> str:
    if many_categories and item.categories:
        return item.categories[-1].lower()
    head = _NEED_CUT.split(item.title)[0].split()
    return " ".join(head[-2:]).lower() if head else "something"


def usable_attributes(item: Item) -> list[tuple[str, str]]:
    """Short categorical attributes a shopper would say out loud."""
    return [(name, value) for name, value in item.attributes.items()
            if isinstance(value, str) and 0 < len(value) <= 25 and not _SKIP_ATTRIBUTE.search(name)
            and not any(ch.isdigit() for ch in value)]


def _round_price(value: float) -> int:
    step = 5 if value < 50 else 10 if value < 200 else 50
    return int(math.ceil(value / step) * step)


def _typo(word: str, rng: random.Random) -> str:
    if len(word) < 5 or not word.isalpha():
        return word
    i = rng.randrange(1, len(word) - 1)
    kind = rng.randrange(3)
    if kind == 0:
        return word[:i] + word[i + 1:]                         # dropped letter
    if kind == 1:
        return word[:i] + word[i + 1] + word[i] + word[i + 2:]  # swapped letters
    return word[:i] + word[i] + word[i:]                       # doubled letter


def add_typos(text: str, protected: set[str], rng: random.Random) -> str:
    words = text.split(" ")
    choices = [i for i, w in enumerate(words) if w.lower() not in protected and len(w) >= 5]
    for i in rng.sample(choices, min(len(choices), rng.randint(1, 2))):
        words[i] = _typo(words[i], rng)
    return " ".join(words)


class UnderstandingBuilder:
    def __init__(self, items: Iterable[Item], config: DataConfig):
        self.config = config
        self.items = sorted(items, key=lambda item: item.item_id)
        leaves = Counter(item.categories[-1] for item in self.items if item.categories)
        self.many_categories = len(leaves) > 1
        self.brands = sorted({item.brand for item in self.items if item.brand})
        self.prices = sorted(item.price for item in self.items if item.price)

    def _price_clause(self, item: Item, rng: random.Random) -> tuple[str, dict]:
        anchor = item.price if item.price else (rng.choice(self.prices) if self.prices else rng.choice((20, 50, 100)))
        high = _round_price(anchor * rng.uniform(1.05, 1.6))
        if rng.random() < 0.3:
            low = max(0, _round_price(anchor * rng.uniform(0.3, 0.9)) - 5)
            if low < high:
                return rng.choice(PRICE_RANGE).format(lo=low, hi=high), {"price_min": float(low), "price_max": float(high)}
        return rng.choice(PRICE_MAX).format(v=high), {"price_max": float(high)}

    def _clauses(self, item: Item, rng: random.Random) -> tuple[list[str], dict]:
        clauses: list[str] = []
        fields: dict = {}
        if rng.random() < 0.5:
            text, values = self._price_clause(item, rng)
            clauses.append(text)
            fields.update(values)
        if item.brand and rng.random() < 0.4:
            clauses.append(rng.choice(BRAND).format(b=item.brand))
            fields["brands"] = [item.brand]
        others = [b for b in self.brands if b != item.brand]
        if others and rng.random() < 0.25:
            excluded = rng.choice(others)
            clauses.append(rng.choice(EXCLUDE).format(b=excluded))
            fields["exclude_brands"] = [excluded]
        if rng.random() < 0.2:
            rating = rng.choice((3.5, 4.0, 4.5))
            clauses.append(rng.choice(RATING).format(r=f"{rating:g}"))
            fields["min_rating"] = rating
        attributes = usable_attributes(item)
        if attributes and rng.random() < 0.6:
            name, value = rng.choice(attributes)
            clauses.append(rng.choice(ATTRIBUTE).format(name=name.lower(), value=value))
            fields["attributes"] = {name: value}
        if rng.random() < 0.3:
            soft = rng.choice(SOFT)
            clauses.append(rng.choice(SOFT_PHRASES).format(s=soft))
            fields["soft_preferences"] = [soft]
        return clauses, fields

    def _example(self, item: Item, rng: random.Random) -> tuple[list[str], Constraints]:
        need = _need(item, self.many_categories)
        clauses, fields = self._clauses(item, rng)
        rng.shuffle(clauses)
        category = item.categories[-1] if self.many_categories and item.categories and rng.random() < 0.5 else None
        constraints = Constraints(need=need, category=category, **fields)
        opener = rng.choice(OPENERS).format(need=need)
        if category:                              # a category filter only when the shopper names one
            clauses.insert(0, rng.choice(CATEGORY).format(c=category))
        named = [*constraints.brands, *constraints.exclude_brands, *map(str, constraints.attributes.values())]
        protected = {word.lower() for value in named for word in value.split()}   # typos never hit values
        if len(clauses) >= 2 and rng.random() < 0.3:            # the last wish arrives as a follow-up turn
            turns = [" ".join([opener, *clauses[:-1]]), rng.choice(FOLLOW_UPS).format(clause=clauses[-1])]
        else:
            turns = [" ".join([opener, *clauses])]
        if rng.random() < 0.3:
            turns = [add_typos(turn, protected, rng) for turn in turns]
        return turns, constraints

    def build(self) -> list[Example]:
        rng = random.Random(self.config.seed)
        examples: list[Example] = []
        for item in self.items:
            split = split_of(f"item:{item.item_id}", self.config.seed, self.config.test_user_share)
            for _ in range(self.config.understanding_per_item):
                turns, constraints = self._example(item, rng)
                examples.append(Example(
                    task="understanding", user_text=understanding_user_text(turns),
                    target=constraints_json(constraints), split=split, query=" ".join(turns),
                    group=f"item:{item.item_id}", meta={"seed_item": item.item_id}))
        rng.shuffle(examples)
        return examples[: self.config.max_understanding]
