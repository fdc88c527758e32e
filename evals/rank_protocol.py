"""`shopwise eval rank`: rank each shopper's target among itself and 19 negatives (candidates.jsonl).

The shopper's target event is held out of all training; signals are computed from data strictly
before the target's time. NDCG@1/5/10/20 per method.
"""

from __future__ import annotations

import logging

import numpy as np

from evals.metrics import mean, ndcg_at
from evals.recommend_methods import DEFAULT_METHOD, METHODS, build_scorers, history_for
from agent.ranking.model import RankingModel, user_sequences

log = logging.getLogger(__name__)
CUTOFFS = (1, 5, 10, 20)


def target_time(user_events: list, target: str) -> float:
    times = [e.ts for e in user_events if e.item_id == target]
    return times[-1] if times else np.inf


def evaluate_rank(model: RankingModel, training: dict[str, list], dataset, methods=METHODS,
                  show_progress: bool = False) -> dict:
    from tqdm import tqdm

    scorers = {name: scorer for name, scorer in build_scorers(model, training).items() if name in methods}
    everyone = user_sequences(dataset.events, model.space)
    results: dict[str, dict[str, list[float]]] = {m: {f"ndcg@{k}": [] for k in CUTOFFS} for m in scorers}
    rng = np.random.default_rng(0)
    skipped = 0
    for line in tqdm(dataset.candidates, desc="ranking candidate lists", disable=not show_progress):
        listed = [line.target, *line.negatives]
        if any(i not in model.space.index for i in listed):
            skipped += 1
            continue
        events = everyone.get(line.user_id, [])
        before = target_time(events, line.target)
        history = history_for(model, events, line.history, before)
        rows = model.space.rows(listed)
        tie_break = rng.random(len(rows)) * 1e-9          # ties must not favour the target's position
        for name, scorer in scorers.items():
            scores = scorer(history, before)[rows] + tie_break
            ranking = [listed[i] for i in np.argsort(-scores, kind="stable")]
            for k in CUTOFFS:
                results[name][f"ndcg@{k}"].append(ndcg_at(ranking, {line.target: 1}, k))
    if skipped:
        log.warning("%d candidate lists name items missing from the catalog and were skipped", skipped)
    return {"methods": {m: {metric: mean(v) for metric, v in values.items()} for m, values in results.items()},
            "lists": len(dataset.candidates) - skipped, "lists_skipped": skipped, "default": DEFAULT_METHOD}
