"""One explanation per item: the LLM writes a sentence from the item's facts, the guard checks it,
and a sentence built from the record replaces it when it states anything the record does not."""

from __future__ import annotations

import logging
import re
import time
from dataclasses import dataclass

from agent.explanation.facts import ItemFacts, format_price
from agent.explanation.faithfulness import FaithfulnessGuard, split_sentences
from agent.explanation.templates import describe_constraints, template_explanation
from agent.llm.interface import ChatModel, LLMUnavailable, Message
from agent.understanding.constraints import Constraints

log = logging.getLogger(__name__)
SYSTEM_PROMPT = ("You are a shopping assistant. In one short sentence, say why the product suits the "
                 "shopper. Use only the facts listed; never add numbers, brands or features.")
PREFIX = "It"
MIN_SENTENCE_CHARS = 12
SENTENCE_END = re.compile(r"[.!?](?=\s)")


@dataclass(frozen=True)
class Explanation:
    item_id: str
    text: str                         # what the reply shows
    source: str                       # llm | template
    model_text: str | None = None     # what the model wrote, when it wrote something
    problems: tuple[str, ...] = ()    # why the model's sentence was replaced
    model_seconds: float = 0.0
    first_token_s: float | None = None


def explanation_messages(facts: ItemFacts, need: str | None, constraints: Constraints) -> list[Message]:
    item = facts.item
    lines = [f"Shopper wants: {need or 'a recommendation'}" +
             (f" ({describe_constraints(constraints)})" if describe_constraints(constraints) else ""),
             f"Product: {item.title[:160]}"]
    if item.brand:
        lines.append(f"Brand: {item.brand}")
    if item.price is not None:
        lines.append(f"Price: {format_price(item.price, item.currency)}")
    if item.rating is not None:
        lines.append(f"Rating: {item.rating:g} of 5")
    if facts.attributes:
        lines.append("Facts: " + "; ".join(f"{n}: {v}" for n, v in facts.attributes))
    for snippet in facts.snippets:
        lines.append(f'Review: "{snippet}"')
    return [{"role": "system", "content": SYSTEM_PROMPT}, {"role": "user", "content": "\n".join(lines)},
            {"role": "assistant", "content": PREFIX}]


class ExplanationWriter:
    def __init__(self, model: ChatModel | None, guard: FaithfulnessGuard, max_tokens: int = 28):
        self.model = model
        self.guard = guard
        self.max_tokens = max_tokens

    def explain(self, facts: ItemFacts, need: str | None, constraints: Constraints) -> Explanation:
        """Raises LLMUnavailable when the model fails; the caller falls back for the rest."""
        template = template_explanation(facts, constraints)
        if self.model is None:
            return Explanation(facts.item.item_id, template, "template")
        started = time.perf_counter()
        first_token_s = None
        generated, complete = "", False
        stream = self.model.stream(explanation_messages(facts, need, constraints),
                                   max_tokens=self.max_tokens, stop=("\n",))
        try:
            for piece in stream:
                if first_token_s is None:
                    first_token_s = time.perf_counter() - started
                generated += piece
                end = SENTENCE_END.search(generated)
                if end:                  # one sentence is all we asked for: stop the model here
                    generated, complete = generated[:end.start() + 1], True
                    break
        finally:
            stream.close()
        complete = complete or generated.rstrip().endswith((".", "!", "?"))
        seconds = time.perf_counter() - started
        sentence = _as_sentence(PREFIX + generated)
        problems = self._problems(sentence, facts) if complete else ("unfinished sentence",)
        if problems:
            return Explanation(facts.item.item_id, template, "template", sentence, problems, seconds, first_token_s)
        return Explanation(facts.item.item_id, sentence, "llm", sentence, (), seconds, first_token_s)

    def _problems(self, sentence: str, facts: ItemFacts) -> tuple[str, ...]:
        if len(sentence) < MIN_SENTENCE_CHARS:
            return ("too short",)
        problems: list[str] = []
        if not self.guard.states_a_fact(sentence, facts):
            problems.append("states no fact of the item")
        for part in split_sentences(sentence):
            problems += self.guard.check(part, facts).problems
        return tuple(problems)


def _as_sentence(text: str) -> str:
    text = " ".join(text.split()).strip()
    if text and text[-1] not in ".!?":
        text += "."
    return text


def fallback(facts: ItemFacts, constraints: Constraints, reason: str) -> Explanation:
    return Explanation(facts.item.item_id, template_explanation(facts, constraints), "template", problems=(reason,))
