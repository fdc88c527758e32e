"""The embedder-tuning split: held-out queries' items are never seen together in training."""

from itertools import combinations
from pathlib import Path

import pytest

from evals.queries import EvalQuery
from profiles.dataset import Dataset
from profiles.records import Event
from retrieval.catalog import Item
from retrieval.documents import item_text
from retrieval.embedder_tuning import (EmbedderTuningConfig, baskets, build_tuning_data, queries_to_evaluate,
                                       split_queries)
from shopwise.errors import UserFacingError


def query(query_id, *items, text=None):
    return EvalQuery(query_id, text or f"intent {query_id}", {i: 1.0 for i in items})


def dataset(events=()):
    items = {str(n): Item(item_id=str(n), title=f"product {n}", categories=["Electronics", f"kind {n % 3}"])
             for n in range(12)}
    return Dataset(root=Path("/tmp/shop"), items=items, events=list(events))


def purchase(user, item, session, kind="purchase"):
    return Event(user_id=user, item_id=item, type=kind, ts=1.0, session_id=session)


QUERIES = [query("q0", "0", "1", "2"), query("q1", "1", "2"), query("q2", "3", "4"), query("q3", "5", "6"),
           query("q4", "0", "7"), query("q5", "8", "9"), query("q6", "10", "11"), query("q7", "2", "9"),
           query("q8", "4", "5"), query("q9", "6", "7")]


def test_split_is_seeded_and_disjoint():
    first, again = split_queries(QUERIES, 0.3, seed=1), split_queries(QUERIES, 0.3, seed=1)
    assert [q.query_id for q in first.held_out] == [q.query_id for q in again.held_out]
    assert len(first.held_out) == 3
    held = {q.query_id for q in first.held_out}
    assert held.isdisjoint(q.query_id for q in first.training)
    assert len(first.training) + first.withheld + len(first.held_out) == len(QUERIES)
    others = {frozenset(q.query_id for q in split_queries(QUERIES, 0.3, seed=s).held_out) for s in range(6)}
    assert len(others) > 1                               # the seed matters


@pytest.mark.parametrize("seed", range(8))
def test_no_training_query_or_basket_reveals_a_held_out_pair(seed):
    events = [purchase("u1", i, "s1") for i in ("0", "1", "5")] + [purchase("u2", i, "s2") for i in ("3", "4", "8")]
    events += [purchase("u3", i, "s3") for i in ("10", "11")] + [purchase("u3", "2", "s3", kind="view")]
    data = dataset(events)
    config = EmbedderTuningConfig(held_out_fraction=0.4, seed=seed, use_co_purchases=True)
    tuning = build_tuning_data(data, QUERIES, config)
    protected = {pair for q in tuning.split.held_out for pair in combinations(sorted(q.relevant), 2)}
    text_to_id = {item_text(item): item_id for item_id, item in data.items.items()}
    by_anchor: dict[str, set[str]] = {}
    for anchor, positive in tuning.pairs:
        if anchor in text_to_id:                       # a co-purchase pair
            assert tuple(sorted((text_to_id[anchor], text_to_id[positive]))) not in protected
        else:                                          # an intent pair: collect the query's items
            by_anchor.setdefault(anchor, set()).add(text_to_id[positive])
    for items in by_anchor.values():
        assert not set(combinations(sorted(items), 2)) & protected
    held_texts = {q.text for q in tuning.split.held_out}
    assert held_texts.isdisjoint(by_anchor)
    assert tuning.query_pairs == sum(len(q.relevant) for q in tuning.split.training)
    assert tuning.query_pairs + tuning.co_purchase_pairs == len(tuning.pairs)


def test_baskets_group_sessions_and_skip_views_and_singletons():
    events = [purchase("u1", "0", "a"), purchase("u1", "1", "a", kind="cart"), purchase("u1", "2", "a", kind="view"),
              purchase("u2", "0", "a"),                              # same session id, other user: own basket
              purchase("u3", "4", None), purchase("u3", "5", None),  # no session: not a basket
              purchase("u4", "6", "b"), purchase("u4", "6", "b"),    # one item twice: not a pair
              purchase("u5", "missing", "c"), purchase("u5", "7", "c")]
    assert baskets(dataset(events)) == [["0", "1"]]


def test_co_purchases_only_when_asked():
    events = [purchase("u1", "3", "s"), purchase("u1", "9", "s")]
    with_baskets = build_tuning_data(dataset(events), QUERIES,
                                     EmbedderTuningConfig(held_out_fraction=0.0, use_co_purchases=True))
    without = build_tuning_data(dataset(events), QUERIES, EmbedderTuningConfig(held_out_fraction=0.0))
    assert with_baskets.co_purchase_pairs == 1 and without.co_purchase_pairs == 0
    assert without.query_pairs == with_baskets.query_pairs == sum(len(q.relevant) for q in QUERIES)


def test_evaluation_scores_only_held_out_queries_of_the_same_folder():
    card = {"dataset": "shop", "dataset_fingerprint": "abc", "held_out_query_ids": ["q2", "q5"]}
    kept, why = queries_to_evaluate(QUERIES, card, "abc", "shop")
    assert [q.query_id for q in kept] == ["q2", "q5"] and "held-out" in why
    every, why = queries_to_evaluate(QUERIES, card, "other", "another-shop")
    assert every == QUERIES and "other data" in why
    untuned, why = queries_to_evaluate(QUERIES, None, "abc", "shop")
    assert untuned == QUERIES and why.startswith("nothing")
    with pytest.raises(UserFacingError, match="earlier version"):
        queries_to_evaluate(QUERIES, card, "changed", "shop")


def test_config_refuses_nonsense():
    with pytest.raises(ValueError):
        EmbedderTuningConfig(held_out_fraction=1.0)
    with pytest.raises(ValueError):
        EmbedderTuningConfig(batch_size=1)
