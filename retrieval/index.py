"""Hybrid product search over one store: dense (Chroma) + lexical (BM25), same filters on both.

    index = CatalogIndex.open(StoreLayout(path), settings)
    hits = index.search("light rain jacket", Filters(price_max=80), k=10)

Every hit carries its fused score and the score and rank it had on each side (None where that
side did not return it), so callers and evals can see why it is there.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from retrieval.catalog import Item
from retrieval.embeddings import Embedder, build_embedder
from retrieval.filters import FilterColumns, Filters
from retrieval.fusion import reciprocal_rank_fusion
from retrieval.item_store import ItemStore
from retrieval.lexical import LexicalIndex
from retrieval.ranking_priors import QualityPrior, collapse_duplicates
from retrieval.store_layout import StoreLayout
from retrieval.vector_store import VectorStore, connect
from shopwise.config import Settings
from shopwise.errors import UserFacingError

log = logging.getLogger(__name__)
METHODS = ("bm25", "dense", "hybrid", "shopwise")
DEFAULT_METHOD = "shopwise"
CANDIDATE_DEPTH = 100
QUALITY_WEIGHT = 0.25        # the prior counts a quarter of one retriever in the fusion
# Up to this many items the dense side scores every item exactly in memory (19,406 x 384 floats is
# 30 MB and one matrix product, ~2 ms) with filters as a numpy mask; Chroma's metadata-filtered
# HNSW query costs 60-120 ms there. Larger catalogs query Chroma with the filters as `where`.
EXACT_SEARCH_MAX_ITEMS = 200_000


@dataclass(frozen=True)
class SearchHit:
    item: Item
    score: float
    dense_score: float | None = None
    dense_rank: int | None = None
    lexical_score: float | None = None
    lexical_rank: int | None = None

    @property
    def item_id(self) -> str:
        return self.item.item_id


@dataclass(frozen=True)
class SideResults:
    ids: list[str]
    scores: dict[str, float]


class CatalogIndex:
    def __init__(self, items: ItemStore, vectors: VectorStore, lexical: LexicalIndex, embedder: Embedder,
                 exact_max_items: int = EXACT_SEARCH_MAX_ITEMS):
        self.exact_max_items = exact_max_items
        self.items = items
        self.vectors = vectors
        self.lexical = lexical
        self.embedder = embedder
        self.catalog: dict[str, Item] = items.get(lexical.item_ids)
        self._query_vectors: OrderedDict[str, np.ndarray] = OrderedDict()

    @classmethod
    def open(cls, layout: StoreLayout, settings: Settings, embedder: Embedder | None = None,
             client=None) -> "CatalogIndex":
        if not layout.exists():
            raise UserFacingError(f"no catalog index in {layout.root}: run `shopwise ingest DIR --store {layout.root}`")
        embedder = embedder or build_embedder(settings.embedder, settings.model_cache)
        client = client or connect(settings.chroma, layout.chroma)
        vectors = VectorStore(client, settings.chroma.collection, embedder.name)
        return cls(ItemStore.at(layout.root), vectors, LexicalIndex.load(layout.lexical), embedder)

    @cached_property
    def quality_prior(self) -> QualityPrior:
        return QualityPrior(self.catalog.values())

    @cached_property
    def columns(self) -> FilterColumns:
        return FilterColumns.from_items([self.catalog[i] for i in self.lexical.item_ids])

    @cached_property
    def item_vectors(self) -> np.ndarray | None:
        """Every item's stored vector in `lexical.item_ids` order, or None above the exact-search size."""
        if len(self.lexical.item_ids) > self.exact_max_items:
            return None
        matrix = self.vectors.vectors_of(list(self.lexical.item_ids))
        if matrix.shape[1] == 0 or not np.any(matrix, axis=1).all():
            log.warning("some items have no stored vector: dense search goes through Chroma")
            return None
        return matrix

    def __len__(self) -> int:
        return len(self.catalog)

    def get(self, item_id: str) -> Item | None:
        return self.catalog.get(item_id)

    # -- the two sides -------------------------------------------------------------------------
    def query_vector(self, query: str) -> np.ndarray:
        if query not in self._query_vectors:
            self._query_vectors[query] = self.embedder.embed([query])[0]
            if len(self._query_vectors) > 1024:
                self._query_vectors.popitem(last=False)
        self._query_vectors.move_to_end(query)
        return self._query_vectors[query]

    def clear_query_cache(self) -> None:
        self._query_vectors.clear()

    def dense(self, query: str, filters: Filters, depth: int = CANDIDATE_DEPTH) -> SideResults:
        if self.item_vectors is not None:
            return self._exact_dense(self.query_vector(query), filters, depth)
        # Attribute equality is checked here on Chroma's answers: ask for more to keep `depth`.
        asked = depth * 8 if filters.attributes else depth
        hits = self.vectors.query(self.query_vector(query), asked, filters.to_chroma_where())
        hits = [h for h in hits if h.item_id in self.catalog
                and (not filters.attributes or filters.attributes_match(self.catalog[h.item_id]))][:depth]
        return SideResults([h.item_id for h in hits], {h.item_id: h.similarity for h in hits})

    def _exact_dense(self, vector: np.ndarray, filters: Filters, depth: int) -> SideResults:
        scores = self.item_vectors @ vector
        if not filters.is_empty:
            scores = np.where(filters.mask(self.columns), scores, -np.inf)
        depth = min(depth, len(scores))
        top = np.argpartition(-scores, depth - 1)[:depth] if depth < len(scores) else np.arange(len(scores))
        top = top[np.argsort(-scores[top], kind="stable")]
        top = top[np.isfinite(scores[top])]
        ids = [self.lexical.item_ids[row] for row in top]
        return SideResults(ids, {item_id: float(scores[row]) for item_id, row in zip(ids, top)})

    def lexical_side(self, query: str, filters: Filters, depth: int = CANDIDATE_DEPTH) -> SideResults:
        mask = None if filters.is_empty else filters.mask(self.columns)
        hits = self.lexical.top(query, depth, mask)
        ids = [self.lexical.item_ids[h.index] for h in hits]
        return SideResults(ids, {item_id: h.score for item_id, h in zip(ids, hits)})

    # -- search --------------------------------------------------------------------------------
    def search(self, query: str, filters: Filters | None = None, k: int = 10,
               method: str = DEFAULT_METHOD) -> list[SearchHit]:
        if method not in METHODS:
            raise ValueError(f"method must be one of {METHODS}, got {method!r}")
        filters = filters or Filters()
        query = " ".join(query.split())
        if not query:
            return []
        depth = max(CANDIDATE_DEPTH, k)
        dense = self.dense(query, filters, depth) if method != "bm25" else SideResults([], {})
        lexical = self.lexical_side(query, filters, depth) if method != "dense" else SideResults([], {})
        if method == "bm25":
            fused = [(i, lexical.scores[i]) for i in lexical.ids]
        elif method == "dense":
            fused = [(i, dense.scores[i]) for i in dense.ids]
        elif method == "hybrid":
            fused = reciprocal_rank_fusion({"dense": dense.ids, "lexical": lexical.ids},
                                           side_scores={"dense": dense.scores, "lexical": lexical.scores})
        else:
            fused = self._shopwise_fusion(dense, lexical)
        return [self._hit(item_id, score, dense, lexical) for item_id, score in fused[:k]]

    def _shopwise_fusion(self, dense: SideResults, lexical: SideResults) -> list[tuple[str, float]]:
        """Hybrid RRF, plus the catalog's rating prior over the found candidates, minus duplicates."""
        found = [self.catalog[i] for i in dict.fromkeys(dense.ids + lexical.ids)]
        rankings = {"dense": dense.ids, "lexical": lexical.ids, "quality": self.quality_prior.ranking(found)}
        fused = reciprocal_rank_fusion(rankings, {"quality": QUALITY_WEIGHT},
                                       side_scores={"dense": dense.scores, "lexical": lexical.scores})
        scores = dict(fused)
        return [(i, scores[i]) for i in collapse_duplicates([i for i, _ in fused], self.catalog)]

    def _hit(self, item_id: str, score: float, dense: SideResults, lexical: SideResults) -> SearchHit:
        return SearchHit(
            item=self.catalog[item_id], score=score,
            dense_score=dense.scores.get(item_id),
            dense_rank=dense.ids.index(item_id) + 1 if item_id in dense.scores else None,
            lexical_score=lexical.scores.get(item_id),
            lexical_rank=lexical.ids.index(item_id) + 1 if item_id in lexical.scores else None,
        )
