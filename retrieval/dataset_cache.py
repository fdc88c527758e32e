"""Stores built from a dataset folder, cached by the folder's content and the embedder.

Evaluation and benchmark commands take `--data DIR`; they call `cached_store` to get a store
for it, built once and reused until the catalog files or the embedder change.
"""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path

from retrieval.embeddings import Embedder
from retrieval.sources import find_catalog_files
from retrieval.store_layout import StoreLayout
from shopwise.config import Settings
from shopwise.errors import UserFacingError

log = logging.getLogger(__name__)


def file_digest(path: Path, digest=None):
    digest = digest or hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest


def dataset_fingerprint(folder: Path, names: tuple[str, ...] | None = None) -> str:
    """Hash of the folder's data files (all `*.jsonl[.gz]`, or only `names`)."""
    if not folder.is_dir():
        raise UserFacingError(f"{folder} is not a dataset folder")
    files = sorted(p for p in folder.iterdir() if p.name.endswith((".jsonl", ".jsonl.gz"))
                   and (names is None or p.name in names))
    digest = hashlib.sha256()
    for path in files:
        digest.update(path.name.encode())
        file_digest(path, digest)
    return digest.hexdigest()[:16]


def cached_store(folder: Path, settings: Settings, embedder: Embedder, client=None) -> Path:
    """A store folder holding `folder`'s catalog indexed with `embedder`, built if missing."""
    from retrieval.service import ingest_into_store

    catalog_names = tuple(f.path.name for f in find_catalog_files(folder))
    if not catalog_names:
        raise UserFacingError(f"no catalog (items.jsonl[.gz] or meta_*.jsonl[.gz]) in {folder}")
    key = hashlib.sha256(f"{dataset_fingerprint(folder, catalog_names)}:{embedder.name}".encode()).hexdigest()[:16]
    store = settings.cache_dir / "stores" / f"{folder.resolve().name}-{key}"
    if not StoreLayout(store).exists():
        log.info("indexing %s into %s (cached for later runs)", folder, store)
        ingest_into_store(folder, store, settings, embedder=embedder, client=client)
    return store
