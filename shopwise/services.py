"""The running application's clients, built once per process and shared by every front end.

    services = build_services(settings, data=folder)          # demo catalog when data is None
    session = services.assistant.session(user_id="u1")        # chat turns, personalised
    services.record_event("u1", "ITEM-7", "like")             # the next turn reflects it
    services.recommend("u1", k=10, query="toner")

`shopwise chat`, `shopwise demo`, `shopwise serve` (API + UI) and the benchmarks all go through
`build_services`, so a chat turn, a REST call and a card click see the same catalog, profiles and
ranker. Personalisation needs a dataset folder (its catalog and events); over a bare ingested
store the assistant ranks without profiles.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from shopwise.config import Settings
from shopwise.errors import UserFacingError

log = logging.getLogger(__name__)

# Shopper feedback from the UI and the API, mapped onto the event types profiles learn from.
FEEDBACK_EVENTS = {"view": "view", "click": "click", "like": "click", "cart": "cart", "add_to_cart": "cart",
                   "purchase": "purchase", "rate": "rate", "dislike": "dislike", "not_for_me": "dislike"}


@dataclass
class AppServices:
    settings: Settings
    index: object                      # retrieval.index.CatalogIndex
    assistant: object                  # agent.turn.assistant.ShoppingAssistant
    events: object                     # profiles.store.EventStore
    runtime: object | None = None      # agent.ranking.runtime.RecommendationRuntime (None: no profiles)
    folder: Path | None = None         # the dataset folder, when the catalog came from one
    conversations: object | None = None  # agent.turn.conversation_store.ConversationStore
    # Called with the user id on erasure; front ends with their own state about a user (the API's
    # server-side chat sessions, API keys bound to the user) register here. Each returns a count.
    erasure_hooks: dict = field(default_factory=dict)
    # Recent recommendation lists (agent.ranking.result_cache.RecommendationCache; built from settings)
    recommendation_cache: object | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def __post_init__(self) -> None:
        if self.recommendation_cache is None:
            from agent.ranking.result_cache import RecommendationCache

            self.recommendation_cache = RecommendationCache(ttl_s=self.settings.recommendation_cache_ttl_s)

    @property
    def personalised(self) -> bool:
        return self.runtime is not None

    def knows_item(self, item_id: str) -> bool:
        return item_id in self.index.catalog

    def record_event(self, user_id: str, item_id: str, kind: str, value: float | None = None,
                     ts: float | None = None):
        """Store a shopper's event and fold it into their live profile (no rebuild)."""
        from profiles.records import Event

        if kind not in FEEDBACK_EVENTS:
            raise UserFacingError(f"unknown event type {kind!r}: use one of {', '.join(sorted(FEEDBACK_EVENTS))}")
        if not self.knows_item(item_id):
            raise UserFacingError(f"no item {item_id!r} in this catalog")
        event = Event(user_id, item_id, FEEDBACK_EVENTS[kind], time.time() if ts is None else ts, None, value)
        with self._lock:
            try:
                if self.runtime is None:
                    self.events.add_event(event)
                    return None
                return self.runtime.profiles.record_event(event)
            finally:                   # after the write: a list computed meanwhile is not kept
                self.recommendation_cache.invalidate_user(user_id)

    def recommend(self, user_id: str | None, k: int = 10, query: str = "", filters=None,
                  soft_preferences: tuple[str, ...] = (), fresh: bool = False):
        """Ranked items for the shopper; a list computed since their last event is served again
        unless `fresh` (see agent.ranking.result_cache)."""
        runtime = self.runtime
        if runtime is None:
            raise UserFacingError("recommendations need a dataset folder with events (start with --data DIR)")
        key = (id(runtime), k, query, filters, tuple(soft_preferences))
        return self.recommendation_cache.get_or_compute(
            user_id, key, lambda: runtime.recommend(user_id, k, query, filters, soft_preferences), fresh=fresh)

    def profile(self, user_id: str):
        """The live fused profile (None without profiles)."""
        return self.runtime.profiles.profile(user_id) if self.runtime is not None else None

    def erase_user(self, user_id: str) -> dict[str, int]:
        """Remove a shopper everywhere: store rows, live profile, cached models trained on them."""
        from agent.ranking.runtime import drop_models_trained_on
        from profiles.erasure import erase_user

        with self._lock:
            removed = erase_user(self.events, user_id, self.runtime.profiles if self.runtime else None)
            self.recommendation_cache.invalidate_user(user_id)
            if self.runtime is not None:      # encoder states are keyed by histories, not users: drop all
                self.runtime.model.sequential.forget_states()
            removed["cached_models"] = len(drop_models_trained_on(self.settings, user_id))
            if self.conversations is not None:
                removed["conversation_turns"] = self.conversations.forget(user_id)
            for name, hook in self.erasure_hooks.items():
                removed[name] = int(hook(user_id) or 0)
        return removed


def build_services(settings: Settings, *, data: Path | None = None, store: Path | None = None,
                   llm=None, llm_understanding: bool = False, llm_ranking: bool = False, items_shown: int = 3,
                   personalise: bool = True, embedder=None) -> AppServices:
    """Catalog index, event store, personalised ranker (when the catalog is a dataset folder) and
    the assistant over them. `llm=None` runs without a model (template explanations); with
    `llm_ranking` the model also re-ranks the head of each answer for shoppers with a history.
    `embedder` replaces the configured one (tests pass a fake)."""
    from agent.builder import build_assistant, understanding_shots_for
    from agent.explanation.reviews import ReviewSnippets
    from agent.llm.factory import build_chat_model
    from agent.session_setup import catalog_store
    from agent.turn.assistant import TurnConfig
    from profiles.store import EventStore
    from retrieval.embeddings import build_embedder
    from retrieval.service import open_index

    if llm_ranking and llm is None:
        from shopwise.errors import UserFacingError
        raise UserFacingError("--llm-ranking needs a language model: drop --no-llm")
    embedder = embedder or build_embedder(settings.embedder, settings.model_cache)
    store_path, folder = catalog_store(settings, data, store, embedder)
    index = open_index(store_path, settings, embedder=embedder)
    events = EventStore.from_settings(settings)
    runtime = None
    if personalise and folder is not None and has_events(folder):
        from agent.ranking.runtime import build_runtime

        runtime = build_runtime(settings, folder, store=events, embedder=embedder)
        attach_review_lexicon(runtime, events, settings)
    model = build_chat_model(llm, settings.model_cache) if llm is not None else None
    reviews = ReviewSnippets.from_folder(folder) if folder else None
    ranker, sources = personal_ranking(runtime, llm_ranker(model, runtime) if llm_ranking else None)
    assistant = build_assistant(index, model, reviews=reviews, llm_understanding=llm_understanding,
                                ranker=ranker, sources=sources, understanding_shots=understanding_shots_for(llm),
                                shopper_likes=(lambda user: runtime.profiles.profile(user).top_likes()) if runtime else None,
                                config=TurnConfig(items_shown=max(1, min(items_shown, 10))))
    log.info("services ready: %d items, personalised=%s", len(index), runtime is not None)
    from agent.turn.conversation_store import ConversationStore

    return AppServices(settings, index, assistant, events, runtime, folder,
                       conversations=ConversationStore.from_settings(settings))


def attach_review_lexicon(runtime, events, settings) -> None:
    """Profiles carry aspect opinions (liked and disliked aspects, with the reviews behind them)
    when the shop has enough rated reviews: the sentiment model and aspect terms are trained on the
    first start and cached on disk by the reviews' content. Set before any profile is built."""
    from profiles.review_model import build_review_lexicon

    reviews = events.all_reviews()
    if reviews:
        runtime.profiles.lexicon = build_review_lexicon(reviews, runtime.profiles.catalog, runtime.embedder,
                                                        settings.cache_dir)[0]


def has_events(folder: Path) -> bool:
    return any(folder.glob("events.jsonl*"))


def llm_ranker(model, runtime):
    """The model as a re-ranker of the chat turn (`finetune.llm_ranker`), reading each shopper's
    history from the recommendation runtime; None when there are no histories to read."""
    if runtime is None:
        log.warning("--llm-ranking is off: the catalog has no shopper events to rank from")
        return None
    from finetune.llm_ranker import LLMRanker

    space = runtime.space

    def history(context):
        if not context.user_id:
            return []
        return [space.items[space.ids[row]] for row in runtime.history(context.user_id).rows]
    return LLMRanker(model, history=history)


def personal_ranking(runtime, llm=None):
    """The chat turn's ranker and extra candidate sources from a recommendation runtime.

    Search proposes what matches the request; the profile and co-purchase sources add items the
    shopper is likely to want, and the personalised ranker orders them all with the search rank
    as one more signal, so a stated request still leads."""
    if runtime is None:
        return None, ()
    from agent.ranking.chat_ranker import ConversationalRanker

    sources = [s for s in runtime.recommender.sources if s.name in ("profile", "co_purchase")]
    return ConversationalRanker(runtime.recommender.ranker, runtime.disliked, llm=llm), sources
