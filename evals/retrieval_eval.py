"""`shopwise eval retrieval`: every search method on a folder's queries.jsonl.

Metrics per method: NDCG@10, Recall@10, Recall@50, MRR (over the top 50). The default method is
the one `CatalogIndex.search` uses when none is named. Nothing here learns from the folder's events
or queries: the index is built from the catalog alone, and where the embedder was tuned on this
folder (`shopwise finetune embedder`) only the queries it held out are scored (`learned` says so).
"""

from __future__ import annotations

import time
from pathlib import Path

from tqdm import tqdm

from evals.metrics import mean, ndcg_at, recall_at, reciprocal_rank
from evals.queries import EvalQuery
from retrieval.index import DEFAULT_METHOD, METHODS, CatalogIndex

DEPTH = 50


def score_ranking(ranking: list[str], relevant: dict[str, float]) -> dict[str, float]:
    return {
        "ndcg@10": ndcg_at(ranking, relevant, 10),
        "recall@10": recall_at(ranking, relevant, 10),
        "recall@50": recall_at(ranking, relevant, 50),
        "mrr": reciprocal_rank(ranking[:DEPTH], relevant),
    }


def evaluate_method(index: CatalogIndex, queries: list[EvalQuery], method: str,
                    show_progress: bool = True) -> tuple[dict[str, float], float]:
    """Mean metrics over the queries, and the mean search time in ms."""
    per_query: list[dict[str, float]] = []
    latencies = []
    for query in tqdm(queries, desc=method, disable=not show_progress, leave=False):
        started = time.perf_counter()
        hits = index.search(query.text, k=DEPTH, method=method)
        latencies.append(time.perf_counter() - started)
        per_query.append(score_ranking([h.item_id for h in hits], query.relevant))
    metrics = {name: mean([q[name] for q in per_query]) for name in per_query[0]}
    return metrics, 1000 * mean(latencies)


def evaluate_retrieval(index: CatalogIndex, queries: list[EvalQuery], dataset: str,
                       methods: tuple[str, ...] = METHODS, show_progress: bool = True,
                       learned: str = "nothing: the index is built from items.jsonl only") -> dict:
    measured = {method: evaluate_method(index, queries, method, show_progress) for method in methods}
    results = {method: metrics for method, (metrics, _) in measured.items()}
    in_catalog = sum(1 for q in queries if any(i in index.catalog for i in q.relevant))
    bm25 = results.get("bm25", {}).get("ndcg@10")
    payload = {
        "task": "retrieval",
        "dataset": dataset,
        "default": DEFAULT_METHOD,
        "methods": results,
        "queries": len(queries),
        "queries_with_relevant_item_in_catalog": in_catalog,
        "catalog_items": len(index),
        "search_mean_ms": {method: ms for method, (_, ms) in measured.items()},
        "embedder": index.embedder.name,
        "learned_from_evaluated_folder": learned,
    }
    if bm25 and DEFAULT_METHOD in results:
        payload["default_ndcg@10_over_bm25"] = results[DEFAULT_METHOD]["ndcg@10"] / bm25
    return payload


def dataset_name(folder: Path) -> str:
    return folder.resolve().name
