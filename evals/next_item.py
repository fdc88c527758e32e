"""`shopwise eval next-item`: leave-one-out by time, ranked over the full catalog.

Each shopper's last event is the target; their earlier events are the history; every catalog item
the shopper has not touched is a candidate. HR@10, NDCG@10 and HR@50 per method.
"""

from __future__ import annotations

import numpy as np

from agent.ranking.model import RankingModel, history_of, user_sequences
from evals.metrics import hit_at, mean, ndcg_at
from evals.recommend_methods import DEFAULT_METHOD, METHODS, build_scorers

METRICS = (("hr@10", hit_at, 10), ("ndcg@10", ndcg_at, 10), ("hr@50", hit_at, 50))


def evaluate_next_item(model: RankingModel, training: dict[str, list], events, methods=METHODS,
                       show_progress: bool = False) -> dict:
    from tqdm import tqdm

    scorers = {name: scorer for name, scorer in build_scorers(model, training).items() if name in methods}
    results = {m: {name: [] for name, _, _ in METRICS} for m in scorers}
    rng = np.random.default_rng(0)
    sequences = user_sequences(events, model.space)
    users = [u for u in sorted(sequences) if len(sequences[u]) >= 2]
    for user in tqdm(users, desc="next-item over the full catalog", disable=not show_progress):
        *earlier, target = sequences[user]
        history = history_of(model.space, earlier, model.config.interactions)
        relevant = {target.item_id: 1}
        tie_break = rng.random(len(model.space)) * 1e-9
        for name, scorer in scorers.items():
            scores = scorer(history, target.ts) + tie_break
            scores[history.rows] = -np.inf                     # already bought: not a recommendation
            top = np.argpartition(-scores, 50)[:50] if len(scores) > 50 else np.arange(len(scores))
            ranking = [model.space.ids[i] for i in top[np.argsort(-scores[top], kind="stable")]]
            for metric, function, k in METRICS:
                results[name][metric].append(function(ranking, relevant, k))
    return {"methods": {m: {metric: mean(v) for metric, v in values.items()} for m, values in results.items()},
            "users": len(users), "default": DEFAULT_METHOD}
