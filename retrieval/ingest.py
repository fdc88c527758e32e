"""`shopwise ingest`: catalog files -> item table -> vectors in Chroma -> BM25 index.

Items are committed in batches: first the records (upsert by id), then the vectors of those
whose text changed or that the vector store lacks. Re-running is therefore idempotent and an
interrupted run resumes at the first batch without vectors, never duplicating anything.
"""

from __future__ import annotations

import json
import logging
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Iterable

from tqdm import tqdm

from retrieval.catalog import Item
from retrieval.documents import item_metadata, item_text
from retrieval.embeddings import Embedder
from retrieval.item_store import ItemStore, text_hash
from retrieval.lexical import LexicalIndex
from retrieval.rejects import RejectsReport
from retrieval.sources import find_catalog_files, parse_catalog_file
from retrieval.store_layout import StoreLayout
from retrieval.vector_store import VectorStore
from shopwise.errors import UserFacingError

log = logging.getLogger(__name__)
BATCH_SIZE = 256


@dataclass
class IngestReport:
    source: str
    lines_read: int = 0
    items_imported: int = 0
    items_embedded: int = 0
    items_unchanged: int = 0
    lines_rejected: int = 0
    lines_repaired: int = 0
    duplicate_ids: int = 0
    catalog_size: int = 0
    seconds: float = 0.0
    embed_seconds: float = 0.0
    items_per_s: float = 0.0
    rejects_file: str = ""
    reject_reasons: dict[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict:
        return asdict(self)


class _BatchWriter:
    """Embeds each batch's stale items in the caller's thread and persists it in a writer thread.

    Writing (item table, Chroma, embedded marks) overlaps with embedding the next batch; at most
    one batch is in flight, and marks are written after the vectors, so an interrupted run leaves
    every item either fully stored or re-embedded next time.
    """

    def __init__(self, items: ItemStore, vectors: VectorStore, embedder: Embedder, report: IngestReport):
        self._items, self._vectors, self._embedder, self._report = items, vectors, embedder, report
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ingest-writer")
        self._in_flight: Future | None = None

    def write(self, batch: list[Item]) -> None:
        if not batch:
            return
        texts = {item.item_id: item_text(item) for item in batch}
        hashes = {item_id: text_hash(text, self._embedder.name) for item_id, text in texts.items()}
        ids = list(texts)
        embedded = self._items.embedded_hashes(ids)
        # Only items marked embedded with today's text need Chroma's word that the vector is
        # there; asking for the rest would queue this thread behind the writer's upsert.
        marked = [i for i in ids if embedded.get(i) == hashes[i]]
        present = self._vectors.existing_ids(marked)
        stale = [item for item in batch if item.item_id not in present]
        started = time.perf_counter()
        vectors = self._embedder.embed([texts[item.item_id] for item in stale]) if stale else None
        self._report.embed_seconds += time.perf_counter() - started
        self.wait()
        self._in_flight = self._pool.submit(self._persist, batch, hashes, stale, vectors)

    def _persist(self, batch: list[Item], hashes: dict[str, str], stale: list[Item], vectors) -> None:
        self._items.upsert((item, hashes[item.item_id]) for item in batch)
        if stale:
            self._vectors.upsert([i.item_id for i in stale], vectors, [item_metadata(i) for i in stale])
            self._items.mark_embedded({i.item_id: hashes[i.item_id] for i in stale})
        self._report.items_imported += len(batch)
        self._report.items_unchanged += len(batch) - len(stale)
        self._report.items_embedded += len(stale)

    def wait(self) -> None:
        """Block until the batch in flight is stored; re-raise its error if it failed."""
        if self._in_flight is not None:
            future, self._in_flight = self._in_flight, None
            future.result()

    def close(self) -> None:
        try:
            self.wait()
        finally:
            self._pool.shutdown(wait=True)


def _count_lines(files) -> int:
    from retrieval.jsonl import open_binary

    total = 0
    for catalog_file in files:
        with open_binary(catalog_file.path) as handle:
            try:
                total += sum(1 for _ in handle)
            except (OSError, EOFError):
                pass                      # a damaged file: the bar just ends early
    return total


def ingest(source: Path, layout: StoreLayout, items: ItemStore, vectors: VectorStore,
           embedder: Embedder, show_progress: bool = True) -> IngestReport:
    files = find_catalog_files(source)
    if not files:
        raise UserFacingError(f"no catalog in {source}: expected items.jsonl[.gz] (dataset folder) "
                              "or meta_<Category>.jsonl[.gz] (Amazon Reviews 2023)")
    report = IngestReport(source=str(source), rejects_file=str(layout.rejects))
    writer = _BatchWriter(items, vectors, embedder, report)
    first_seen: dict[str, str] = {}
    started = time.perf_counter()
    total_lines = _count_lines(files) if show_progress else None
    try:
        with RejectsReport(layout.rejects) as rejects, tqdm(
                total=total_lines, unit="line", disable=not show_progress, desc="ingest",
                dynamic_ncols=True) as bar:
            batch: list[Item] = []
            for catalog_file in files:
                for parsed in parse_catalog_file(catalog_file):
                    report.lines_read += 1
                    bar.update(1)
                    item = _accept(parsed, first_seen, rejects, report)
                    if item is not None:
                        batch.append(item)
                    if len(batch) >= BATCH_SIZE:
                        writer.write(batch)
                        batch = []
                        _show_rate(bar, report, started)
            writer.write(batch)
            writer.wait()
            report.lines_rejected, report.lines_repaired = rejects.rejected, rejects.repaired
            report.reject_reasons = dict(rejects.reasons.most_common())
    finally:
        writer.close()
    rebuild_lexical_index(items, layout, embedder.name)
    report.catalog_size = items.count()
    report.seconds = time.perf_counter() - started
    report.items_per_s = report.items_imported / report.seconds if report.seconds else 0.0
    layout.report.write_text(json.dumps(report.to_dict(), indent=2))
    return report


def _accept(parsed, first_seen: dict[str, str], rejects: RejectsReport, report: IngestReport) -> Item | None:
    if parsed.item is None:
        rejects.reject(parsed.path, parsed.line, parsed.error or "unreadable")
        return None
    where = f"{parsed.path.name}:{parsed.line}"
    if parsed.item.item_id in first_seen:
        report.duplicate_ids += 1
        rejects.reject(parsed.path, parsed.line,
                       f"duplicate item_id: {parsed.item.item_id!r} first seen at {first_seen[parsed.item.item_id]}")
        return None
    first_seen[parsed.item.item_id] = where
    if parsed.notes:
        rejects.repair(parsed.path, parsed.line, parsed.notes)
    return parsed.item


def _show_rate(bar: tqdm, report: IngestReport, started: float) -> None:
    elapsed = time.perf_counter() - started
    bar.set_postfix(items=report.items_imported, items_per_s=f"{report.items_imported / elapsed:.0f}",
                    rejected=report.lines_rejected)


def rebuild_lexical_index(items: ItemStore, layout: StoreLayout, embedder_name: str) -> None:
    catalog: Iterable[Item] = list(items.all_items())
    index = LexicalIndex.build([i.item_id for i in catalog], [item_text(i) for i in catalog])
    index.save(layout.lexical)
    layout.manifest.write_text(json.dumps({"embedder": embedder_name, "items": len(index.item_ids)}))
