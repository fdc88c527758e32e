"""What the catalog can be asked for: its brands, categories, colours and yes/no features.

Built once from the items; the rules match a message against it, and LLM-extracted values are
accepted only when they name something in it. Every entry maps a folded phrase (what a shopper
types) to the catalog's own spelling (what the filters compare with).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Iterable

from retrieval.catalog import Item
from retrieval.documents import fold

WORD = re.compile(r"[a-z0-9]+(?:[.'-][a-z0-9]+)*")
COLOUR_NAMES = frozenset(
    "black white silver grey gray red blue green yellow orange pink purple brown beige gold "
    "navy teal turquoise ivory cream bronze copper charcoal graphite khaki olive maroon "
    "burgundy violet magenta cyan transparent multicolour multicolor".split())
# Common words that are also brand names or feature names: matched only when written capitalised.
COMMON_WORDS = frozenset(
    "act equip chief origin manhattan fellowes vision global premier ideal sharp ring nest "
    "apple orange patch belkin case manual type display power system design lite one peach jumbo "
    "integral princess shuttle speck eminent lena denver frame".split())
GENERIC_FEATURES = frozenset("manual type case display power cable colour color weight".split())
MIN_FEATURE_ITEMS = 20
MIN_VALUE_ITEMS = 3
MIN_CATEGORY_ITEMS = 5        # rarer categories would filter a request down to a handful of items


def is_category_name(name: str) -> bool:
    """Whether a category can be named to a shopper: at least 3 characters and not a bare number."""
    return len(name) >= 3 and not name.replace(" ", "").isdigit()


def words(text: str) -> list[str]:
    return WORD.findall(fold(text))


def plural_forms(phrase: str) -> set[str]:
    """A folded phrase with its last word in singular and plural."""
    head, _, last = phrase.rpartition(" ")
    prefix = head + " " if head else ""
    forms = {phrase}
    if last.endswith("es") and len(last) > 4:
        forms.add(prefix + last[:-2])
    if last.endswith("s") and len(last) > 3:
        forms.add(prefix + last[:-1])
    else:
        forms.update({prefix + last + "s", prefix + last + "es"})
    return forms


@dataclass
class CatalogVocabulary:
    brands: dict[str, str] = field(default_factory=dict)            # folded alias -> brand
    categories: dict[str, str] = field(default_factory=dict)        # folded (plural) -> category
    colour_attribute: str | None = None                              # e.g. "product colour"
    colours: dict[str, str] = field(default_factory=dict)           # folded colour -> stored value
    features: dict[str, str] = field(default_factory=dict)          # folded phrase -> boolean attribute
    known_words: frozenset[str] = frozenset()                        # every word in titles/categories

    @classmethod
    def from_items(cls, items: Iterable[Item]) -> "CatalogVocabulary":
        brand_counts, category_counts, bool_counts = Counter(), Counter(), Counter()
        colour_values: dict[str, Counter] = {}
        known: set[str] = set()
        known_items = list(items)
        for item in known_items:
            known.update(words(item.title))
            if item.brand:
                brand_counts[item.brand] += 1
            for category in item.categories:
                category_counts[category] += 1
                known.update(words(category))
            for name, value in item.attributes.items():
                if isinstance(value, bool):
                    bool_counts[name] += 1
                elif isinstance(value, str) and _is_colour_attribute(name) and fold(value) in COLOUR_NAMES:
                    colour_values.setdefault(name, Counter())[value] += 1
        vocabulary = cls(known_words=frozenset(known))
        for brand, _ in brand_counts.most_common():
            for alias in brand_aliases(brand):
                vocabulary.brands.setdefault(alias, brand)
        for category, count in category_counts.most_common():
            folded = fold(category)
            if count >= min(MIN_CATEGORY_ITEMS, max(1, len(known_items) // 100)) and is_category_name(folded):
                for form in plural_forms(folded):
                    vocabulary.categories.setdefault(form, category)
        if colour_values:   # the colour attribute most items carry is the one colour filters use
            name, counts = max(colour_values.items(), key=lambda kv: sum(kv[1].values()))
            vocabulary.colour_attribute = name
            for value, count in counts.most_common():
                if count >= min(MIN_VALUE_ITEMS, max(1, len(known_items) // 100)):
                    vocabulary.colours.setdefault(fold(value), value)
                    if fold(value) == "grey":
                        vocabulary.colours.setdefault("gray", value)
        enough = min(MIN_FEATURE_ITEMS, max(2, len(known_items) // 50))
        for name, count in bool_counts.items():
            folded = fold(name)
            if count >= enough and len(folded) >= 4 and len(folded.split()) <= 3 \
                    and folded not in GENERIC_FEATURES and folded not in vocabulary.categories:
                vocabulary.features[folded] = name
        return vocabulary

    def is_known(self, word: str) -> bool:
        return word in self.known_words or word.rstrip("s") in self.known_words


def brand_aliases(brand: str) -> set[str]:
    """How shoppers write a brand: 'StarTech.com' -> startech.com, startech; 'TP-LINK' -> tp link."""
    folded = fold(brand)
    aliases = {folded, " ".join(words(folded))}
    if folded.endswith(".com"):
        aliases.add(folded[:-4])
    aliases.add(folded.replace("-", " "))
    aliases.add(folded.replace("-", ""))
    first = folded.split()[0]
    if " " in folded and len(first) >= 5:      # "Kingston Technology" -> kingston
        aliases.add(first)
    return {a for a in aliases if len(a) >= 2}


def _is_colour_attribute(name: str) -> bool:
    folded = fold(name)
    return ("colour" in folded or "color" in folded) and "printing" not in folded
