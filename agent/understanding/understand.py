"""Understanding one message in the context of the dialogue: new request, refinement,
follow-up, or too vague to search (a clarifying question is then the turn's answer)."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from agent.dialogue.followups import FOLLOWUP_WORDS, FollowUp, apply_followup, detect_followup
from agent.dialogue.state import DialogueState
from agent.llm.interface import ChatModel
from agent.understanding.constraints import Constraints
from agent.understanding.llm_extraction import grounded, llm_constraints, merge
from agent.understanding.prompt import WorkedExamples
from agent.understanding.rules import RuleExtraction, extract_rules
from agent.understanding.vocabulary import CatalogVocabulary

log = logging.getLogger(__name__)
MAX_MESSAGE_CHARS = 2_000       # longer messages are cut (and the cut is recorded)
UNKNOWN_WORDS = "unknown words"  # a vague reason: words the catalog does not use (or not English)
NO_PRODUCT = "no product named"


@dataclass(frozen=True)
class Understanding:
    kind: str                               # new | refine | followup | vague | edit (a constraint removed)
    constraints: Constraints
    query: str                              # the retrieval query
    need: str | None
    followup: FollowUp | None = None
    reference_ids: tuple[str, ...] = ()     # items to exclude ("more like", "show more")
    matched_phrases: tuple[str, ...] = ()
    llm_status: str = "off"                 # off | valid | invalid: ... | unavailable: ...
    llm_constraints: Constraints | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)
    vague_reason: str | None = None


class MessageUnderstanding:
    def __init__(self, vocabulary: CatalogVocabulary, model: ChatModel | None = None,
                 use_llm: bool = False, worked_examples: WorkedExamples | None = None):
        self.vocabulary = vocabulary
        self.model = model
        self.use_llm = use_llm and model is not None
        self.worked_examples = worked_examples    # few-shot turns chosen per message

    def understand(self, message: str, state: DialogueState) -> Understanding:
        notes = []
        if len(message) > MAX_MESSAGE_CHARS:
            notes.append(f"message cut from {len(message):,} to {MAX_MESSAGE_CHARS:,} characters")
            message = message[:MAX_MESSAGE_CHARS]
        followup = detect_followup(message, state)
        if followup is not None and followup.kind == "reset":
            state.reset()
            followup = None
        rules = extract_rules(message, self.vocabulary)
        notes.extend(rules.cuts)
        need_words = [w for w in rules.need_words if w not in FOLLOWUP_WORDS]
        stated, llm_status, llm_raw = self._with_llm(message, rules)
        new_need = " ".join(need_words) or None
        switches_category = stated.category is not None and stated.category != state.constraints.category
        if followup is not None or (state.has_request and not new_need and not switches_category
                                    and _has_constraints(stated)):
            return self._refinement(state, stated, followup, rules, llm_status, llm_raw, notes)
        if new_need or stated.category or stated.brands:
            if new_need and not stated.category and not stated.brands and not self._known(need_words):
                return self._vague(stated, rules, UNKNOWN_WORDS, llm_status, notes)
            stated = self._colour_within_category(stated.model_copy(update={"need": new_need}))
            return Understanding("new", stated, self._query(new_need, stated), new_need,
                                 matched_phrases=tuple(rules.matched), llm_status=llm_status,
                                 llm_constraints=llm_raw, notes=tuple(notes))
        return self._vague(stated, rules, NO_PRODUCT, llm_status, notes)

    def from_state(self, state: DialogueState, note: str | None = None) -> Understanding:
        """The standing request as the state holds it now, with no new message: used after the
        shopper removed one of the understood constraints (`DialogueState.drop_constraint`)."""
        notes = (note,) if note else ()
        constraints = state.constraints.model_copy(update={"need": state.need})
        if not (state.need or constraints.category or constraints.brands):
            return Understanding("vague", constraints, "", None, notes=notes, vague_reason=NO_PRODUCT)
        return Understanding("edit", constraints, self._query(state.need, constraints), state.need, notes=notes)

    # -- pieces --------------------------------------------------------------------------------
    def _with_llm(self, message: str, rules: RuleExtraction):
        if not self.use_llm:
            return rules.constraints, "off", None
        raw, status = llm_constraints(self.model, message, self.worked_examples)
        if raw is None:
            return rules.constraints, status, None
        return merge(rules.constraints, grounded(raw, message, self.vocabulary)), status, raw

    def _refinement(self, state, stated, followup, rules, llm_status, llm_raw, notes) -> Understanding:
        constraints, cuts = _overlay(state.constraints, stated)
        notes = [*notes, *cuts]
        if followup is not None:
            constraints, cuts = apply_followup(followup, constraints, state)
            notes = [*notes, *cuts]
        need = state.need
        exclude: tuple[str, ...] = ()
        query_need = need
        if followup is not None and followup.kind == "more_like" and followup.item is not None:
            query_need = followup.item.title
            exclude = tuple(item.item_id for item in state.last_shown)
        elif followup is not None and followup.kind == "show_more":
            exclude = state.seen_ids
        constraints = self._colour_within_category(constraints.model_copy(update={"need": need}))
        return Understanding("followup" if followup else "refine", constraints,
                             self._query(query_need, constraints), need, followup=followup,
                             reference_ids=exclude, matched_phrases=tuple(rules.matched),
                             llm_status=llm_status, llm_constraints=llm_raw, notes=tuple(notes))

    def _vague(self, stated, rules, reason, llm_status, notes) -> Understanding:
        return Understanding("vague", stated, "", None, matched_phrases=tuple(rules.matched),
                             llm_status=llm_status, notes=tuple(notes), vague_reason=reason)

    def _colour_within_category(self, constraints: Constraints) -> Constraints:
        """A colour filters only within a category: catalogs keep colour in different attributes per
        product type (a toner's is "printing colours"), so across types it ranks instead of filtering."""
        name = self.vocabulary.colour_attribute
        if constraints.category or not name or name not in constraints.attributes:
            return constraints
        attributes = {k: v for k, v in constraints.attributes.items() if k != name}
        colour = str(constraints.attributes[name]).lower()
        return constraints.model_copy(update={
            "attributes": attributes,
            "soft_preferences": list(dict.fromkeys(constraints.soft_preferences + [colour]))})

    def _known(self, need_words: list[str]) -> bool:
        known = [w for w in need_words if self.vocabulary.is_known(w)]
        return len(known) >= max(1, len(need_words) // 2)

    def _query(self, need: str | None, constraints: Constraints) -> str:
        parts = [need or ""]
        if constraints.category and (not need or constraints.category.lower() not in need.lower()):
            parts.append(constraints.category)
        colour = self.vocabulary.colour_attribute
        if colour and colour in constraints.attributes:
            parts.insert(0, str(constraints.attributes[colour]))
        else:       # a colour kept as a wish still steers the search
            parts.insert(0, " ".join(p for p in constraints.soft_preferences if p in self.vocabulary.colours))
        parts += constraints.brands
        return " ".join(p for p in parts if p).strip()


def _has_constraints(constraints: Constraints) -> bool:
    return any([constraints.price_min is not None, constraints.price_max is not None, constraints.brands,
                constraints.exclude_brands, constraints.category, constraints.min_rating is not None,
                constraints.attributes])


def _overlay(standing: Constraints, stated: Constraints) -> tuple[Constraints, tuple[str, ...]]:
    """Newly stated values replace standing ones; exclusions accumulate (the newest kept within
    the limits; what was cut comes back as notes)."""
    data = standing.model_dump()
    for key in ("category", "price_min", "price_max", "min_rating"):
        if getattr(stated, key) is not None:
            data[key] = getattr(stated, key)
    if stated.brands:
        data["brands"] = list(stated.brands)
    data["exclude_brands"] = list(dict.fromkeys(data["exclude_brands"] + stated.exclude_brands))
    data["brands"] = [b for b in data["brands"] if b not in data["exclude_brands"]]
    data["attributes"] = {**data["attributes"], **stated.attributes}
    data["soft_preferences"] = list(dict.fromkeys(data["soft_preferences"] + stated.soft_preferences))
    if data["price_min"] is not None and data["price_max"] is not None and data["price_min"] > data["price_max"]:
        data["price_min"] = None
    return Constraints.fitted(data)
