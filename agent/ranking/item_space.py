"""The catalog as arrays: item embeddings plus the facts the ranker compares (brand, category, price).

Embeddings are `retrieval.documents.item_text` through the configured embedder, cached under
`settings.cache_dir/item-vectors` keyed by the catalog's content and the embedder's name, so that
evals and the live recommender share one matrix and nothing is embedded twice.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from retrieval.catalog import Item
from retrieval.documents import fold, item_text

log = logging.getLogger(__name__)
EMBED_BATCH = 256


@dataclass(frozen=True)
class ScanConfig:
    """Whole-catalog similarity scans through a low-dimensional projection (PCA of the vectors).

    Scoring every item against a profile or query vector reads the whole (n, 384) float32 matrix,
    which is memory-bound (about 2 ms for 20k items on one core). The projection is 4x smaller; the
    best `shortlist` rows by projected score are then scored exactly, so the head of the ranking is
    exact (99.8% of the true top 40 for 96 components on icecat) and the tail is a close estimate.
    Catalogs under `min_items` are scanned exactly: the saving would not pay for the projection."""

    components: int = 96
    shortlist: int = 1000
    min_items: int = 5000
    sample: int = 5000
    seed: int = 0


@dataclass(frozen=True)
class _Projection:
    basis: np.ndarray              # (dim, components)
    mean: np.ndarray               # (dim,)
    projected: np.ndarray          # (n, components): (vectors - mean) @ basis


@dataclass
class ItemSpace:
    ids: list[str]
    vectors: np.ndarray            # (n, dim) unit rows
    brand: np.ndarray              # (n,) int, -1 = unknown
    leaf: np.ndarray               # (n,) int id of the finest category, -1 = none
    parent: np.ndarray             # (n,) int id of the category one level up, -1 = none
    price: np.ndarray              # (n,) float, nan = unknown
    rating: np.ndarray             # (n,) float, nan = unknown
    rating_count: np.ndarray       # (n,) float
    items: dict[str, Item]
    scan: ScanConfig = field(default_factory=ScanConfig)

    def __post_init__(self) -> None:
        self.index = {item_id: row for row, item_id in enumerate(self.ids)}
        self._projection: _Projection | None = None
        self._projection_lock = threading.Lock()

    def prepare_scans(self) -> None:
        """Fit the scan projection now (a fraction of a second for 20k items) rather than on the
        first request that scans the catalog."""
        if not self._scans_exactly():
            self._projected()

    def _scans_exactly(self) -> bool:
        return len(self) < max(self.scan.min_items, 2 * self.scan.shortlist)

    def similarities(self, vector: np.ndarray) -> np.ndarray:
        """Dot product of every row with `vector` (float32): exact for the best `scan.shortlist`
        rows, projected for the rest (see ScanConfig); small catalogs are scanned exactly."""
        vector = np.asarray(vector, dtype=np.float32)
        if self._scans_exactly():
            return self.vectors @ vector
        projection = self._projected()
        scores = projection.projected @ (projection.basis.T @ vector) + np.float32(projection.mean @ vector)
        head = np.argpartition(-scores, self.scan.shortlist)[: self.scan.shortlist]
        scores[head] = self.vectors[head] @ vector
        return scores

    def _projected(self) -> _Projection:
        with self._projection_lock:
            if self._projection is None:
                self._projection = _fit_projection(self.vectors, self.scan)
            return self._projection

    def __len__(self) -> int:
        return len(self.ids)

    def rows(self, item_ids) -> np.ndarray:
        return np.array([self.index[i] for i in item_ids if i in self.index], dtype=np.int64)

    @classmethod
    def build(cls, items: dict[str, Item], vectors: np.ndarray) -> "ItemSpace":
        ids = list(items)
        brands: dict[str, int] = {}
        categories: dict[tuple, int] = {}

        def code(table: dict, key) -> int:
            return -1 if key is None else table.setdefault(key, len(table))

        catalog = [items[i] for i in ids]
        paths = [tuple(fold(c) for c in item.categories) for item in catalog]
        return cls(
            ids=ids, vectors=np.asarray(vectors, dtype=np.float32),
            brand=np.array([code(brands, fold(i.brand) if i.brand else None) for i in catalog], dtype=np.int64),
            leaf=np.array([code(categories, p if p else None) for p in paths], dtype=np.int64),
            parent=np.array([code(categories, p[:-1] if len(p) > 1 else None) for p in paths], dtype=np.int64),
            price=np.array([np.nan if i.price is None else i.price for i in catalog], dtype=np.float64),
            rating=np.array([np.nan if i.rating is None else i.rating for i in catalog], dtype=np.float64),
            rating_count=np.array([i.rating_count or 0 for i in catalog], dtype=np.float64),
            items=items)


def _fit_projection(vectors: np.ndarray, config: ScanConfig) -> _Projection:
    """Principal components of a sample of rows (deterministic: a seeded sample)."""
    rng = np.random.default_rng(config.seed)
    sample = vectors[rng.choice(len(vectors), min(config.sample, len(vectors)), replace=False)]
    mean = sample.mean(axis=0)
    _, _, components = np.linalg.svd(sample - mean, full_matrices=False)
    basis = np.ascontiguousarray(components[: config.components].T, dtype=np.float32)
    return _Projection(basis, mean.astype(np.float32), np.ascontiguousarray((vectors - mean) @ basis, dtype=np.float32))


def catalog_key(items: dict[str, Item], embedder_name: str) -> str:
    digest = hashlib.sha256(embedder_name.encode())
    for item_id, item in items.items():
        digest.update(item_id.encode())
        digest.update(item_text(item).encode())
    return digest.hexdigest()[:20]


def embed_items(items: dict[str, Item], embedder, cache_dir: Path | None, show_progress: bool = False) -> np.ndarray:
    """The item matrix in catalog order, from the cache when this catalog was embedded before."""
    path = None
    if cache_dir is not None:
        path = Path(cache_dir) / "item-vectors" / f"{catalog_key(items, embedder.name)}.npy"
        if path.is_file():
            return np.load(path)
    texts = [item_text(item) for item in items.values()]
    log.info("embedding %d items with %s", len(texts), embedder.name)
    from tqdm import tqdm

    batches = range(0, len(texts), EMBED_BATCH)
    parts = [embedder.embed(texts[start:start + EMBED_BATCH])
             for start in tqdm(batches, desc="embedding items", disable=not show_progress)]
    vectors = np.concatenate(parts) if parts else np.zeros((0, embedder.dim), dtype=np.float32)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        np.save(path, vectors)
    return vectors


def vectors_from_catalog_store(folder: Path, items: dict[str, Item], embedder, settings) -> np.ndarray | None:
    """The vectors `retrieval` already stored for this folder's catalog (same text, same embedder).

    `cached_store` builds the store if it is missing; the chat turn searches that same store."""
    from retrieval.dataset_cache import cached_store
    from retrieval.store_layout import StoreLayout
    from retrieval.vector_store import connect

    store = cached_store(Path(folder), settings, embedder)
    collection = connect(settings.chroma, StoreLayout(store).chroma).get_collection(settings.chroma.collection)
    ids, found = list(items), {}
    for start in range(0, len(ids), 5_000):
        batch = collection.get(ids=ids[start:start + 5_000], include=["embeddings"])
        found.update(zip(batch["ids"], batch["embeddings"]))
    if len(found) < len(ids):
        log.info("catalog store lacks %d of %d items: embedding here instead", len(ids) - len(found), len(ids))
        return None
    return np.asarray([found[i] for i in ids], dtype=np.float32)


def build_item_space(items: dict[str, Item], embedder, cache_dir: Path | None,
                     show_progress: bool = False, source_folder: Path | None = None, settings=None) -> ItemSpace:
    """Item arrays; with `source_folder` and `settings` the vectors come from the catalog store."""
    path = Path(cache_dir) / "item-vectors" / f"{catalog_key(items, embedder.name)}.npy" if cache_dir else None
    if path is not None and not path.is_file() and source_folder is not None and settings is not None:
        vectors = vectors_from_catalog_store(source_folder, items, embedder, settings)
        if vectors is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            np.save(path, vectors)
    return ItemSpace.build(items, embed_items(items, embedder, cache_dir, show_progress))
