"""Ranking signals: time-cut statistics, features, learned weights, the sequential model, metrics."""

from __future__ import annotations

import math

import torch

torch.set_num_threads(1)

import numpy as np
import pytest

from agent.ranking.combiner import fit_pairwise
from agent.ranking.features import FEATURES, History, compute_features
from agent.ranking.interactions import InteractionLog
from agent.ranking.item_space import ItemSpace
from agent.ranking.sequential import SequentialConfig, SequentialModel
from evals.metrics import hit_at, ndcg_at
from profiles.records import Event
from retrieval.catalog import parse_item
from tests.profiles_fixtures import tiny_items


@pytest.fixture
def space(fake_embedder):
    items = {raw["item_id"]: parse_item(raw, []) for raw in tiny_items()}
    from retrieval.documents import item_text

    return ItemSpace.build(items, fake_embedder.embed([item_text(i) for i in items.values()]))


def test_statistics_never_see_the_cut_off_time_or_later(space):
    events = [Event("a", "camera-0", "purchase", 10.0), Event("b", "camera-0", "purchase", 20.0),
              Event("b", "charger-0", "purchase", 20.0)]
    log = InteractionLog(space, events)
    row = space.index["camera-0"]
    assert log.counts(before=20.0)[row] == pytest.approx(6.0)          # the event at t=20 is excluded
    assert log.counts()[row] == pytest.approx(12.0)
    assert log.co_counts([row], before=20.0)[space.index["charger-0"]] == 0
    assert log.co_counts([row])[space.index["charger-0"]] == 1
    assert np.isnan(log.last_seen(before=10.0)[row]) and log.last_seen()[row] == 20.0


def test_session_pairs_are_flagged(space):
    events = [Event("a", "camera-0", "purchase", 1.0, "s1"), Event("a", "charger-0", "purchase", 2.0, "s1"),
              Event("a", "shampoo-0", "purchase", 3.0, "s2")]
    log = InteractionLog(space, events)
    together = log.co_counts([space.index["camera-0"]], session_only=True)
    assert together[space.index["charger-0"]] == 1 and together[space.index["shampoo-0"]] == 0


def test_features_reward_items_like_the_history(space):
    log = InteractionLog(space, [])
    history = History(space.rows(["camera-0", "camera-1"]), np.array([1.0, 2.0]), np.ones(2))
    rows = space.rows(["camera-3", "shampoo-3"])
    features = compute_features(space, log, history, rows, before=3.0)
    for name in ("sim_max", "brand_share", "leaf_share"):
        column = FEATURES.index(name)
        assert features[0, column] > features[1, column], name


def test_combiner_learns_which_signal_predicts_the_choice():
    rng = np.random.default_rng(0)
    lists = []
    for _ in range(200):
        matrix = rng.normal(size=(10, len(FEATURES)))
        matrix[0, FEATURES.index("co_last")] += 2.0          # the chosen item was co-bought
        lists.append(matrix)
    combiner = fit_pairwise(lists)
    weights = dict(zip(combiner.names, combiner.weights))
    assert weights["co_last"] == max(weights.values()) and weights["co_last"] > 1.0
    contributions = combiner.contributions(lists[0][:1])[0]
    assert set(contributions) >= {"co_purchase", "popularity", "profile_affinity"}


def test_sequential_model_learns_what_follows_what(space):
    import torch

    torch.manual_seed(0)
    a, b, c = space.index["camera-0"], space.index["charger-0"], space.index["shampoo-0"]
    sequences = [[a, b], [c, a, b], [a, b, c]] * 20
    model = SequentialModel.train(space.vectors, sequences, SequentialConfig(epochs=30, hidden=16, max_len=5))
    scores = model.scores([a])
    assert scores[b] == scores.max()


def test_metrics_match_hand_computed_values():
    ranking = ["x", "y", "target", "z"]
    assert ndcg_at(ranking, {"target": 1}, 10) == pytest.approx(1 / math.log2(4))
    assert ndcg_at(ranking, {"target": 1}, 2) == 0.0
    assert hit_at(ranking, {"target": 1}, 3) == 1.0 and hit_at(ranking, {"target": 1}, 2) == 0.0
    assert ndcg_at(["target"], {"target": 1}, 1) == 1.0
