"""Scoring extracted constraints against a script's expected ones: precision, recall, F1 over facts.

A fact is one (field, value) pair: each brand, excluded brand and attribute, the category, each
price bound, the minimum rating. Relative expectations resolve against the conversation:
"<shown" (a price limit below the most expensive item just shown), ">shown" (a lower bound above
the cheapest one), "<kept" (the limit the previous turn ended with).
"""

from __future__ import annotations

from dataclasses import dataclass

from retrieval.documents import fold


def facts(constraints: dict) -> dict[tuple, object]:
    found: dict[tuple, object] = {}
    for brand in constraints.get("brands") or []:
        found[("brand", fold(brand))] = True
    for brand in constraints.get("exclude_brands") or []:
        found[("exclude_brand", fold(brand))] = True
    for name, value in (constraints.get("attributes") or {}).items():
        found[("attribute", fold(name))] = fold(value) if isinstance(value, str) else value
    for key in ("category", "price_min", "price_max", "min_rating"):
        if constraints.get(key) is not None:
            value = constraints[key]
            found[(key,)] = fold(value) if isinstance(value, str) and not value[:1] in "<>" else value
    return found


@dataclass
class ExtractionScore:
    true_positives: int = 0
    extracted: int = 0
    expected: int = 0

    def add(self, expected: dict, extracted: dict, previous: dict | None, shown_prices: list[float]) -> None:
        wanted, got = facts(expected), facts(extracted)
        self.expected += len(wanted)
        self.extracted += len(got)
        for key, value in wanted.items():
            if key in got and _agrees(value, got[key], key, previous or {}, shown_prices):
                self.true_positives += 1

    @property
    def precision(self) -> float:
        return self.true_positives / self.extracted if self.extracted else 1.0

    @property
    def recall(self) -> float:
        return self.true_positives / self.expected if self.expected else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def _agrees(expected, actual, key: tuple, previous: dict, shown_prices: list[float]) -> bool:
    if expected == "<shown":
        return isinstance(actual, (int, float)) and bool(shown_prices) and actual < max(shown_prices)
    if expected == ">shown":
        return isinstance(actual, (int, float)) and bool(shown_prices) and actual > min(shown_prices)
    if expected == "<kept":
        return actual == previous.get(key[0])
    if isinstance(expected, float) and isinstance(actual, (int, float)) and not isinstance(actual, bool):
        return abs(expected - actual) < 0.01
    return expected == actual
