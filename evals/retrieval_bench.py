"""`shopwise bench ingest` and `shopwise bench search`: import speed and search latency.

Ingest is timed end to end into a fresh store (parsing, item table, embedding, Chroma, BM25);
the embedder alone is timed on the same texts as the ceiling, and the torch backend beside it as
the baseline. Search latency is measured warm, one query at a time, with and without filters; the dense side
through Chroma's own filtered query is timed beside the default in-memory exact side.
"""

from __future__ import annotations

import random
import shutil
import statistics
import tempfile
import time
from collections import Counter
from dataclasses import replace
from pathlib import Path

import numpy as np
from tqdm import tqdm

from retrieval.catalog import Item
from retrieval.documents import item_text
from retrieval.embeddings import Embedder, build_embedder
from retrieval.filters import Filters
from retrieval.index import DEFAULT_METHOD, CatalogIndex
from shopwise.config import Settings

EMBEDDER_SAMPLE = 3_000


def percentile_ms(seconds: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(seconds) * 1000.0, q))


def embedder_items_per_s(embedder: Embedder, texts: list[str]) -> float:
    embedder.embed(texts[:64])                         # warm-up: first call loads kernels
    started = time.perf_counter()
    embedder.embed(texts)
    return len(texts) / (time.perf_counter() - started)


def bench_ingest(folder: Path, settings: Settings, baseline_backend: str | None = "torch") -> dict:
    from retrieval.service import ingest_into_store

    embedder = build_embedder(settings.embedder, settings.model_cache)
    scratch = Path(tempfile.mkdtemp(prefix="bench-ingest-", dir=settings.home if settings.home.exists() else None))
    try:
        report = ingest_into_store(folder, scratch / "store", settings, embedder=embedder)
        from retrieval.item_store import ItemStore

        items = list(ItemStore.at(scratch / "store").all_items())
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    sample = [item_text(i) for i in random.Random(0).sample(items, min(EMBEDDER_SAMPLE, len(items)))]
    figures = {
        "dataset": folder.resolve().name,
        "items": report.items_imported,
        "lines_rejected": report.lines_rejected,
        "ingest_seconds": report.seconds,
        "items_per_s": report.items_per_s,
        "embed_seconds_during_ingest": report.embed_seconds,
        "embedder": embedder.name,
        "embedder_alone_items_per_s": embedder_items_per_s(embedder, sample),
        "embedder_sample_items": len(sample),
    }
    if baseline_backend and baseline_backend != settings.embedder.backend:
        baseline = build_embedder(replace(settings.embedder, backend=baseline_backend), settings.model_cache)
        figures[f"baseline_{baseline_backend}_embedder_alone_items_per_s"] = embedder_items_per_s(baseline, sample)
    return figures


def _sample_filters(items: list[Item], count: int, rng: random.Random) -> list[Filters]:
    """Realistic hard constraints drawn from the catalog itself: price caps, brands, categories."""
    prices = sorted(i.price for i in items if i.price is not None)
    brands = [b for b, _ in Counter(i.brand for i in items if i.brand).most_common(50)]
    categories = [c for c, _ in Counter(c for i in items for c in i.categories[:3]).most_common(50)]
    makers = []
    if prices:
        makers.append(lambda: Filters(price_max=prices[int(rng.uniform(0.2, 0.8) * (len(prices) - 1))]))
        makers.append(lambda: Filters(price_min=prices[len(prices) // 4], price_max=prices[3 * len(prices) // 4]))
    if brands:
        makers.append(lambda: Filters(brands=(rng.choice(brands),)))
        makers.append(lambda: Filters(exclude_brands=(rng.choice(brands),)))
    if categories:
        makers.append(lambda: Filters(categories=(rng.choice(categories),)))
    if prices and brands:
        makers.append(lambda: Filters(price_max=prices[len(prices) // 2], brands=(rng.choice(brands),)))
    if any(i.rating is not None for i in items):
        makers.append(lambda: Filters(min_rating=4.0))
    return [rng.choice(makers)() for _ in range(count)] if makers else [Filters()] * count


def _sample_queries(index: CatalogIndex, count: int, rng: random.Random, folder: Path) -> list[str]:
    from evals.queries import load_queries

    try:
        texts = [q.text for q in load_queries(folder)]
    except Exception:       # no queries.jsonl: take a few words of random titles
        titles = [i.title.split() for i in index.catalog.values()]
        texts = [" ".join(t[: rng.randint(2, 4)]) for t in rng.sample(titles, min(count, len(titles)))]
    return [rng.choice(texts) for _ in range(count)]


def _time_queries(index: CatalogIndex, queries: list[str], filters: list[Filters], method: str) -> list[float]:
    seconds = []
    for query, query_filters in zip(queries, filters):
        started = time.perf_counter()
        index.search(query, query_filters, k=10, method=method)
        seconds.append(time.perf_counter() - started)
    return seconds


def bench_search(index: CatalogIndex, folder: Path, queries_count: int = 300) -> dict:
    rng = random.Random(7)
    queries = _sample_queries(index, queries_count, rng, folder)
    items = list(index.catalog.values())
    filters = _sample_filters(items, queries_count, rng)
    none = [Filters()] * queries_count
    _time_queries(index, queries[:30], filters[:30], DEFAULT_METHOD)      # warm caches and kernels
    figures: dict = {"dataset": folder.resolve().name, "catalog_items": len(index), "queries": queries_count,
                     "method": DEFAULT_METHOD}
    runs = [(label, chosen, method) for label, chosen in (("no_filter", none), ("filtered", filters))
            for method in dict.fromkeys((DEFAULT_METHOD, "bm25", "dense"))]
    for label, chosen, method in tqdm(runs, desc="search latency", leave=False):
        index.clear_query_cache()          # every measured call embeds its query
        seconds = _time_queries(index, queries, chosen, method)
        prefix = label if method == DEFAULT_METHOD else f"{method}_{label}"
        figures[f"{prefix}_p50_ms"] = percentile_ms(seconds, 50)
        figures[f"{prefix}_p99_ms"] = percentile_ms(seconds, 99)
        figures[f"{prefix}_mean_ms"] = 1000 * statistics.fmean(seconds)
    figures.update(_chroma_baseline(index, queries, filters))
    return figures


def _chroma_baseline(index: CatalogIndex, queries: list[str], filters: list[Filters]) -> dict:
    """The dense side through Chroma's filtered HNSW query, the path catalogs above the exact-search
    size take: the baseline the in-memory exact side is measured against, in the same run."""
    through_chroma = CatalogIndex(index.items, index.vectors, index.lexical, index.embedder, exact_max_items=0)
    seconds = _time_queries(through_chroma, queries, filters, "dense")
    return {"chroma_dense_filtered_p50_ms": percentile_ms(seconds, 50),
            "chroma_dense_filtered_p99_ms": percentile_ms(seconds, 99)}
