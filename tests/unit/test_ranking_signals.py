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
    rows = np.array([c, b])
    assert np.allclose(model.scores([a], rows), scores[rows], atol=1e-6)     # candidates only: same values


def test_numpy_encoder_equals_the_torch_module():
    """Serving encodes histories in numpy; it must give the trained module's own output."""
    import torch

    from agent.ranking.sequential import SASRec, _pad
    from agent.ranking.sequential_inference import NumpySequenceEncoder

    torch.manual_seed(3)
    rng = np.random.default_rng(3)
    module = SASRec(rng.normal(size=(50, 12)).astype(np.float32), SequentialConfig(hidden=16, heads=2, max_len=6))
    for parameter in module.parameters():              # away from the initial values (zero biases)
        torch.nn.init.normal_(parameter, std=0.3)
    module.eval()
    with torch.no_grad():
        items = module.item_matrix()
        encoder = NumpySequenceEncoder(module, items)
        for history in ([4], [1, 2, 3], list(range(10, 19)), [0, 49, 7, 7]):
            padded = _pad(history, 6)
            expected = module.encode(torch.tensor([padded]), items)[0, -1].numpy()
            assert np.allclose(encoder.last_state(tuple(padded)), expected, atol=1e-5), history


def test_history_lexical_scores_equal_bm25s_on_the_joined_titles(space):
    from agent.ranking.lexical_history import HistoryLexicalMatcher

    matcher = HistoryLexicalMatcher(space)
    history = [space.index["camera-0"], space.index["charger-0"], space.index["camera-0"]]
    titles = " ".join(space.items[space.ids[r]].title for r in history)
    tokens = matcher._bm25s.tokenize([titles], stemmer=matcher._stemmer, return_ids=False, show_progress=False)[0]
    reference = np.asarray(matcher._retriever.get_scores(tokens), dtype=np.float64)
    assert reference.max() > 0
    assert np.allclose(matcher.scores(history), reference / reference.max(), atol=1e-6)
    rows = np.array([3, 0, 1])
    assert np.allclose(matcher.scores(history, rows), (reference / reference.max())[rows], atol=1e-6)
    assert not matcher.scores([], rows).any()


def test_co_counts_sum_every_pair_with_its_weight(space):
    events = [Event("a", "camera-0", "purchase", 1.0), Event("a", "charger-0", "purchase", 2.0),
              Event("b", "camera-0", "purchase", 3.0), Event("b", "charger-0", "purchase", 4.0),
              Event("b", "shampoo-0", "purchase", 5.0)]
    log = InteractionLog(space, events)
    camera, charger, shampoo = space.index["camera-0"], space.index["charger-0"], space.index["shampoo-0"]
    both = log.co_counts([camera, shampoo], row_weights=np.array([2.0, 0.5]))
    naive = 2.0 * log.co_counts([camera]) + 0.5 * log.co_counts([shampoo])
    assert np.allclose(both, naive)
    assert both[charger] == pytest.approx(2.0 * 2 + 0.5 * 1)        # with camera twice, with shampoo once
    assert not log.co_counts([]).any()


def test_projected_scan_keeps_the_exact_head_of_the_ranking():
    """Large catalogs are scanned through a PCA projection; the best rows must still be exact."""
    from agent.ranking.item_space import ScanConfig

    rng = np.random.default_rng(1)
    centres = rng.normal(size=(40, 64))
    vectors = centres[rng.integers(0, 40, 6000)] + 0.6 * rng.normal(size=(6000, 64))
    vectors = (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float32)
    ids = [f"i{n}" for n in range(len(vectors))]
    n = len(ids)
    space = ItemSpace(ids, vectors, np.full(n, -1), np.full(n, -1), np.full(n, -1), np.full(n, np.nan),
                      np.full(n, np.nan), np.zeros(n), {}, ScanConfig(components=24, shortlist=300, min_items=5000))
    recalls = []
    for _ in range(20):
        profile = vectors[rng.integers(0, n, 5)].sum(axis=0)
        profile /= np.linalg.norm(profile)
        exact, scanned = vectors @ profile, space.similarities(profile)
        head = np.argsort(-scanned)[:40]
        assert np.allclose(scanned[head], exact[head], atol=1e-5)        # the shown head is scored exactly
        recalls.append(len(set(head) & set(np.argsort(-exact)[:40])) / 40)
    assert np.mean(recalls) >= 0.97
    small = ItemSpace(ids[:100], vectors[:100], np.full(100, -1), np.full(100, -1), np.full(100, -1),
                      np.full(100, np.nan), np.full(100, np.nan), np.zeros(100), {})
    assert np.array_equal(small.similarities(vectors[0]), vectors[:100] @ vectors[0])   # small: exact


def test_metrics_match_hand_computed_values():
    ranking = ["x", "y", "target", "z"]
    assert ndcg_at(ranking, {"target": 1}, 10) == pytest.approx(1 / math.log2(4))
    assert ndcg_at(ranking, {"target": 1}, 2) == 0.0
    assert hit_at(ranking, {"target": 1}, 3) == 1.0 and hit_at(ranking, {"target": 1}, 2) == 0.0
    assert ndcg_at(["target"], {"target": 1}, 1) == 1.0
