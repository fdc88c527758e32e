"""A review sentiment model trained on the shop's own reviews: star ratings are free labels.

TF-IDF word uni+bigrams and character n-grams (robust to misspellings) into a logistic
regression; 4-5 stars are positive, 1-2 negative, 3 is left out of training. Evaluated on the
most recent reviews (a time split) against the majority-class baseline.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

import numpy as np

log = logging.getLogger(__name__)
_MARKUP = re.compile(r"\[\[[^\]]*\]\]|<[^>]+>")


def clean_review_text(text: str) -> str:
    return " ".join(_MARKUP.sub(" ", text or "").split())


def star_label(rating: float | None) -> int | None:
    if rating is None:
        return None
    if rating >= 4:
        return 1
    if rating <= 2:
        return 0
    return None


@dataclass(frozen=True)
class SentimentReport:
    train_reviews: int
    test_reviews: int
    accuracy: float
    majority_accuracy: float
    balanced_accuracy: float

    def to_dict(self) -> dict:
        return self.__dict__.copy()


class SentimentModel:
    def __init__(self, pipeline):
        self.pipeline = pipeline

    @classmethod
    def train(cls, texts: list[str], labels: list[int], seed: int = 0) -> "SentimentModel":
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import FeatureUnion, make_pipeline

        if len(set(labels)) < 2:
            raise ValueError("the sentiment model needs both positive (4-5 star) and negative (1-2 star) reviews")
        features = FeatureUnion([
            ("words", TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True, max_features=50_000)),
            ("chars", TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), min_df=3, sublinear_tf=True,
                                      max_features=50_000)),
        ])
        classifier = LogisticRegression(C=4.0, class_weight="balanced", max_iter=2000, random_state=seed)
        pipeline = make_pipeline(features, classifier)
        pipeline.fit([clean_review_text(t) for t in texts], labels)
        return cls(pipeline)

    def positive_probability(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros(0)
        return self.pipeline.predict_proba([clean_review_text(t) for t in texts])[:, 1]

    def polarity(self, texts: list[str]) -> np.ndarray:
        """-1 (negative) .. +1 (positive)."""
        return 2.0 * self.positive_probability(texts) - 1.0

    def word_polarity(self) -> dict[str, float]:
        """Learned weight of each word feature: how much a word alone pushes towards positive."""
        union, classifier = self.pipeline.steps[0][1], self.pipeline.steps[-1][1]
        words = union.transformer_list[0][1]
        vocabulary = words.get_feature_names_out()
        return dict(zip(vocabulary, classifier.coef_[0][: len(vocabulary)]))


def labelled(reviews) -> list[tuple[str, int, float]]:
    out = []
    for review in reviews:
        label = star_label(review.rating)
        text = " ".join(filter(None, [review.title, review.text]))
        if label is not None and text.strip():
            out.append((text, label, review.ts))
    return out


def train_and_evaluate(reviews, test_share: float = 0.2, seed: int = 0) -> tuple[SentimentModel, SentimentReport]:
    """Fit on the older reviews, report on the newest `test_share`, then refit on all of them."""
    data = sorted(labelled(reviews), key=lambda row: row[2])
    if len(data) < 10:
        raise ValueError("the sentiment model needs at least 10 reviews with star ratings")
    cut = int(len(data) * (1 - test_share))
    train, test = data[:cut], data[cut:]
    model = SentimentModel.train([t for t, _, _ in train], [y for _, y, _ in train], seed)
    truth = np.array([y for _, y, _ in test])
    predicted = (model.positive_probability([t for t, _, _ in test]) >= 0.5).astype(int)
    majority = int(np.mean([y for _, y, _ in train]) >= 0.5)
    recalls = [np.mean(predicted[truth == c] == c) for c in (0, 1) if (truth == c).any()]
    report = SentimentReport(len(train), len(test), float(np.mean(predicted == truth)),
                             float(np.mean(truth == majority)), float(np.mean(recalls)))
    final = SentimentModel.train([t for t, _, _ in data], [y for _, y, _ in data], seed)
    return final, report
