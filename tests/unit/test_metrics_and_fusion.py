import math

import pytest

from evals.metrics import hit_at, ndcg_at, recall_at, reciprocal_rank
from retrieval.fusion import reciprocal_rank_fusion


def test_ndcg_binary_by_hand():
    # relevant at positions 1 and 3 of the ranking, two relevant in total
    dcg = 1 / math.log2(2) + 1 / math.log2(4)
    ideal = 1 / math.log2(2) + 1 / math.log2(3)
    assert ndcg_at(["a", "x", "b", "y"], {"a": 1, "b": 1}, 10) == pytest.approx(dcg / ideal)


def test_ndcg_graded_and_cutoff():
    relevant = {"a": 2, "b": 1}
    # only "b" within the cutoff of 1; the ideal puts "a" (gain 3) first
    assert ndcg_at(["b", "a"], relevant, 1) == pytest.approx(1 / 3)
    assert ndcg_at(["a", "b"], relevant, 2) == pytest.approx(1.0)
    assert ndcg_at(["x"], relevant, 10) == 0.0


def test_recall_hit_and_mrr_by_hand():
    ranking = ["x", "a", "y", "b"]
    assert recall_at(ranking, {"a": 1, "b": 1, "c": 1}, 2) == pytest.approx(1 / 3)
    assert recall_at(ranking, {"a": 1, "b": 1, "c": 1}, 50) == pytest.approx(2 / 3)
    assert hit_at(ranking, {"b": 1}, 3) == 0.0 and hit_at(ranking, {"b": 1}, 4) == 1.0
    assert reciprocal_rank(ranking, {"y": 1, "b": 1}) == pytest.approx(1 / 3)
    assert reciprocal_rank(ranking, {"z": 1}) == 0.0


def test_reciprocal_rank_fusion_by_hand():
    fused = dict(reciprocal_rank_fusion({"dense": ["a", "b"], "lexical": ["b", "c"]}, k=60))
    assert fused["b"] == pytest.approx(1 / 62 + 1 / 61)
    assert fused["a"] == pytest.approx(1 / 61)
    assert fused["c"] == pytest.approx(1 / 62)
    order = [i for i, _ in reciprocal_rank_fusion({"dense": ["a", "b"], "lexical": ["b", "c"]})]
    assert order == ["b", "a", "c"]


def test_fusion_weights_shift_the_order():
    order = [i for i, _ in reciprocal_rank_fusion({"dense": ["a"], "lexical": ["c"]}, {"dense": 1, "lexical": 2})]
    assert order == ["c", "a"]


def test_equal_side_scores_share_the_best_rank_by_hand():
    # dense lists b before c with the same score: both count as rank 2, d as rank 4
    fused = dict(reciprocal_rank_fusion({"dense": ["a", "b", "c", "d"]}, k=60,
                                        side_scores={"dense": {"a": 0.9, "b": 0.5, "c": 0.5, "d": 0.1}}))
    assert fused["b"] == fused["c"] == pytest.approx(1 / 62)
    assert fused["d"] == pytest.approx(1 / 64)
    # the order a retriever happened to list tied items in cannot decide the fused order
    swapped = dict(reciprocal_rank_fusion({"dense": ["a", "c", "b", "d"], "lexical": ["c", "b"]},
                                          side_scores={"dense": {"a": 0.9, "b": 0.5, "c": 0.5, "d": 0.1},
                                                       "lexical": {"c": 2.0, "b": 2.0}}))
    assert swapped["b"] == swapped["c"]
