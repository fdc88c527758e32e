"""The trained personalised ranking model: catalog arrays + behaviour log + sequential model + combiner.

`train_ranking_model` follows a time-based split per shopper: the last event of every shopper is
held out (the evaluation target, never seen in training); the sequential model used to fit the
combiner is trained without the last two, and the combiner learns from each shopper's second-to-
last event, with features computed only from data before that event. The sequential model that
serves is then retrained on everything but the held-out targets.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from agent.ranking.combiner import LinearCombiner, fit_pairwise
from agent.ranking.features import FeatureConfig, History, compute_features
from agent.ranking.interactions import InteractionConfig, InteractionLog
from agent.ranking.item_space import ItemSpace
from agent.ranking.lexical_history import HistoryLexicalMatcher
from agent.ranking.sequential import SequentialConfig, SequentialModel

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RankerTrainingConfig:
    random_negatives: int = 19
    hard_negatives: int = 0            # items near the history; random ones match how shoppers are measured
    rerank_depth: int = 50             # stage 2 re-orders stage 1's top items when ranking more than this
    examples_per_user: int = 3
    regularization: float = 1.0
    seed: int = 0
    sequential: SequentialConfig = field(default_factory=SequentialConfig)
    features: FeatureConfig = field(default_factory=FeatureConfig)
    interactions: InteractionConfig = field(default_factory=InteractionConfig)


def user_sequences(events, space: ItemSpace) -> dict[str, list]:
    """Each shopper's events on known items, oldest first (file order breaks ties)."""
    sequences: dict[str, list] = defaultdict(list)
    for event in events:
        if event.item_id in space.index:
            sequences[event.user_id].append(event)
    for sequence in sequences.values():
        sequence.sort(key=lambda e: e.ts)
    return dict(sequences)


def drop_last(sequences: dict[str, list], count: int = 1, keep_min: int = 2) -> dict[str, list]:
    """Remove each shopper's last `count` events where the sequence has at least `keep_min`."""
    out = {}
    for user, sequence in sequences.items():
        trimmed = sequence
        for _ in range(count):
            trimmed = trimmed[:-1] if len(trimmed) >= keep_min else trimmed
        out[user] = trimmed
    return out


def history_of(space: ItemSpace, events, interactions: InteractionConfig) -> History:
    return History(rows=np.array([space.index[e.item_id] for e in events], dtype=np.int64),
                   ts=np.array([e.ts for e in events], dtype=np.float64),
                   weights=np.array([interactions.weight(e.type) for e in events], dtype=np.float64))


@dataclass
class RankingModel:
    space: ItemSpace
    log: InteractionLog
    sequential: SequentialModel
    combiner: LinearCombiner
    config: RankerTrainingConfig
    lexical: HistoryLexicalMatcher | None = None
    reranker: LinearCombiner | None = None

    def __post_init__(self) -> None:
        self.lexical = self.lexical or HistoryLexicalMatcher(self.space)

    def features(self, history: History, rows: np.ndarray, before: float = np.inf,
                 query_vector: np.ndarray | None = None) -> np.ndarray:
        sequence = self.sequential.scores(history.rows, rows) if len(history) else None
        lexical = self.lexical.scores(history.rows, rows) if len(history) else None
        return compute_features(self.space, self.log, history, rows, before, sequence, query_vector,
                                self.config.features, lexical)

    def score(self, history: History, rows: np.ndarray, before: float = np.inf,
              query_vector: np.ndarray | None = None) -> np.ndarray:
        return self.cascade(self.features(history, rows, before, query_vector))

    def cascade(self, features: np.ndarray) -> np.ndarray:
        """Stage 1 scores everything; stage 2, fitted on stage 1's hardest mistakes, re-orders its top."""
        scores = self.combiner.score(features)
        depth = self.config.rerank_depth
        if self.reranker is None or len(scores) <= depth:
            return scores
        top = np.argpartition(-scores, depth)[:depth]
        reranked = self.reranker.score(features[top])
        scores[top] = scores.max() + 1.0 + (reranked - reranked.min())
        return scores

    def explain(self, features: np.ndarray) -> tuple[np.ndarray, list[dict[str, float]]]:
        """Scores and per-signal contributions from the stage that decided each row's place."""
        scores = self.cascade(features.copy())
        contributions = self.combiner.contributions(features)
        if self.reranker is not None and len(scores) > self.config.rerank_depth:
            top = np.argsort(-scores)[: self.config.rerank_depth]
            for row, parts in zip(top, self.reranker.contributions(features[top])):
                contributions[row] = parts
        return scores, contributions

    def save(self, path: Path) -> None:
        import torch

        path.parent.mkdir(parents=True, exist_ok=True)
        torch.save({"sequential": self.sequential.state(), "combiner": self.combiner.to_dict(),
                    "reranker": self.reranker.to_dict() if self.reranker else None, "item_ids": self.space.ids}, path)

    @classmethod
    def load(cls, path: Path, space: ItemSpace, log: InteractionLog,
             config: RankerTrainingConfig = RankerTrainingConfig()) -> "RankingModel":
        import torch

        state = torch.load(path, weights_only=False)
        if state["item_ids"] != space.ids:
            from shopwise.errors import UserFacingError
            raise UserFacingError(f"{path} was trained on another catalog: run `shopwise train ranker --data DIR` again")
        reranker = LinearCombiner.from_dict(state["reranker"]) if state.get("reranker") else None
        return cls(space, log, SequentialModel.from_state(state["sequential"], space.vectors),
                   LinearCombiner.from_dict(state["combiner"]), config, reranker=reranker)


def _negatives(space: ItemSpace, touched: set[int], target: int, history: History, rng,
               config: RankerTrainingConfig) -> list[int]:
    pool = np.setdiff1d(np.arange(len(space)), np.fromiter(touched | {target}, dtype=np.int64))
    if not len(pool):
        return []
    randoms = rng.choice(pool, size=min(config.random_negatives, len(pool)), replace=False).tolist()
    if config.hard_negatives and len(history):
        closeness = space.vectors[pool] @ space.vectors[history.rows].mean(axis=0)
        nearest = pool[np.argsort(-closeness)[: config.hard_negatives * 5]]
        hard = rng.choice(nearest, size=min(config.hard_negatives, len(nearest)), replace=False).tolist()
        randoms += [h for h in hard if h not in randoms]
    return randoms


def combiner_lists(space: ItemSpace, interactions: InteractionLog, sequential: SequentialModel,
                   sequences: dict[str, list], config: RankerTrainingConfig,
                   lexical: HistoryLexicalMatcher, stage_one: LinearCombiner | None = None) -> list[np.ndarray]:
    """Feature lists (chosen item first, then negatives) for each shopper's last training events:
    random negatives for stage 1, or stage 1's own top-ranked mistakes for stage 2."""
    rng = np.random.default_rng(config.seed)
    lists = []
    for user in sorted(sequences):
        sequence = sequences[user]
        touched = {space.index[e.item_id] for e in sequence}
        for offset in range(1, config.examples_per_user + 1):
            if len(sequence) - offset < 1:
                break
            target = sequence[-offset]
            history = history_of(space, sequence[:-offset], config.interactions)
            row = space.index[target.item_id]
            if row in history.rows:
                continue
            rows = np.array([row] + _negatives(space, touched, row, history, rng, config), dtype=np.int64)
            if stage_one is not None:
                rows = np.concatenate([[row], np.setdiff1d(np.arange(len(space)), list(touched | {row}))])
            features = compute_features(space, interactions, history, rows, target.ts,
                                        sequential.scores(history.rows, rows), None, config.features,
                                        lexical.scores(history.rows, rows))
            if stage_one is not None:
                # Stage 2 only ever sees what stage 1 lets through: lists where the chosen item made
                # stage 1's top, against the others that made it.
                scores = stage_one.score(features)
                if (scores[1:] > scores[0]).sum() >= config.rerank_depth:
                    continue
                others = 1 + np.argsort(-scores[1:])[: config.rerank_depth - 1]
                features = features[np.concatenate([[0], others])]
            lists.append(features)
    return lists


def train_ranking_model(space: ItemSpace, events, config: RankerTrainingConfig = RankerTrainingConfig(),
                        held_out: int = 1, show_progress: bool = False) -> RankingModel:
    """Train on `events` minus each shopper's last `held_out` events (the evaluation targets)."""
    interactions = InteractionLog(space, events, config.interactions)
    sequences = drop_last(user_sequences(events, space), held_out)
    fitting = drop_last(sequences, config.examples_per_user)
    early = SequentialModel.train(space.vectors, [history_of(space, s, config.interactions).rows.tolist()
                                                  for s in fitting.values()], config.sequential, show_progress)
    lexical = HistoryLexicalMatcher(space)
    lists = combiner_lists(space, interactions, early, sequences, config, lexical)
    if not lists:
        from shopwise.errors import UserFacingError
        raise UserFacingError("not enough behaviour to learn ranking weights: shoppers need at least 3 events")
    combiner = fit_pairwise(lists, config.regularization, config.seed)
    hard_lists = combiner_lists(space, interactions, early, sequences, config, lexical, stage_one=combiner)
    reranker = fit_pairwise(hard_lists, config.regularization, config.seed) if len(hard_lists) >= 20 else None
    log.info("combiner fitted on %d lists: %s", len(lists),
             ", ".join(f"{n}={w:+.2f}" for n, w in zip(combiner.names, combiner.weights)))
    final = SequentialModel.train(space.vectors, [history_of(space, s, config.interactions).rows.tolist()
                                                  for s in sequences.values()], config.sequential, show_progress)
    return RankingModel(space, interactions, final, combiner, config, lexical, reranker)
