"""Wiring a shopping assistant from settings: the one place that builds its clients."""

from __future__ import annotations

import logging
from pathlib import Path

from agent.explanation.faithfulness import FaithfulnessGuard
from agent.explanation.reviews import ReviewSnippets
from agent.explanation.writer import ExplanationWriter
from agent.llm.config import LLMConfig
from agent.llm.interface import ChatModel
from agent.ranking.interface import CandidateSource, Ranker
from agent.turn.assistant import ShoppingAssistant, TurnConfig
from agent.understanding.prompt import WorkedExamples
from agent.understanding.understand import MessageUnderstanding
from agent.understanding.vocabulary import CatalogVocabulary
from retrieval.index import CatalogIndex
from shopwise.config import Settings

log = logging.getLogger(__name__)


def build_assistant(index: CatalogIndex, model: ChatModel | None, *, reviews: ReviewSnippets | None = None,
                    llm_understanding: bool = False, ranker: Ranker | None = None,
                    sources: list[CandidateSource] = (), config: TurnConfig = TurnConfig(),
                    worked_examples: WorkedExamples | None = None, understanding_shots: int = 3,
                    shopper_likes=None) -> ShoppingAssistant:
    """The assistant over `index`. With LLM understanding on, the model's prompt carries
    `understanding_shots` worked examples written from the catalog (few-shot); they stay with a LoRA
    adapter too (as many as it was trained with, `finetune.train.served_understanding_shots`), where
    they measured better than the bare adapter (README, `eval model`: fine-tuned vs fine-tuned-bare)."""
    vocabulary = CatalogVocabulary.from_items(index.catalog.values())
    if llm_understanding and model is not None and worked_examples is None:
        from finetune.fewshot import catalog_worked_examples

        worked_examples = catalog_worked_examples(index.catalog.values(), index.embedder, k=understanding_shots)
    understanding = MessageUnderstanding(vocabulary, model, use_llm=llm_understanding,
                                         worked_examples=worked_examples)
    writer = ExplanationWriter(model, FaithfulnessGuard(vocabulary))
    return ShoppingAssistant(index, understanding, writer, ranker=ranker, sources=sources,
                             reviews=reviews, config=config, shopper_likes=shopper_likes)


def open_store_assistant(store: Path, settings: Settings, llm: LLMConfig | None, *,
                         reviews_folder: Path | None = None, llm_understanding: bool = False,
                         config: TurnConfig = TurnConfig()) -> ShoppingAssistant:
    """An assistant over an ingested store; `llm=None` runs without a model (template explanations)."""
    from agent.llm.factory import build_chat_model
    from retrieval.service import open_index

    index = open_index(store, settings)
    model = build_chat_model(llm, settings.model_cache) if llm is not None else None
    reviews = ReviewSnippets.from_folder(reviews_folder) if reviews_folder else None
    return build_assistant(index, model, reviews=reviews, llm_understanding=llm_understanding, config=config,
                           understanding_shots=understanding_shots_for(llm))


def understanding_shots_for(llm: LLMConfig | None) -> int:
    """Worked examples per understanding prompt: as many as the loaded adapter was trained with (its
    card); a model behind a server is asked with the default."""
    from finetune.train import served_understanding_shots

    adapter = llm.adapter if llm is not None and llm.backend == "local" else None
    return served_understanding_shots(Path(adapter) if adapter else None)
