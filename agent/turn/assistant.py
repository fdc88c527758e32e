"""The shopping assistant: a session per shopper, one generator of events per message.

    assistant = ShoppingAssistant(index, understanding, writer)
    session = assistant.session(user_id="u1")
    for event in session.send("black toner for HP under 80"):
        ...   # ItemsReady, then TextChunk / ExplanationReady, then TurnDone

Any `Ranker` and `CandidateSource`s (profiles, co-purchase) plug in through the constructor;
the search source is always there. Items are guarded before they are shown, explanations before
they are written out.
"""

from __future__ import annotations

import logging
import time
import uuid
from dataclasses import asdict, dataclass
from typing import Callable, Iterator, Sequence

from agent.dialogue.state import DialogueState
from agent.dialogue.suggestions import RequestSuggestions
from agent.explanation.facts import ItemFacts, item_facts
from agent.explanation.reviews import ReviewSnippets
from agent.explanation.templates import clarifying_question, details_lines, intro, item_line, nothing_found
from agent.explanation.writer import Explanation, ExplanationWriter, fallback
from agent.llm.interface import LLMUnavailable
from agent.ranking.baseline import BaselineRanker, SearchCandidates
from agent.ranking.interface import (Candidate, CandidateSource, RankedItem, Ranker, RankingContext,
                                     merge_candidates)
from agent.turn.events import ExplanationReady, ItemsReady, TextChunk, TurnDone, TurnEvent
from agent.turn.item_guard import admissible
from agent.turn.steps import (GenerationStep, RankingStep, RetrievalStep, TurnRecord, TurnTimings,
                              UnderstandingStep, hash_id)
from agent.understanding.understand import UNKNOWN_WORDS, MessageUnderstanding, Understanding
from retrieval.index import CatalogIndex

log = logging.getLogger(__name__)
EMPTY_MESSAGE_REPLY = "Please type what you are looking for — for example a product, a budget or a brand."
LLM_DOWN_NOTE = "(The language model is unavailable right now, so these explanations come straight from the product records.)"


@dataclass(frozen=True)
class TurnConfig:
    items_shown: int = 3
    candidate_depth: int = 50
    search_method: str = "shopwise"


class ShoppingAssistant:
    def __init__(self, index: CatalogIndex, understanding: MessageUnderstanding, writer: ExplanationWriter,
                 ranker: Ranker | None = None, sources: list[CandidateSource] = (),
                 reviews: ReviewSnippets | None = None, config: TurnConfig = TurnConfig(),
                 shopper_likes: Callable[[str], Sequence[str]] | None = None):
        """`shopper_likes(user_id)`: what a known shopper likes most (brands, categories), which the
        explanation prompt may mention, as `finetune data` trains it; only ever that shopper's own."""
        self.index = index
        self.shopper_likes = shopper_likes
        self.understanding = understanding
        self.writer = writer
        self.ranker = ranker or BaselineRanker()
        self.search = SearchCandidates(index, config.search_method)
        self.sources = list(sources)
        self.reviews = reviews or ReviewSnippets()
        self.config = config
        self.suggestions = RequestSuggestions(index.catalog.values(), index.embedder)

    def session(self, user_id: str | None = None, session_id: str | None = None) -> "ChatSession":
        return ChatSession(self, user_id, session_id or uuid.uuid4().hex)

    def example_requests(self, message: str | None = None) -> list[str]:
        """Requests a shopper could send: the catalog's product types nearest to `message` (its
        largest types without one), each with a budget at least half of that type fits."""
        return self.suggestions.examples(message) or ["a wireless mouse under 30"]


class ChatSession:
    def __init__(self, assistant: ShoppingAssistant, user_id: str | None, session_id: str):
        self.assistant = assistant
        self.user_id = user_id
        self.session_id = session_id
        self.state = DialogueState()
        self.records: list[TurnRecord] = []

    def send(self, message: str) -> Iterator[TurnEvent]:
        """Run one turn; the dialogue state is updated only once the turn has completed."""
        yield from self._run(_Turn(self, message if isinstance(message, str) else ""))

    def rerun(self, note: str | None = None) -> Iterator[TurnEvent]:
        """Run the standing request again without a new message, e.g. after the shopper removed a
        constraint with `state.drop_constraint(...)`; `note` goes into the turn's record."""
        understood = self.assistant.understanding.from_state(self.state, note)
        yield from self._run(_Turn(self, "", understood))

    def _run(self, turn: "_Turn") -> Iterator[TurnEvent]:
        yield from turn.run()
        self.records.append(turn.record)
        self.state.turns += 1
        log.info("turn %d of session %s: %s, %d items, %.2f s", self.state.turns, hash_id(self.session_id),
                 turn.record.outcome, len(turn.record.shown_item_ids), turn.record.timings.total_s)

    def reply(self, message: str) -> TurnRecord:
        """Run a turn to the end and return its record (for scripts and tests)."""
        for _ in self.send(message):
            pass
        return self.records[-1]


class _Turn:
    """The work of one message; keeps its step records as it goes."""

    def __init__(self, session: ChatSession, message: str, understood: Understanding | None = None):
        self.session = session
        self.understood = understood          # given for a re-run of the standing request
        self.assistant = session.assistant
        self.message = message
        self.started = time.perf_counter()
        self.timings: dict[str, float | None] = {}
        self.text: list[str] = []
        self.record: TurnRecord | None = None

    def elapsed(self) -> float:
        return time.perf_counter() - self.started

    def say(self, text: str) -> TextChunk:
        self.timings.setdefault("first_text_s", self.elapsed())
        self.text.append(text)
        return TextChunk(text)

    def run(self) -> Iterator[TurnEvent]:
        state = self.session.state
        if self.understood is None and not self.message.strip():
            yield self.say(EMPTY_MESSAGE_REPLY)
            yield self.done("empty", UnderstandingStep("empty", {}, ""))
            return
        began = time.perf_counter()
        understood = self.understood or self.assistant.understanding.understand(self.message, state)
        understanding = _understanding_step(understood, time.perf_counter() - began)
        if understood.kind == "vague":
            near = self.message if understood.vague_reason == UNKNOWN_WORDS else None
            yield self.say(clarifying_question(understood.vague_reason, self.assistant.example_requests(near)))
            yield self.done("clarify", understanding)
            return
        if understood.followup is not None and understood.followup.kind == "details":
            yield from self.details(understood.followup.item, understood, understanding)
            return
        context = RankingContext(query=understood.query, filters=understood.constraints.to_filters(
            exclude_ids=understood.reference_ids), user_id=self.session.user_id,
            session_item_ids=state.seen_ids, soft_preferences=tuple(understood.constraints.soft_preferences))
        candidates, retrieval = self.retrieve(context)
        shown, ranking = self.rank(context, candidates)
        self.timings["items_ready_s"] = self.elapsed()
        yield ItemsReady(tuple(shown))
        state.constraints, state.need = understood.constraints, understood.need
        if not shown:
            yield self.say(nothing_found(understood.need, understood.constraints))
            yield self.done("nothing", understanding, retrieval, ranking)
            return
        generation = yield from self.explain(shown, understood)
        state.after_answer([entry.item for entry in shown])
        yield self.done("answer", understanding, retrieval, ranking, generation, shown)

    # -- steps ---------------------------------------------------------------------------------
    def retrieve(self, context: RankingContext) -> tuple[list[Candidate], RetrievalStep]:
        began = time.perf_counter()
        depth = self.assistant.config.candidate_depth
        groups = [self.assistant.search.candidates(context, depth)]
        failed = []
        for source in self.assistant.sources:
            try:
                groups.append(source.candidates(context, depth))
            except Exception:       # a broken personal source must not break the turn
                log.exception("candidate source %s failed; ranking without it", getattr(source, "name", source))
                failed.append(getattr(source, "name", type(source).__name__))
        merged = merge_candidates(*groups)
        by_source: dict[str, int] = {}
        for candidate in merged:
            for name in candidate.sources:
                by_source[name] = by_source.get(name, 0) + 1
        return merged, RetrievalStep(context.query, _filters_dict(context.filters), len(merged), by_source,
                                     tuple(failed), time.perf_counter() - began)

    def rank(self, context: RankingContext, candidates: list[Candidate]) -> tuple[list[RankedItem], RankingStep]:
        began = time.perf_counter()
        k = self.assistant.config.items_shown
        ranked = self.assistant.ranker.rank(context, candidates, max(k * 4, k + 10))
        shown, dropped = admissible(ranked, self.assistant.index.catalog, context.filters, k)
        if dropped:
            log.warning("item guard dropped %d ranked items: %s", len(dropped), sorted({why for _, why in dropped}))
        return shown, RankingStep(type(self.assistant.ranker).__name__, tuple(r.item.item_id for r in shown),
                                  tuple(round(r.score, 6) for r in shown),
                                  tuple(dict(r.contributions) for r in shown), tuple(dropped),
                                  time.perf_counter() - began)

    def details(self, item, understood: Understanding, understanding: UnderstandingStep):
        """"The second one": that shown item alone, explained, with its record's details and what
        reviewers say. The standing request and the shown list stay as they were, so "the third"
        still points into the same answer."""
        shown = [RankedItem(item=item, score=0.0, contributions={})]
        self.timings["items_ready_s"] = self.elapsed()
        yield ItemsReady(tuple(shown))
        position = self.session.state.last_shown.index(item) + 1
        generation = yield from self.explain(shown, understood, heading=f"More about item {position}:",
                                             numbers=(position,))
        facts = item_facts(item, self.assistant.reviews.for_item(item.item_id))
        for line in details_lines(facts):
            yield self.say("   " + line + "\n")
        yield self.done("details", understanding, generation=generation, shown=shown)

    def explain(self, shown: list[RankedItem], understood: Understanding, heading: str | None = None,
                numbers: tuple[int, ...] | None = None):
        began = time.perf_counter()
        writer = self.assistant.writer
        yield self.say((heading or intro(understood.need, understood.constraints, len(shown))) + "\n")
        explanations: list[Explanation] = []
        fallback_reason = None
        user_id, likes_of = self.session.user_id, self.assistant.shopper_likes
        likes = tuple(likes_of(user_id)) if user_id and likes_of else ()
        for index, entry in enumerate(shown):
            facts = item_facts(entry.item, self.assistant.reviews.for_item(entry.item.item_id))
            yield self.say(item_line(numbers[index] if numbers else index + 1, facts) + "\n")
            explanation = None
            asked_at = self.elapsed()
            if fallback_reason is None:
                try:
                    explanation = writer.explain(facts, understood.need, understood.constraints, likes)
                except LLMUnavailable as error:
                    fallback_reason = str(error)
                    yield self.say(LLM_DOWN_NOTE + "\n")
            explanation = explanation or fallback(facts, understood.constraints, "model unavailable")
            if explanation.first_token_s is not None:
                self.timings.setdefault("first_model_token_s", asked_at + explanation.first_token_s)
            explanations.append(explanation)
            self.timings.setdefault("first_explanation_s", self.elapsed())
            yield ExplanationReady(index, entry.item.item_id, explanation.text, explanation.source)
            yield self.say("   " + explanation.text + "\n")
        return GenerationStep(
            explanations=tuple(asdict(e) for e in explanations),
            model=getattr(writer.model, "name", None),
            model_sentences=sum(1 for e in explanations if e.source == "llm"),
            replaced_sentences=sum(1 for e in explanations if e.model_text is not None and e.source != "llm"),
            fallback_reason=fallback_reason, seconds=time.perf_counter() - began)

    def done(self, outcome: str, understanding: UnderstandingStep, retrieval=None, ranking=None,
             generation=None, shown: list[RankedItem] = ()) -> TurnDone:
        timings = TurnTimings(total_s=self.elapsed(), **self.timings)
        self.record = TurnRecord(
            turn=self.session.state.turns + 1, session=hash_id(self.session.session_id),
            user=hash_id(self.session.user_id), outcome=outcome, reply="".join(self.text),
            shown_item_ids=tuple(r.item.item_id for r in shown), understanding=understanding,
            retrieval=retrieval, ranking=ranking, generation=generation, timings=timings)
        return TurnDone(self.record)


def _understanding_step(understood: Understanding, seconds: float) -> UnderstandingStep:
    return UnderstandingStep(
        kind=understood.kind, constraints=understood.constraints.model_dump(exclude_defaults=True),
        query=understood.query, matched_phrases=understood.matched_phrases,
        followup=understood.followup.kind if understood.followup else None,
        llm_status=understood.llm_status, notes=understood.notes, seconds=seconds)


def _filters_dict(filters) -> dict:
    return {k: v for k, v in asdict(filters).items() if v not in (None, (), [])}
