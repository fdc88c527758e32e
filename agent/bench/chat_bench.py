"""`shopwise bench chat`: scripted conversations through the whole turn, timed and checked.

Reports items-ready, first-text, first-model-token and whole-turn p50/p90, and counts what must
be zero: items outside the catalog, items breaking an extracted hard constraint, and explanation
sentences the faithfulness guard rejects when re-checked on the final reply. Also counts items
breaking the script's expected constraints (what the shopper actually asked) and scores the
constraint extraction (precision/recall/F1) against the script.
"""

from __future__ import annotations

import json
import logging
import os
import platform
import time
from contextlib import ExitStack
from pathlib import Path

import numpy as np
from tqdm import tqdm

from agent.bench.chat_script import scripted_turns
from agent.bench.extraction_score import ExtractionScore
from agent.explanation.facts import item_facts
from agent.explanation.faithfulness import split_sentences
from agent.turn.assistant import ShoppingAssistant, TurnConfig
from agent.turn.steps import TurnRecord
from agent.understanding.constraints import Constraints
from shopwise.config import Settings
from shopwise.errors import UserFacingError

log = logging.getLogger(__name__)


def _percentile(values: list[float], q: float) -> float | None:
    values = [v for v in values if v is not None]
    return float(np.percentile(values, q)) if values else None


def _expected_constraints(expected: dict, extracted: dict) -> Constraints:
    """The script's constraints with relative values resolved to what the turn used."""
    data = {k: (extracted.get(k) if isinstance(v, str) and v[:1] in "<>" else v) for k, v in expected.items()}
    return Constraints.model_validate(data)


class ChatBench:
    def __init__(self, assistant: ShoppingAssistant):
        self.assistant = assistant
        self.score = ExtractionScore()
        self.records: list[TurnRecord] = []
        self.details: list[dict] = []          # one line per turn, for reading what went wrong
        self.counts = {"items_outside_catalog": 0, "hard_constraint_violations": 0, "unfaithful_sentences": 0,
                       "expected_constraint_violations": 0, "explanation_sentences": 0, "model_sentences_kept": 0,
                       "model_sentences_replaced": 0, "clarifying_questions": 0, "empty_answers": 0}

    def run(self, limit: int | None = None, after_turn=None) -> None:
        turns = scripted_turns()[:limit] if limit else scripted_turns()
        session, current = None, None
        previous_constraints: dict = {}
        shown_prices: list[float] = []
        for conversation, scripted in tqdm(turns, desc="chat turns", unit="turn"):
            if conversation != current:
                session, current, previous_constraints, shown_prices = self.assistant.session(), conversation, {}, []
            record = session.reply(scripted.message)
            self.records.append(record)
            extracted = dict(record.understanding.constraints)
            extracted.pop("need", None)
            extracted.pop("soft_preferences", None)
            self.score.add(scripted.expected, extracted, previous_constraints, shown_prices)
            self.check(record, scripted.expected, extracted)
            self.details.append({"conversation": conversation, "message": scripted.message[:200],
                                 "expected": scripted.expected, "extracted": extracted,
                                 "llm_status": record.understanding.llm_status, "outcome": record.outcome,
                                 "shown": list(record.shown_item_ids),
                                 "reply": record.reply, "timings": record.timings.__dict__})
            if record.shown_item_ids:
                shown_prices = [p for p in (self.assistant.index.catalog[i].price for i in record.shown_item_ids
                                            if i in self.assistant.index.catalog) if p is not None]
            previous_constraints = extracted
            if after_turn is not None:
                after_turn(self)

    def check(self, record: TurnRecord, expected: dict, extracted: dict) -> None:
        catalog = self.assistant.index.catalog
        used = Constraints.model_validate(record.understanding.constraints).to_filters()
        wanted = _expected_constraints(expected, extracted).to_filters()
        self.counts["clarifying_questions"] += record.outcome == "clarify"
        self.counts["empty_answers"] += record.outcome == "nothing"
        for item_id in record.shown_item_ids:
            item = catalog.get(item_id)
            if item is None:
                self.counts["items_outside_catalog"] += 1
                continue
            self.counts["hard_constraint_violations"] += not used.matches(item)
            self.counts["expected_constraint_violations"] += not wanted.matches(item)
        if record.generation is None:
            return
        guard = self.assistant.writer.guard
        for explanation in record.generation.explanations:
            item = catalog.get(explanation["item_id"])
            facts = item_facts(item, self.assistant.reviews.for_item(item.item_id))
            for sentence in split_sentences(explanation["text"]):
                self.counts["explanation_sentences"] += 1
                self.counts["unfaithful_sentences"] += not guard.check(sentence, facts).faithful
        self.counts["model_sentences_kept"] += record.generation.model_sentences
        self.counts["model_sentences_replaced"] += record.generation.replaced_sentences

    def figures(self) -> dict:
        answered = [r for r in self.records if r.outcome in ("answer", "nothing")]
        asked = [r.understanding.llm_status for r in self.records if r.understanding.llm_status != "off"]
        timings = [r.timings for r in self.records]
        return {
            "turns": len(self.records),
            "turns_with_items": sum(1 for r in self.records if r.shown_item_ids),
            "items_ready_p50_s": _percentile([t.items_ready_s for t in timings], 50),
            "items_ready_p90_s": _percentile([t.items_ready_s for t in timings], 90),
            "first_text_p50_s": _percentile([t.first_text_s for t in timings], 50),
            "first_model_token_p50_s": _percentile([t.first_model_token_s for t in timings], 50),
            "first_explanation_p50_s": _percentile([t.first_explanation_s for t in timings], 50),
            "turn_p50_s": _percentile([t.total_s for t in timings], 50),
            "turn_p90_s": _percentile([t.total_s for t in timings], 90),
            "answered_turns": len(answered),
            **self.counts,
            "extraction_precision": round(self.score.precision, 4),
            "extraction_recall": round(self.score.recall, 4),
            "extraction_f1": round(self.score.f1, 4),
            "extraction_facts_expected": self.score.expected,
            "extraction_facts_extracted": self.score.extracted,
            # --llm-understanding: share of the model's replies that were constraints JSON of the schema
            "llm_turns": len(asked),
            "llm_valid_json_rate": round(asked.count("valid") / len(asked), 4) if asked else None,
        }


def run(args, settings: Settings) -> int:
    from agent.builder import build_assistant
    from agent.explanation.reviews import ReviewSnippets
    from agent.llm.config import LLMConfig
    from agent.llm.factory import build_chat_model
    from agent.session_setup import catalog_store
    from evals.report import write_bench_report
    from retrieval.embeddings import build_embedder
    from retrieval.service import open_index

    if not (args.data / "items.jsonl").is_file() and not (args.data / "items.jsonl.gz").is_file():
        raise UserFacingError(f"{args.data} has no items.jsonl[.gz]: pass a dataset folder")
    embedder = build_embedder(settings.embedder, settings.model_cache)
    store, folder = catalog_store(settings, args.data, None, embedder)
    index = open_index(store, settings, embedder=embedder)
    with ExitStack() as stack:
        url = args.llm_url
        if args.serve_vllm:
            url = stack.enter_context(_vllm(settings, args.model)).url
        config = LLMConfig(backend="openai", url=url, model=None) if url else LLMConfig(model=args.model)
        model = None if args.no_llm else build_chat_model(config, settings.model_cache)
        assistant = build_assistant(index, model, reviews=ReviewSnippets.from_folder(folder),
                                    llm_understanding=args.llm_understanding, config=TurnConfig(items_shown=3))
        assistant.session().reply("a usb cable")          # warm-up: caches, first compiled kernels
        bench = ChatBench(assistant)
        started = time.perf_counter()

        def figures_now(complete: bool) -> dict:
            return {"dataset": args.data.name, "catalog_items": len(index.catalog),
                    "backend": "none" if model is None else config.backend,
                    "model": getattr(model, "name", None), "llm_understanding": args.llm_understanding,
                    "items_shown": 3, "machine": f"{platform.machine()} {_cores()} cores",
                    "load_average_1min": round(os.getloadavg()[0], 2), "complete": complete,
                    **bench.figures(), "bench_seconds": round(time.perf_counter() - started, 1)}

        def save_partial(_: ChatBench) -> None:      # a long run keeps what it has measured so far
            partial = args.json.with_suffix(".partial.json")
            partial.parent.mkdir(parents=True, exist_ok=True)
            partial.write_text(json.dumps(figures_now(False), indent=2))

        bench.run(args.limit, after_turn=save_partial)
        figures = figures_now(True)
    details = args.json.with_suffix(".turns.jsonl")
    details.parent.mkdir(parents=True, exist_ok=True)
    details.write_text("".join(json.dumps(d, default=str) + "\n" for d in bench.details))
    chart = {"p50 seconds": {k: v for k, v in figures.items() if k.endswith("p50_s") and v is not None}}
    md, png = write_bench_report(args.json, figures, f"chat turns on {args.data.name} ({figures['backend']})", chart)
    args.json.with_suffix(".partial.json").unlink(missing_ok=True)
    for key in ("items_ready_p50_s", "first_text_p50_s", "first_model_token_p50_s", "turn_p50_s",
                "items_outside_catalog", "hard_constraint_violations", "unfaithful_sentences", "extraction_f1"):
        print(f"{key:32s} {figures[key]}")
    if figures["llm_turns"]:
        print(f"{'llm_valid_json_rate':32s} {figures['llm_valid_json_rate']} of {figures['llm_turns']} turns")
    print(f"wrote {args.json}, {md.name}, {png.name}")
    return 0


def _vllm(settings: Settings, model: str | None):
    from agent.llm.model_files import resolve_model_dir
    from agent.serving.vllm_server import VllmServeConfig, VllmServer, ensure_environment

    config = VllmServeConfig(model_dir=resolve_model_dir(model, settings.model_cache), port=8019)
    log_file = settings.home / "logs" / "vllm-bench.log"
    log_file.parent.mkdir(parents=True, exist_ok=True)
    return VllmServer(ensure_environment(), config, log_file=log_file)


def _cores() -> int:
    import os

    return len(os.sched_getaffinity(0))
