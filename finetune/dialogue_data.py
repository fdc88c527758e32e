"""Dialogue examples: a vague request -> one clarifying question offering real catalog options.

Vague requests name only a group of items (a category, or a product form where the catalog has a
single category); the question offers the values that split that group best. Split by group.
"""

from __future__ import annotations

import random
from collections import Counter, defaultdict

from finetune.config import DataConfig
from finetune.examples import Example, split_of
from finetune.understanding_data import usable_attributes
from profiles.dataset import Dataset as DatasetFolder
from retrieval.catalog import Item

VAGUE = ("I need something from {g}", "show me {g}", "any good {g}?", "{g}", "looking for {g} stuff",
         "what {g} do you have", "i want {g}", "help me pick {g}", "gift idea, maybe {g}?")
QUESTIONS = ("Which {name} would you like: {options}?", "Do you have a {name} in mind, for example {options}?",
             "Happy to help! Any preference on {name}: {options}?")


def _options(values: list[str]) -> str:
    return values[0] if len(values) == 1 else ", ".join(values[:-1]) + " or " + values[-1]


def _best_facet(items: list[Item], depth: int) -> tuple[str, list[str]] | None:
    """The facet with the most distinct common values in this group: a subcategory or an attribute."""
    facets: dict[str, Counter] = defaultdict(Counter)
    for item in items:
        if len(item.categories) > depth:
            facets["type"][item.categories[depth]] += 1
        for name, value in usable_attributes(item):
            facets[name.lower()][value] += 1
    ranked = sorted(((name, [v for v, n in counts.most_common(3)]) for name, counts in facets.items()
                     if len(counts) >= 2), key=lambda pair: (-len(pair[1]), pair[0]))
    return ranked[0] if ranked else None


def item_groups(folder: DatasetFolder) -> dict[str, tuple[list[Item], int]]:
    """Group name -> (items, category depth below the group)."""
    items = list(folder.items.values())
    leaves = Counter(i.categories[-2] for i in items if len(i.categories) >= 2)
    if len(leaves) > 1:
        groups: dict[str, list[Item]] = defaultdict(list)
        for item in items:
            if len(item.categories) >= 2:
                groups[item.categories[-2]].append(item)
        return {name: (members, len(members[0].categories) - 1) for name, members in groups.items()}
    by_form: dict[str, list[Item]] = defaultdict(list)
    for item in items:
        for name, value in usable_attributes(item):
            if name.lower() in ("item form", "type", "material"):
                by_form[value.lower()].append(item)
                break
    return {name: (members, 99) for name, members in by_form.items()}


class DialogueBuilder:
    def __init__(self, folder: DatasetFolder, config: DataConfig):
        self.folder = folder
        self.config = config

    def build(self) -> list[Example]:
        rng = random.Random(self.config.seed)
        examples: list[Example] = []
        for group, (members, depth) in sorted(item_groups(self.folder).items()):
            facet = _best_facet(members, depth) if len(members) >= 3 else None
            if facet is None:
                continue
            name, values = facet
            split = split_of(f"group:{group}", self.config.seed, self.config.test_user_share)
            for template in rng.sample(VAGUE, 3):
                request = template.format(g=group.lower())
                question = rng.choice(QUESTIONS).format(name=name, options=_options(values))
                examples.append(Example(task="dialogue", user_text=f"Shopper: {request}", target=question,
                                        split=split, query=request, group=f"group:{group}",
                                        meta={"group": group, "facet": name, "options": values}))
        rng.shuffle(examples)
        return examples[: self.config.max_dialogue]
