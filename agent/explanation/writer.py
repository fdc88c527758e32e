"""One explanation per item: the LLM writes a sentence from the item's facts, the guard checks it,
and a sentence built from the record replaces it when it states anything the record does not."""

from __future__ import annotations

import logging
import re
import time
from dataclasses import dataclass

from agent.explanation.facts import ItemFacts
from agent.explanation.faithfulness import FaithfulnessGuard, split_sentences
from agent.explanation.prompt import PREFIX, explanation_messages
from agent.explanation.templates import describe_constraints, template_explanation
from agent.llm.interface import ChatModel, LLMUnavailable
from agent.understanding.constraints import Constraints

log = logging.getLogger(__name__)
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


class ExplanationWriter:
    def __init__(self, model: ChatModel | None, guard: FaithfulnessGuard, max_tokens: int = 28):
        self.model = model
        self.guard = guard
        self.max_tokens = max_tokens

    def explain(self, facts: ItemFacts, need: str | None, constraints: Constraints,
                likes: tuple[str, ...] = ()) -> Explanation:
        """`likes`: what this shopper likes most (their profile), which the sentence may mention.
        Raises LLMUnavailable when the model fails; the caller falls back for the rest."""
        template = template_explanation(facts, constraints)
        if self.model is None:
            return Explanation(facts.item.item_id, template, "template")
        started = time.perf_counter()
        first_token_s = None
        generated, complete = "", False
        stream = self.model.stream(explanation_messages(facts, need, describe_constraints(constraints), likes),
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
