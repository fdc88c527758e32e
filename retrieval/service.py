"""Building the retrieval objects from settings: the one place that wires clients together."""

from __future__ import annotations

from pathlib import Path

from retrieval.embeddings import Embedder, build_embedder
from retrieval.index import CatalogIndex
from retrieval.ingest import IngestReport, ingest
from retrieval.item_store import ItemStore
from retrieval.store_layout import StoreLayout
from retrieval.vector_store import VectorStore, connect
from shopwise.config import Settings


def ingest_into_store(source: Path, store: Path, settings: Settings, embedder: Embedder | None = None,
                      client=None, show_progress: bool = True) -> IngestReport:
    layout = StoreLayout(store)
    layout.root.mkdir(parents=True, exist_ok=True)
    embedder = embedder or build_embedder(settings.embedder, settings.model_cache)
    client = client or connect(settings.chroma, layout.chroma)
    vectors = VectorStore(client, settings.chroma.collection, embedder.name)
    return ingest(source, layout, ItemStore.at(layout.root), vectors, embedder, show_progress)


def open_index(store: Path, settings: Settings, embedder: Embedder | None = None, client=None) -> CatalogIndex:
    return CatalogIndex.open(StoreLayout(store), settings, embedder=embedder, client=client)
