"""Sentiment model trained on star ratings, and aspects mined from review text."""

from __future__ import annotations

import pytest

from profiles.aspects import AspectConfig, AspectLexicon
from profiles.records import Review
from profiles.sentiment import SentimentModel

GOOD = ["love the scent so much", "great battery life, lasts days", "excellent, works great", "love it, great value"]
BAD = ["terrible scent, smells awful", "awful battery life, dies fast", "broke after a day, terrible", "awful waste"]


def synthetic_reviews(n: int = 60) -> list[Review]:
    reviews = []
    for i in range(n):
        good = i % 3 != 0
        text = (GOOD if good else BAD)[i % 4]
        reviews.append(Review(f"u{i % 7}", f"i{i % 5}", text, float(i), 5.0 if good else 1.0))
    return reviews


def test_sentiment_model_learns_polarity_from_stars(fake_embedder):
    reviews = synthetic_reviews()
    model = SentimentModel.train(fake_embedder, [r.text for r in reviews], [int(r.rating > 3) for r in reviews])
    polarity = model.polarity(["I love it, great", "awful, terrible"])
    assert polarity[0] > 0 > polarity[1]


def test_aspects_are_mined_and_scored_per_shopper(fake_embedder):
    reviews = synthetic_reviews()
    model = SentimentModel.train(fake_embedder, [r.text for r in reviews], [int(r.rating > 3) for r in reviews])
    catalog_texts = ["Fresh scent shampoo", "Phone with long battery life"]
    lexicon = AspectLexicon.mine([r.text for r in reviews], catalog_texts, model,
                                 AspectConfig(min_reviews=3, max_review_share=0.6, max_opinion_polarity=0.9))
    assert "scent" in lexicon.terms and "battery" in lexicon.terms
    assert "love" not in lexicon.terms                 # not in any item text: not a product aspect
    liker = [Review("a", "i1", "I love the scent, great scent", 1.0, 5.0)]
    hater = [Review("b", "i1", "The scent is terrible and awful", 1.0, 1.0)]
    liked = {o.aspect: o for o in lexicon.opinions(liker)}
    hated = {o.aspect: o for o in lexicon.opinions(hater)}
    assert liked["scent"].stance == "likes" and hated["scent"].stance == "complains about"
    assert "scent" in liked["scent"].evidence[0][1].lower()


def test_a_review_title_is_its_own_sentence_and_not_repeated():
    from profiles.aspects import review_sentences

    repeated = Review("a", "i1", "Battery lasts for days. Great value.", 1.0, 5.0, title="Battery lasts for days")
    assert review_sentences(repeated) == ["Battery lasts for days.", "Great value."]
    titled = Review("a", "i1", "It smells fresh.", 1.0, 5.0, title="Lovely scent")
    assert review_sentences(titled) == ["Lovely scent", "It smells fresh."]
    assert review_sentences(Review("a", "i1", "Works well.", 1.0, None)) == ["Works well."]
