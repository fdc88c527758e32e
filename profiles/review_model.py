"""The sentiment model and aspect lexicon for a shop's reviews, trained once and cached by content."""

from __future__ import annotations

import hashlib
import logging
import pickle
from pathlib import Path

from profiles.aspects import AspectConfig, AspectLexicon
from profiles.sentiment import SentimentModel, SentimentReport, train_and_evaluate
from retrieval.documents import item_text

log = logging.getLogger(__name__)


def reviews_digest(reviews) -> str:
    digest = hashlib.sha256()
    for review in reviews:
        digest.update(f"{review.item_id}\x1f{review.rating}\x1f{review.ts}\x1f{review.text}\x1e".encode())
    return digest.hexdigest()[:16]


def build_review_lexicon(reviews, items: dict, embedder, cache_dir: Path | None,
                         config: AspectConfig = AspectConfig()) -> tuple[AspectLexicon | None, SentimentReport | None]:
    """(lexicon, held-out report), or (None, None) when there are too few rated reviews.

    The cache holds the classifier and the aspect terms only (no review text, no shopper ids)."""
    reviews = list(reviews)
    key = f"{reviews_digest(reviews)}-{hashlib.sha256(embedder.name.encode()).hexdigest()[:8]}"
    path = Path(cache_dir) / "review-models" / f"{key}.pkl" if cache_dir else None
    if path is not None and path.is_file():
        with open(path, "rb") as handle:
            classifier, terms, report = pickle.load(handle)
        return AspectLexicon(terms, SentimentModel(embedder, classifier), config), report
    try:
        sentiment, report = train_and_evaluate(embedder, reviews)
    except ValueError as error:
        log.info("no review sentiment model: %s", error)
        return None, None
    lexicon = AspectLexicon.mine([f"{r.title or ''} {r.text}" for r in reviews],
                                 [item_text(item) for item in items.values()], sentiment, config)
    log.info("sentiment model: accuracy %.3f (majority class %.3f) on %d held-out reviews; %d aspect terms",
             report.accuracy, report.majority_accuracy, report.test_reviews, len(lexicon.terms))
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "wb") as handle:
            pickle.dump((sentiment.classifier, lexicon.terms, report), handle)
    return lexicon, report
