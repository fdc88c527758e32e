"""Deterministic constraint extraction: prices, ratings, brands, categories, colours, features.

The safety net under the LLM (and, for a 135M model, most of the work): every value found here
names something in the catalog's vocabulary or a number the shopper typed. Matched phrases are
consumed, and what is left is the stated need ("a light jacket for cycling").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from agent.understanding.constraints import Constraints
from agent.understanding.vocabulary import COLOUR_NAMES, COMMON_WORDS, CatalogVocabulary, WORD
from retrieval.documents import fold

_NUMBER = r"(\d+(?:[.,]\d+)?)(?![\d.,]*\d)"
_CURRENCY = r"(?:[$€£]\s*)?"
_UNIT = r"(?:\s*(?:dollars?|bucks|euros?|eur|usd|pounds?|gbp|[$€£]))?"
# A number followed by a unit is a spec ("1000 VA", "2 kg", "4.5 stars"), never a price.
_NOT_SPEC = (r"(?!\s*(?:stars?|va|w|watts?|gb|tb|mb|ghz|mhz|hz|inch(?:es)?|\"|''|cm|mm|m|kg|g|lbs?|pages?|pcs|"
             r"pieces|pack|mah|dpi|ppm|mbps|gbps|ports?|years?|hours?|h|x|v|volts?|l|ml|%)(?![a-z]))")
PRICE_BETWEEN = re.compile(rf"\b(?:between|from)\s+{_CURRENCY}{_NUMBER}{_UNIT}\s+(?:and|to|-)\s+{_CURRENCY}{_NUMBER}{_UNIT}")
PRICE_RANGE = re.compile(rf"{_CURRENCY}\b{_NUMBER}\s*(?:-|–|to)\s*{_CURRENCY}{_NUMBER}(?=\s*(?:dollars?|bucks|euros?|eur|usd|[$€£]))")
PRICE_MAX = re.compile(rf"\b(?:under|below|less than|cheaper than|max(?:imum)?|up to|at most|no more than|"
                       rf"within|budget(?: of| is)?|not more than|lower than|<)\s*:?\s*{_CURRENCY}{_NUMBER}{_UNIT}{_NOT_SPEC}")
PRICE_MIN = re.compile(rf"\b(?:over|above|more than|at least|min(?:imum)?|starting at|higher than|>)\s*:?\s*"
                       rf"{_CURRENCY}{_NUMBER}{_UNIT}{_NOT_SPEC}")
PRICE_AROUND = re.compile(rf"\b(?:around|about|approximately|roughly|~)\s*{_CURRENCY}{_NUMBER}{_UNIT}{_NOT_SPEC}")
PRICE_BARE = re.compile(rf"(?:[$€£]\s*{_NUMBER}|\b{_NUMBER}\s*(?:dollars?|bucks|euros?|eur|usd|pounds?|gbp|[€£$]))")
RATING_MIN = re.compile(r"\b(?:at least|min(?:imum)?|over|above)?\s*(\d(?:\.\d)?)\s*\+?\s*stars?(?:\s*(?:or (?:more|better|higher|above)|and up|\+))?")
RATING_GOOD = re.compile(r"\b(?:highly|well|top|best|good)[ -]rated\b|\bgood reviews\b|\bwell reviewed\b")
NEGATION = re.compile(r"(?:\bnot|\bno|\bexcept|\bwithout|\bother than|\banything but|\bavoid|\bnon|\bexclude|\bexcluding|\bhate|\bdon'?t want)[\s-]+(?:\w+\s+){0,1}$")
FEATURE_NEGATION = re.compile(r"(?:\bwithout|\bno|\bnot|\bnon)[\s-]+$")
STOPWORDS = frozenset(
    "a an the i im i'm me my we you your it its is are be to of in on at by with and or but "
    "for from want wants need needs looking look find show give get buy please some something "
    "anything any one ones that this these those can could would should like love good nice "
    "best great new price priced cost costs cheap under over than less more max about around "
    "between budget dollars dollar euros euro usd eur bucks what which who do does have has "
    "recommend suggest hi hello hey thanks thank there here also just really very much so "
    "stars star rated rating reviews well top not no without except other brand brands "
    "help shopping buying options option maybe perhaps kind sort thing stuff least most only just "
    "instead rather too either".split())
# A category or feature word right before one of these names a part or an accessory, not the
# product: "notebook bag", "hdmi adapter".
ACCESSORY_NEXT = re.compile(
    r"\s+(?:bags?|cases?|sleeves?|covers?|chargers?|adapters?|stands?|docks?|docking|locks?|cables?|"
    r"batter(?:y|ies)|mounts?|holders?|brackets?|skins?|protectors?|power supply|straps?|pouch|"
    r"converters?|splitters?|extenders?|ports?|connectors?|switch(?:es)?|to)\b")


@dataclass
class RuleExtraction:
    constraints: Constraints
    need_words: list[str] = field(default_factory=list)     # what is left once constraints are consumed
    matched: list[str] = field(default_factory=list)        # phrases consumed, for the step record
    cuts: tuple[str, ...] = ()                               # what did not fit the Constraints' limits

    @property
    def has_need(self) -> bool:
        return bool(self.need_words)


def extract_rules(message: str, vocabulary: CatalogVocabulary) -> RuleExtraction:
    text = " " + fold(message) + " "
    original = " " + " ".join(message.split()) + " "
    found: dict = {"brands": [], "exclude_brands": [], "attributes": {}, "soft_preferences": []}
    consumed: list[tuple[int, int]] = []
    matched: list[str] = []
    _prices(text, found, consumed, matched)
    _rating(text, found, consumed, matched)
    _brands(text, original, vocabulary, found, consumed, matched)
    _category(text, vocabulary, found, consumed, matched)
    _colour(text, vocabulary, found, consumed, matched)
    _features(text, vocabulary, found, consumed, matched)
    purpose = _purpose(text, consumed)
    if purpose:
        found["soft_preferences"].append(purpose)
    need_words = _leftover_words(text, consumed)
    constraints, cuts = Constraints.fitted({"need": " ".join(need_words) or None, **found})
    if constraints.need != (" ".join(need_words) or None):      # cut: the words follow the need
        need_words = constraints.need.split() if constraints.need else []
    return RuleExtraction(constraints, need_words, matched, cuts)


def _free(span: tuple[int, int], consumed: list[tuple[int, int]]) -> bool:
    return all(span[1] <= start or span[0] >= end for start, end in consumed)


def _amount(text: str) -> float:
    value = text.replace(",", ".") if text.count(",") == 1 and len(text.split(",")[1]) != 3 else text.replace(",", "")
    return float(value)


def _take(match: re.Match, consumed: list, matched: list) -> None:
    consumed.append(match.span())
    matched.append(match.group(0).strip())


def _prices(text: str, found: dict, consumed: list, matched: list) -> None:
    for pattern in (PRICE_BETWEEN, PRICE_RANGE):
        for match in pattern.finditer(text):
            low, high = sorted((_amount(match.group(1)), _amount(match.group(2))))
            found["price_min"], found["price_max"] = low, high
            _take(match, consumed, matched)
    for match in PRICE_MAX.finditer(text):
        if _free(match.span(), consumed):
            found["price_max"] = _amount(match.group(1))
            _take(match, consumed, matched)
    for match in PRICE_MIN.finditer(text):
        if _free(match.span(), consumed) and not RATING_MIN.match(text, match.start()):
            found["price_min"] = _amount(match.group(1))
            _take(match, consumed, matched)
    for match in PRICE_AROUND.finditer(text):
        if _free(match.span(), consumed):
            value = _amount(match.group(1))
            found["price_min"], found["price_max"] = round(value * 0.8, 2), round(value * 1.2, 2)
            _take(match, consumed, matched)
    if "price_max" not in found and "price_min" not in found:
        for match in PRICE_BARE.finditer(text):     # "a 50 dollar keyboard": a budget
            if _free(match.span(), consumed):
                found["price_max"] = _amount(match.group(1) or match.group(2))
                _take(match, consumed, matched)
                break


def _rating(text: str, found: dict, consumed: list, matched: list) -> None:
    for match in RATING_MIN.finditer(text):
        value = float(match.group(1))
        if 0 < value <= 5 and _free(match.span(), consumed):
            found["min_rating"] = value
            _take(match, consumed, matched)
    match = RATING_GOOD.search(text)
    if match and "min_rating" not in found:
        found["min_rating"] = 4.0
        _take(match, consumed, matched)


def _phrase_spans(text: str, phrases: dict[str, str]):
    """(start, end, phrase, canonical) for whole-word occurrences, longest phrases first."""
    spans = []
    for phrase in sorted(phrases, key=len, reverse=True):
        if phrase not in text:          # no substring, no whole-word match: skip compiling its regex
            continue
        for match in re.finditer(r"(?<![a-z0-9])" + re.escape(phrase) + r"(?![a-z0-9])", text):
            spans.append((match.start(), match.end(), phrase, phrases[phrase]))
    return spans


def _brands(text: str, original: str, vocabulary: CatalogVocabulary, found: dict, consumed: list,
            matched: list) -> None:
    for start, end, phrase, brand in _phrase_spans(text, vocabulary.brands):
        if not _free((start, end), consumed):
            continue
        if phrase in COMMON_WORDS and original[start:end] == original[start:end].lower():
            continue        # "act now", "equip": only "Act", "Equip" name the brand
        negated = NEGATION.search(text[max(0, start - 30):start]) is not None
        target = found["exclude_brands"] if negated else found["brands"]
        if brand not in target:
            target.append(brand)
        consumed.append((start, end))
        matched.append(("not " if negated else "") + phrase)


def _category(text: str, vocabulary: CatalogVocabulary, found: dict, consumed: list, matched: list) -> None:
    for start, end, phrase, category in _phrase_spans(text, vocabulary.categories):
        if _free((start, end), consumed) and not ACCESSORY_NEXT.match(text, end):
            found["category"] = category
            consumed.append((start, end))
            matched.append(phrase)
            return


def _colour(text: str, vocabulary: CatalogVocabulary, found: dict, consumed: list, matched: list) -> None:
    if not vocabulary.colour_attribute:
        return
    for start, end, phrase, value in _phrase_spans(text, vocabulary.colours):
        if _free((start, end), consumed) and phrase in COLOUR_NAMES:
            found["attributes"][vocabulary.colour_attribute] = value
            consumed.append((start, end))
            matched.append(phrase)
            return


def _features(text: str, vocabulary: CatalogVocabulary, found: dict, consumed: list, matched: list) -> None:
    for start, end, phrase, name in _phrase_spans(text, vocabulary.features):
        if _free((start, end), consumed) and not ACCESSORY_NEXT.match(text, end):
            negated = FEATURE_NEGATION.search(text[max(0, start - 12):start]) is not None
            found["attributes"][name] = not negated
            consumed.append((start, end))
            matched.append(("no " if negated else "") + phrase)


def _purpose(text: str, consumed: list[tuple[int, int]]) -> str | None:
    """'for cycling', 'for my daughter': the words after 'for' up to the next filler word."""
    tokens = WORD.findall(_blank(text, consumed))
    if "for" not in tokens:
        return None
    after = tokens[tokens.index("for") + 1:]
    wanted = []
    for token in after:
        if token in STOPWORDS and token not in {"my", "the"}:
            break
        wanted.append(token)
        if len(wanted) == 3:
            break
    content = [w for w in wanted if w not in {"my", "the"}]
    return "for " + " ".join(content) if content else None


def _blank(text: str, consumed: list[tuple[int, int]]) -> str:
    kept = list(text)
    for start, end in consumed:
        kept[start:end] = " " * (end - start)
    return "".join(kept)


def _leftover_words(text: str, consumed: list[tuple[int, int]]) -> list[str]:
    return [w for w in WORD.findall(_blank(text, consumed)) if w not in STOPWORDS]
