"""The faithfulness guard: a sentence may state only what the item's record (and its review
snippets) states. Checked in code: numbers, brands, colours, features, catalog terms.

A sentence is unfaithful when it contains a number the record lacks, names a brand other than the
item's (unless the record mentions it, e.g. "compatible with HP"), names a colour, category or
product term of the catalog that the record does not contain, claims a yes/no feature the item
does not have, or reads like an instruction.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from agent.explanation.facts import INSTRUCTION_LIKE, ItemFacts
from agent.understanding.vocabulary import COLOUR_NAMES, COMMON_WORDS, CatalogVocabulary, words
from retrieval.documents import fold

NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
SENTENCE_BREAK = re.compile(r"(?<=[.!?])\s+")       # "4.6 m" and "StarTech.com" stay whole
NEGATED = re.compile(r"\b(no|not|without|lacks?|doesn'?t have|does not have)\b[^.]{0,25}$")
# Words an explanation may use about any item: they state no fact of their own.
PLAIN_WORDS = frozenset(
    "it its is are was has have this that these those a an the and or but with for of to in on at by as "
    "from very good great nice solid strong excellent ideal perfect suitable reliable handy useful "
    "pick choice option fits fit matches match meets meet because which so also offers comes "
    "made your you want wanted need needs needed request asked looking budget price priced "
    "costs cost rated rating ratings reviewer reviewers review reviews says say said from "
    "product item one model well value quality features feature designed great option".split())


@dataclass(frozen=True)
class Verdict:
    sentence: str
    problems: tuple[str, ...]

    @property
    def faithful(self) -> bool:
        return not self.problems


def _stem(word: str) -> str:
    for suffix in ("ings", "ing", "ers", "er", "es", "s", "ed"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


def _numbers(text: str) -> set[float]:
    values = set()
    for raw in NUMBER.findall(text):
        try:
            values.add(round(float(raw.replace(",", "")), 4))
        except ValueError:
            continue
    return values


class FaithfulnessGuard:
    def __init__(self, vocabulary: CatalogVocabulary):
        self.vocabulary = vocabulary
        self._brand_aliases = sorted((a for a in vocabulary.brands if len(a) >= 3), key=len, reverse=True)

    def check(self, sentence: str, facts: ItemFacts) -> Verdict:
        record = fold(facts.record_text())
        record_words = set(words(record))
        record_stems = {_stem(w) for w in record_words}
        text = fold(sentence)
        problems: list[str] = []
        if INSTRUCTION_LIKE.search(sentence):
            problems.append("reads like an instruction")
        missing_numbers = _numbers(text) - _numbers(record)
        problems += [f"number {n:g} is not in the record" for n in sorted(missing_numbers)]
        problems += self._foreign_brands(text, sentence, facts, record)
        for word in set(words(text)):
            if word in PLAIN_WORDS or word in record_words or _stem(word) in record_stems \
                    or any(ch.isdigit() for ch in word):
                continue
            if word in COLOUR_NAMES:
                problems.append(f"colour {word!r} is not in the record")
            elif self.vocabulary.is_known(word) and len(word) > 3:
                problems.append(f"catalog term {word!r} is not in the record")
        problems += self._false_features(text, facts)
        return Verdict(sentence, tuple(dict.fromkeys(problems)))

    def states_a_fact(self, sentence: str, facts: ItemFacts) -> bool:
        """Whether the sentence says something about this item (a record word or number), not just praise."""
        record = fold(facts.record_text())
        record_words = {w for w in words(record) if w not in PLAIN_WORDS and len(w) > 2}
        text_words = set(words(fold(sentence)))
        return bool(text_words & record_words) or bool(_numbers(fold(sentence)) & _numbers(record))

    def _foreign_brands(self, text: str, sentence: str, facts: ItemFacts, record: str) -> list[str]:
        own = fold(facts.item.brand) if facts.item.brand else None
        problems = []
        for alias in self._brand_aliases:
            for match in re.finditer(r"(?<![a-z0-9])" + re.escape(alias) + r"(?![a-z0-9])", text):
                if alias in COMMON_WORDS and sentence[match.start():match.end()].islower():
                    continue
                brand = fold(self.vocabulary.brands[alias])
                if brand != own and alias not in record:
                    problems.append(f"brand {self.vocabulary.brands[alias]!r} is not this item's")
        return problems

    def _false_features(self, text: str, facts: ItemFacts) -> list[str]:
        problems = []
        attributes = {fold(k): v for k, v in facts.item.attributes.items()}
        for phrase in self.vocabulary.features:
            for match in re.finditer(r"(?<![a-z0-9])" + re.escape(phrase) + r"(?![a-z0-9])", text):
                claimed = NEGATED.search(text[:match.start()]) is None
                actual = attributes.get(phrase)
                if isinstance(actual, bool) and actual != claimed:
                    problems.append(f"says {phrase} is {'present' if claimed else 'absent'}; the record says otherwise")
        return problems


def split_sentences(text: str) -> list[str]:
    return [s.strip() for s in SENTENCE_BREAK.split(text) if s.strip()]
