"""Constraint extraction by the LLM: a prompt, schema-validated JSON, and grounding checks.

The model's JSON is parsed with the `Constraints` schema; a value is then kept only when it is
grounded — a brand or category from the catalog's vocabulary that the message mentions, a price
the shopper typed. The prompt is `agent.understanding.prompt`'s, the format the fine-tuning data
uses; worked examples (few-shot) come from a callable (`finetune.fewshot` builds them).
"""

from __future__ import annotations

import json
import logging
import re

from pydantic import ValidationError

from agent.llm.interface import ChatModel, LLMUnavailable
from agent.llm.local import first_json_object
from agent.understanding.constraints import Constraints
from agent.understanding.prompt import WorkedExamples, understanding_messages
from agent.understanding.vocabulary import CatalogVocabulary
from retrieval.documents import fold

log = logging.getLogger(__name__)
MAX_JSON_TOKENS = 160


def llm_constraints(model: ChatModel, message: str,
                    worked_examples: WorkedExamples | None = None) -> tuple[Constraints | None, str]:
    """The model's constraints (None when its output is not valid JSON of the schema) and why."""
    examples = worked_examples(message) if worked_examples else ()
    try:
        raw = model.complete_json(understanding_messages(message, examples), Constraints.decoding_schema(),
                                  max_tokens=MAX_JSON_TOKENS)
    except LLMUnavailable as error:
        return None, f"unavailable: {error}"
    text = first_json_object(raw)
    if text is None:
        return None, "no JSON object in the output"
    try:
        value = json.loads(text)
    except ValueError as error:
        return None, f"invalid: {str(error).splitlines()[0][:120]}"
    return _validated(value)


def _validated(value) -> tuple[Constraints | None, str]:
    """The reply as `Constraints`; a field that breaks the schema (a rating of 80: the JSON
    decoder cannot enforce number ranges) is dropped and its neighbours kept."""
    if not isinstance(value, dict):
        return None, "invalid: not a JSON object"
    try:
        return Constraints.model_validate(value), "valid"
    except ValidationError as error:
        bad = {str(e["loc"][0]) for e in error.errors() if e["loc"]}
    kept = {key: v for key, v in value.items() if key not in bad}
    try:
        return Constraints.model_validate(kept), f"valid without {', '.join(sorted(bad))}"
    except ValidationError as error:
        return None, f"invalid: {str(error).splitlines()[0][:120]}"


def grounded(llm: Constraints, message: str, vocabulary: CatalogVocabulary) -> Constraints:
    """Only the values that name catalog vocabulary the message mentions, or numbers it contains."""
    text = fold(message)
    numbers = {float(n) for n in re.findall(r"\d+(?:\.\d+)?", text)}

    def mentioned(phrase: str) -> bool:
        return re.search(r"(?<![a-z0-9])" + re.escape(fold(phrase)) + r"(?![a-z0-9])", text) is not None

    def brands(values: list[str]) -> list[str]:
        return [vocabulary.brands[fold(v)] for v in values if fold(v) in vocabulary.brands and mentioned(v)]

    category = vocabulary.categories.get(fold(llm.category)) if llm.category else None
    attributes = {}
    for name, value in llm.attributes.items():
        if name == vocabulary.colour_attribute and isinstance(value, str) and fold(value) in vocabulary.colours \
                and mentioned(value):
            attributes[name] = vocabulary.colours[fold(value)]
        elif fold(name) in vocabulary.features and isinstance(value, bool) and mentioned(name):
            attributes[vocabulary.features[fold(name)]] = value
    excluded = brands(llm.exclude_brands)
    return Constraints(
        need=llm.need, category=category if category and mentioned(category.rstrip("s")) else None,
        price_min=llm.price_min if llm.price_min in numbers else None,
        price_max=llm.price_max if llm.price_max in numbers else None,
        brands=[b for b in brands(llm.brands) if b not in excluded], exclude_brands=excluded,
        min_rating=llm.min_rating if llm.min_rating in numbers else None,
        attributes=attributes, soft_preferences=[p for p in llm.soft_preferences if mentioned(p)][:3])


PRICE_FIELDS = ("price_min", "price_max")


def merge(rules: Constraints, llm: Constraints) -> Constraints:
    """Rules win where they found a value; grounded LLM values fill the gaps, and never overturn
    what the rules read: a price read for one bound ("under 150") is not taken for the other, a
    brand the shopper asked for is not excluded (nor an excluded one asked for), and a category
    must name the whole product the rules read ("notebook bag" is not the category Notebook)."""
    data = rules.model_dump()
    prices_read = {data[key] for key in PRICE_FIELDS if data[key] is not None}
    for key, value in llm.model_dump().items():
        if key == "need" or (key in PRICE_FIELDS and value in prices_read):
            continue
        if key == "category" and value and not _names_the_need(value, rules.need):
            continue
        if data.get(key) in (None, [], {}) and value not in (None, [], {}):
            data[key] = value
    data["exclude_brands"] = [b for b in data["exclude_brands"] if b not in rules.brands]
    data["brands"] = [b for b in data["brands"] if b not in data["exclude_brands"]]
    return Constraints.model_validate(data)


def _names_the_need(category: str, need: str | None) -> bool:
    def words(text: str) -> set[str]:
        return {w.removesuffix("s") for w in re.findall(r"[a-z0-9]+", fold(text))}
    return not need or words(need) <= words(category)
