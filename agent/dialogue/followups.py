"""Follow-ups that only make sense against what was just shown: cheaper, pricier, not that
brand, more like the second, start over. Each becomes a change to the dialogue state."""

from __future__ import annotations

import re
from dataclasses import dataclass

from agent.dialogue.state import DialogueState
from agent.understanding.constraints import Constraints
from retrieval.catalog import Item
from retrieval.documents import fold

ORDINALS = {"first": 0, "1st": 0, "second": 1, "2nd": 1, "third": 2, "3rd": 2, "fourth": 3, "4th": 3,
            "fifth": 4, "5th": 4, "last": -1, "top": 0}
_ORDINAL = r"(first|1st|second|2nd|third|3rd|fourth|4th|fifth|5th|last|top|#\s*\d|number\s*\d|no\.?\s*\d)"
CHEAPER = re.compile(r"\b(cheaper|less expensive|lower price|more affordable|too expensive|too pricey|"
                     r"something cheaper|on a budget)\b")
PRICIER = re.compile(r"\b(more expensive|pricier|higher[- ]end|more premium|better quality|too cheap)\b")
OTHER_BRAND = re.compile(r"\b(not (?:that|this|those|these) brands?|(?:a |an )?(?:other|different|another) brands?|"
                         r"no more (?:of )?(?:that|this) brand)\b" + rf"(?:.*?\b(?:of|from) the {_ORDINAL})?")
MORE_LIKE = re.compile(rf"\b(?:more|something|anything|others?|items?|ones?)?\s*(?:like|similar to)\s+(?:the\s+)?{_ORDINAL}"
                       r"(?:\s+one)?\b|\bsimilar to (?:that|this) one\b|\bmore like (?:that|this)(?: one)?\b")
# The whole message points at one shown item: "the second one", "tell me more about the 2nd",
# "what about the third?", "I'll take the first one". Answered with that item in detail.
DETAILS = re.compile(rf"^\s*(?:(?:tell me|show me|give me)?\s*(?:more|details|info|information)?\s*"
                     rf"(?:about|on|of|for)?|what about|how about|i(?:'d| would)? like|i(?:'ll| will) take)?"
                     rf"\s*(?:the\s+)?{_ORDINAL}(?:\s+(?:one|item|option|pick|product))?\s*(?:please)?\s*[?.!]*\s*$")
RESET = re.compile(r"\b(start over|reset|new search|forget (?:it|that|everything)|never mind)\b")
SHOW_MORE = re.compile(r"^\s*(?:show (?:me )?)?(?:more|others|other options|anything else|something else)\s*[?.!]*\s*$")
FOLLOWUP_WORDS = frozenset("cheaper expensive pricier affordable pricey premium higher end lower similar "
                           "first second third fourth fifth last 1st 2nd 3rd 4th 5th others else "
                           "different another reset start forget mind search quality".split())


@dataclass(frozen=True)
class FollowUp:
    kind: str                      # cheaper | pricier | other_brand | more_like | show_more | details | reset
    phrase: str
    item: Item | None = None       # the referenced item, where one is named


def detect_followup(message: str, state: DialogueState) -> FollowUp | None:
    text = fold(message)
    if RESET.search(text):
        return FollowUp("reset", RESET.search(text).group(0))
    if not state.has_request:
        return None
    for kind, pattern in (("details", DETAILS), ("more_like", MORE_LIKE), ("other_brand", OTHER_BRAND),
                          ("cheaper", CHEAPER), ("pricier", PRICIER), ("show_more", SHOW_MORE)):
        match = pattern.search(text)
        if kind == "details" and not state.last_shown:
            continue
        if match and (state.last_shown or kind in ("other_brand", "cheaper", "pricier", "more_like")):
            item = _referenced(match, state.last_shown) if state.last_shown else None
            return FollowUp(kind, match.group(0).strip(), item)
    return None


def _referenced(match: re.Match, shown: tuple[Item, ...]) -> Item | None:
    ordinal = next((g for g in match.groups() if g), None) if match.groups() else None
    if ordinal is None:
        return shown[0]
    digits = re.findall(r"\d", ordinal)
    index = int(digits[0]) - 1 if digits and ordinal[0] in "#n" else ORDINALS.get(ordinal, 0)
    return shown[index] if -len(shown) <= index < len(shown) else shown[0]


def apply_followup(followup: FollowUp, constraints: Constraints,
                   state: DialogueState) -> tuple[Constraints, tuple[str, ...]]:
    """The standing constraints changed as the follow-up asks (prices relative to what was shown),
    and what did not fit the limits (`Constraints.fitted`: the oldest exclusions go first)."""
    data = constraints.model_dump()
    prices = [item.price for item in state.last_shown if item.price is not None]
    if not prices:       # nothing was shown: move the standing limits instead
        prices = [p for p in (data["price_max"] and data["price_max"] * 0.8 + 0.01,
                              data["price_min"] and data["price_min"] * 1.25 - 0.01) if p]
    if followup.kind == "cheaper" and prices:     # cheaper than most of what was shown
        data["price_max"] = round(sorted(prices)[len(prices) // 2] - 0.01, 2)
        if data["price_min"] is not None and data["price_min"] > data["price_max"]:
            data["price_min"] = None
    elif followup.kind == "pricier" and prices:
        data["price_min"] = round(sorted(prices)[len(prices) // 2] + 0.01, 2)
        if data["price_max"] is not None and data["price_max"] < data["price_min"]:
            data["price_max"] = None
    elif followup.kind == "other_brand":
        # the brand of the item referred to, or (nothing shown) the brands asked for so far
        named = [followup.item.brand] if followup.item is not None and followup.item.brand else list(data["brands"])
        data["exclude_brands"] = list(dict.fromkeys(data["exclude_brands"] + named))
        data["brands"] = [b for b in data["brands"] if fold(b) not in {fold(n) for n in named}]
    return Constraints.fitted(data)
