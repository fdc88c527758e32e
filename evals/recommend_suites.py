"""Running `eval next-item` / `eval rank` end to end on one dataset folder and writing the reports.

Self-contained: builds the item embeddings and trains the models it needs (every shopper's last
event held out), caching both under `settings.cache_dir` keyed by the folder's content.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

from shopwise.errors import UserFacingError

log = logging.getLogger(__name__)


def prepare(data_dir: Path, settings, embedder=None, show_progress: bool = True):
    from agent.ranking.interactions import InteractionLog
    from agent.ranking.item_space import build_item_space
    from agent.ranking.model import RankerTrainingConfig, RankingModel, drop_last, train_ranking_model, user_sequences
    from agent.ranking.runtime import ranker_path, save_model
    from profiles.dataset import load_dataset
    from retrieval.embeddings import build_embedder

    data = load_dataset(data_dir)
    if not data.events:
        raise UserFacingError(f"{data_dir} has no events.jsonl: recommendation suites need behaviour")
    embedder = embedder or build_embedder(settings.embedder, settings.model_cache)
    space = build_item_space(data.items, embedder, settings.cache_dir, show_progress)
    path = ranker_path(settings, data_dir, purpose="eval")
    if path.is_file():
        model = RankingModel.load(path, space, InteractionLog(space, data.events))
    else:
        model = train_ranking_model(space, data.events, RankerTrainingConfig(), held_out=1, show_progress=show_progress)
        save_model(model, path, data.events)
    training = drop_last(user_sequences(data.events, space), 1)
    return data, model, training


def run_suite(task: str, data_dir: Path, json_path: Path, settings, methods, embedder=None,
              show_progress: bool = True) -> int:
    from evals.next_item import evaluate_next_item
    from evals.rank_protocol import evaluate_rank
    from evals.report import write_eval_report

    started = time.perf_counter()
    data, model, training = prepare(data_dir, settings, embedder, show_progress)
    if task == "rank":
        if not data.candidates:
            raise UserFacingError(f"{data_dir} has no candidates.jsonl: `eval rank` needs fixed candidate lists")
        result = evaluate_rank(model, training, data, methods, show_progress)
        payload = {"task": "rank-20-candidates", "dataset": data.name, "default": result["default"],
                   "methods": result["methods"], "lists": result["lists"], "lists_skipped": result["lists_skipped"]}
    else:
        result = evaluate_next_item(model, training, data.events, methods, show_progress)
        payload = {"task": "next-item-full-catalog", "dataset": data.name, "default": result["default"],
                   "methods": result["methods"], "users": result["users"], "catalog_items": len(model.space)}
    default = payload["methods"].get("shopwise", {})
    baselines = {m: v for m, v in payload["methods"].items() if m != "shopwise"}
    if default and baselines:
        best = max(baselines, key=lambda m: baselines[m]["ndcg@10"])
        payload["best_baseline"] = best
        payload["shopwise_ndcg@10_over_best_baseline"] = default["ndcg@10"] / max(baselines[best]["ndcg@10"], 1e-12)
    payload["seconds"] = round(time.perf_counter() - started, 1)
    md_path, png_path = write_eval_report(json_path, payload)
    from rich.console import Console

    console = Console(stderr=True)
    for method, values in payload["methods"].items():
        console.print(f"{method:>14}  " + "  ".join(f"{k} {v:.4f}" for k, v in values.items()))
    console.print(f"wrote {json_path}, {md_path}, {png_path}")
    return 0
