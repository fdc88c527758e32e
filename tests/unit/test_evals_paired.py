"""Paired comparisons of two methods on the same rows, against values computed by hand."""

import json

import pytest

from evals.model_eval import comparison_pairs
from evals.paired import compare_methods, paired_difference
from evals.report import write_eval_report


def test_a_method_better_on_every_row_is_better_with_an_exact_interval():
    compared = paired_difference([1.0, 0.5, 0.75], [0.5, 0.0, 0.25], metric="f1", method="b", baseline="a")
    assert compared.mean_difference == pytest.approx(0.5)
    assert (compared.ci95_low, compared.ci95_high) == pytest.approx((0.5, 0.5))   # every resample means 0.5
    assert compared.verdict == "better" and compared.rows == 3


def test_two_rows_give_the_interval_of_their_resampled_means():
    # differences (0, 1): a resample of two rows means 0 (1/4), 0.5 (1/2) or 1 (1/4), so the 2.5th
    # and 97.5th percentiles of 5,000 resampled means are 0 and 1
    compared = paired_difference([0.0, 1.0], [0.0, 0.0])
    assert compared.mean_difference == pytest.approx(0.5)
    assert (compared.ci95_low, compared.ci95_high) == pytest.approx((0.0, 1.0))
    assert compared.verdict == "no clear difference"


def test_a_difference_within_the_noise_is_not_a_win_and_a_loss_on_every_row_is_worse():
    mixed = paired_difference([1.0, 0.0] * 10, [0.0, 1.0] * 10)
    assert mixed.mean_difference == pytest.approx(0.0)
    assert mixed.ci95_low < 0 < mixed.ci95_high and mixed.verdict == "no clear difference"
    assert paired_difference([0.2] * 5, [0.4] * 5).verdict == "worse"


def test_rows_must_pair_up():
    with pytest.raises(ValueError, match="differ in number"):
        paired_difference([1.0, 0.0], [1.0])
    with pytest.raises(ValueError, match="no rows"):
        paired_difference([], [])


def test_methods_are_compared_on_the_metrics_they_share():
    per_row = {"first-stage": {"ndcg": [1.0, 0.5]},
               "zero-shot": {"ndcg": [0.5, 0.5], "f1": [0.0, 0.0]},
               "few-shot": {"ndcg": [1.0, 1.0], "f1": [1.0, 0.5]}}
    compared = compare_methods(per_row, [("few-shot", "zero-shot"), ("zero-shot", "first-stage"),
                                         ("fine-tuned", "few-shot")])
    found = {(c.method, c.baseline, c.metric): c.mean_difference for c in compared}
    assert found == pytest.approx({("few-shot", "zero-shot", "ndcg"): 0.5, ("few-shot", "zero-shot", "f1"): 0.75,
                                   ("zero-shot", "first-stage", "ndcg"): -0.25})


def test_eval_model_compares_each_step_of_the_ladder_and_the_first_stage():
    names = ["random", "first-stage", "zero-shot", "few-shot", "fine-tuned", "online-v0002"]
    assert comparison_pairs(names) == [
        ("few-shot", "zero-shot"), ("fine-tuned", "few-shot"), ("fine-tuned", "zero-shot"),
        ("zero-shot", "first-stage"), ("few-shot", "first-stage"), ("fine-tuned", "first-stage"),
        ("online-v0002", "first-stage"), ("online-v0002", "fine-tuned")]
    assert comparison_pairs(["zero-shot", "fine-tuned"]) == [("fine-tuned", "zero-shot")]


def test_the_report_shows_the_paired_differences(tmp_path):
    per_row = {"zero-shot": {"f1": [0.0, 0.0, 0.5]}, "few-shot": {"f1": [1.0, 0.5, 1.0]}}
    comparisons = [c.as_dict() for c in compare_methods(per_row, [("few-shot", "zero-shot")])]
    payload = {"task": "model", "dataset": "d", "default": "few-shot",
               "methods": {"zero-shot": {"f1": 1 / 6}, "few-shot": {"f1": 5 / 6}},
               "comparisons": comparisons, "per_row": per_row}
    md, _ = write_eval_report(tmp_path / "model.json", payload)
    text = md.read_text()
    assert "| f1 | few-shot | zero-shot | 3 | +0.6667 | [+0.5000, +1.0000] | better |" in text
    assert json.loads((tmp_path / "model.json").read_text())["comparisons"][0]["verdict"] == "better"
