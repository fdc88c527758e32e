"""Wiring for live recommendations: catalog arrays, behaviour log, trained model, profiles, sources.

Built once per process (the CLI, the chat turn, the REST API) from a dataset folder's catalog and
the event store. The trained model is cached under `settings.cache_dir/rankers`, keyed by the
folder's content; `shopwise train ranker` writes it, and it is trained on first use if missing.
A side file lists the (hashed) shoppers whose behaviour trained it, so erasure can drop it.
"""

from __future__ import annotations

import json
import logging
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from agent.ranking.features import History
from agent.ranking.interactions import InteractionLog
from agent.ranking.interface import RankedItem, RankingContext
from agent.ranking.item_space import ItemSpace, build_item_space
from agent.ranking.model import RankerTrainingConfig, RankingModel, train_ranking_model
from agent.ranking.personalized import PersonalizedRanker
from agent.ranking.recommender import Recommender
from agent.ranking.sources import CoPurchaseSource, PopularitySource, ProfileEmbeddingSource, QuerySource
from profiles.dataset import load_dataset
from retrieval.dataset_cache import dataset_fingerprint
from profiles.privacy import user_key
from profiles.profile import ProfileConfig
from profiles.service import ProfileService
from profiles.store import EventStore
from retrieval.filters import Filters

log = logging.getLogger(__name__)


def ranker_path(settings, data_dir: Path, purpose: str = "serve") -> Path:
    return Path(settings.cache_dir) / "rankers" / f"{dataset_fingerprint(data_dir)}-{purpose}.pt"


def save_model(model: RankingModel, path: Path, events) -> None:
    model.save(path)
    keys = sorted({user_key(e.user_id) for e in events})
    path.with_suffix(".users.json").write_text(json.dumps(keys))


def drop_models_trained_on(settings, user_id: str) -> list[Path]:
    """Delete cached models whose training data included this shopper."""
    removed = []
    key = user_key(user_id)
    for side in (Path(settings.cache_dir) / "rankers").glob("*.users.json"):
        if key in json.loads(side.read_text()):
            model = side.with_name(side.name.replace(".users.json", ".pt"))
            model.unlink(missing_ok=True)
            side.unlink()
            removed.append(model)
    return removed


def import_folder(store: EventStore, data) -> dict[str, int]:
    return {"events": store.add_events(data.events), "reviews": store.add_reviews(data.reviews),
            "users": store.upsert_users(data.users)}


@dataclass
class RecommendationRuntime:
    space: ItemSpace
    model: RankingModel
    profiles: ProfileService
    recommender: Recommender
    embedder: object

    def history(self, user_id: str) -> History:
        profile = self.profiles.profile(user_id)
        known = [(i, ts, kind) for i, ts, kind in profile.recent if i in self.space.index and kind != "dislike"]
        weights = self.profiles.config
        return History(rows=np.array([self.space.index[i] for i, _, _ in known], dtype=np.int64),
                       ts=np.array([ts for _, ts, _ in known], dtype=np.float64),
                       weights=np.array([dict(weights.event_weights).get(kind, 1.0) for _, _, kind in known]))

    def disliked(self, user_id: str) -> set[str]:
        """Items the shopper marked "not for me" (never shown to them again)."""
        return {i for i, _, kind in self.profiles.profile(user_id).recent if kind == "dislike"}

    def profile_vector(self, user_id: str):
        return self.profiles.profile(user_id).unit_embedding()

    def embed_query(self, text: str) -> np.ndarray:
        return _cached_query_vector(self.embedder, text)

    def recommend(self, user_id: str | None, k: int = 10, query: str = "", filters: Filters | None = None,
                  soft_preferences: tuple[str, ...] = ()) -> list[RankedItem]:
        context = RankingContext(query=query, filters=filters or Filters(), user_id=user_id,
                                 soft_preferences=soft_preferences)
        return self.recommender.recommend(context, k)


_QUERY_VECTORS: "OrderedDict[tuple[str, str], np.ndarray]" = OrderedDict()


def _cached_query_vector(embedder, text: str, limit: int = 1024) -> np.ndarray:
    """Shoppers repeat and refine queries within a conversation: embed each text once."""
    key = (embedder.name, text)
    if key not in _QUERY_VECTORS:
        _QUERY_VECTORS[key] = embedder.embed([text])[0]
        if len(_QUERY_VECTORS) > limit:
            _QUERY_VECTORS.popitem(last=False)
    _QUERY_VECTORS.move_to_end(key)
    return _QUERY_VECTORS[key]


def assemble(space: ItemSpace, model: RankingModel, profiles: ProfileService, embedder) -> RecommendationRuntime:
    space.prepare_scans()
    runtime = RecommendationRuntime(space, model, profiles, None, embedder)
    sources = [QuerySource(space, runtime.embed_query),
               ProfileEmbeddingSource(space, runtime.profile_vector, runtime.history),
               CoPurchaseSource(model.log, runtime.history), PopularitySource(model.log)]
    ranker = PersonalizedRanker(model, runtime.history, runtime.embed_query)
    runtime.recommender = Recommender(sources, ranker)
    return runtime


def build_runtime(settings, data_dir: Path, store: EventStore | None = None, embedder=None,
                  lexicon=None, show_progress: bool = False, model_path: Path | None = None,
                  training: RankerTrainingConfig = RankerTrainingConfig()) -> RecommendationRuntime:
    from retrieval.embeddings import build_embedder

    data = load_dataset(data_dir, with_items=True)
    store = store or EventStore.from_settings(settings)
    if not store.counts()["events"] and data.events:
        log.info("event store is empty: importing %s", data.name)
        import_folder(store, data)
    embedder = embedder or build_embedder(settings.embedder, settings.model_cache)
    space = build_item_space(data.items, embedder, settings.cache_dir, show_progress)
    events = [e for e in store.all_events() if e.type != "dislike"]     # behaviour, not rejections
    path = model_path or ranker_path(settings, data_dir)
    if path.is_file():
        model = RankingModel.load(path, space, InteractionLog(space, events), training)
    else:
        log.info("no trained ranker for %s yet: training one (shopwise train ranker does this ahead)", data.name)
        model = train_ranking_model(space, events, training, held_out=0, show_progress=show_progress)
        save_model(model, path, events)
    profiles = ProfileService(store, data.items, lambda i: space.vectors[space.index[i]] if i in space.index else None,
                              lexicon, ProfileConfig())
    return assemble(space, model, profiles, embedder)
