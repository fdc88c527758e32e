"""Which product aspects a shopper talks about in reviews, and whether they like them.

Aspect terms are mined from the shop's own data, not listed by hand: frequent review words and
bigrams that (a) also occur in the catalog's item texts — so they name something about products —
(b) are not opinion words (the sentiment model finds them neutral alone), and (c) are not generic (they
appear in less than `max_review_share` of reviews). Each review sentence that mentions an aspect
is scored by the trained sentiment model; a shopper's opinion on an aspect is the mean polarity of
their sentences about it, with those sentences kept as evidence.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np

from profiles.sentiment import SentimentModel, clean_review_text

_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")
_TOKEN = re.compile(r"[a-z][a-z0-9'-]+")


@dataclass(frozen=True)
class AspectConfig:
    min_reviews: int = 5
    max_review_share: float = 0.15
    max_opinion_polarity: float = 0.5    # |sentiment of the term alone| above this = opinion word
    vocabulary_size: int = 150
    opinion_threshold: float = 0.25      # |mean polarity| needed to call it "likes" / "complains"


@dataclass
class AspectOpinion:
    aspect: str
    polarity: float
    mentions: int
    evidence: list[tuple[str, str]] = field(default_factory=list)    # (item_id, sentence)

    @property
    def stance(self) -> str:
        return "likes" if self.polarity > 0 else "complains about"

    def to_dict(self) -> dict:
        return {"aspect": self.aspect, "polarity": self.polarity, "mentions": self.mentions,
                "evidence": [list(e) for e in self.evidence]}

    @classmethod
    def from_dict(cls, data: dict) -> "AspectOpinion":
        return cls(data["aspect"], data["polarity"], data["mentions"], [tuple(e) for e in data["evidence"]])


def sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE.split(clean_review_text(text)) if len(s.strip()) > 3]


def review_sentences(review) -> list[str]:
    """The review's title as a sentence of its own, then the text's sentences; a title that the
    text repeats (a common shape: the first sentence as the title) is not counted twice."""
    body = sentences(review.text or "")
    said = {s.rstrip(".!?").lower() for s in body}
    return [t for t in sentences(review.title or "") if t.rstrip(".!?").lower() not in said] + body


def tokens(text: str) -> list[str]:
    words = _TOKEN.findall(text.lower())
    return words + [f"{a} {b}" for a, b in zip(words, words[1:])]


class AspectLexicon:
    def __init__(self, terms: list[str], sentiment: SentimentModel, config: AspectConfig = AspectConfig()):
        self.terms = terms
        self._terms = set(terms)
        self.sentiment = sentiment
        self.config = config

    @classmethod
    def mine(cls, review_texts: list[str], catalog_texts: list[str], sentiment: SentimentModel,
             config: AspectConfig = AspectConfig()) -> "AspectLexicon":
        from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

        review_df: dict[str, int] = defaultdict(int)
        for text in review_texts:
            for term in set(tokens(clean_review_text(text))):
                review_df[term] += 1
        catalog_terms = {t for text in catalog_texts for t in tokens(text)}
        limit = config.max_review_share * max(1, len(review_texts))

        def frequent_product_term(term: str, count: int) -> bool:
            words = term.split()
            return (config.min_reviews <= count <= limit and term in catalog_terms
                    and not any(w in ENGLISH_STOP_WORDS or len(w) < 3 for w in words))

        ranked = sorted((t for t, c in review_df.items() if frequent_product_term(t, c)), key=lambda t: -review_df[t])
        ranked = ranked[: config.vocabulary_size * 2]
        polarity = sentiment.polarity(ranked)                 # opinion words carry sentiment on their own
        neutral = [t for t, p in zip(ranked, polarity) if abs(p) <= config.max_opinion_polarity]
        return cls(neutral[: config.vocabulary_size], sentiment, config)

    def opinions(self, reviews) -> list[AspectOpinion]:
        """The shopper's aspects, strongest opinion first (neutral ones left out)."""
        mentions: list[tuple[str, str, str]] = []            # (aspect, item_id, sentence)
        for review in reviews:
            for sentence in review_sentences(review):
                for term in set(tokens(sentence)) & self._terms:
                    mentions.append((term, review.item_id, sentence))
        if not mentions:
            return []
        polarity = self.sentiment.polarity([m[2] for m in mentions])
        grouped: dict[str, list[int]] = defaultdict(list)
        for index, (term, _, _) in enumerate(mentions):
            grouped[term].append(index)
        opinions = []
        for term, indices in grouped.items():
            score = float(np.mean(polarity[indices]))
            if abs(score) < self.config.opinion_threshold:
                continue
            best = sorted(indices, key=lambda i: -abs(polarity[i]))[:2]
            opinions.append(AspectOpinion(term, score, len(indices),
                                          [(mentions[i][1], mentions[i][2][:200]) for i in best]))
        return sorted(opinions, key=lambda o: (-o.mentions, -abs(o.polarity)))
