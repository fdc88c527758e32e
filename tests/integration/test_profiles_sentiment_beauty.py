"""The review sentiment model on real held-out reviews (amazon-all-beauty), with the real MiniLM."""

from __future__ import annotations

import pytest

from profiles.dataset import load_dataset
from profiles.sentiment import train_and_evaluate
from tests.conftest import shared_dataset


@pytest.mark.slow
@pytest.mark.shared_data
def test_sentiment_finds_complaints_in_held_out_beauty_reviews(real_embedder):
    data = load_dataset(shared_dataset("amazon-all-beauty"), with_items=False)
    _, report = train_and_evaluate(real_embedder, data.reviews)
    assert report.test_reviews > 300
    assert report.majority_accuracy > 0.85              # mostly positive reviews: accuracy alone flatters
    assert report.balanced_accuracy > 0.5 + 0.2         # majority class: exactly 0.5
    assert report.accuracy > 0.8
