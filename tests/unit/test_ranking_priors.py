import pytest

from retrieval.catalog import Item
from retrieval.ranking_priors import PRIOR_STRENGTH, QualityPrior, collapse_duplicates


def item(item_id, rating=None, count=None, title=None):
    return Item(item_id=item_id, title=title or f"item {item_id}", rating=rating, rating_count=count)


def test_bayesian_average_by_hand():
    catalog = [item("a", 5.0, 1), item("b", 4.5, 300), item("c", 3.0, 9), item("d")]
    prior = QualityPrior(catalog)
    mean = (5 * 1 + 4.5 * 300 + 3 * 9) / 310
    assert prior.catalog_mean == pytest.approx(mean)
    expected_a = (5 * 1 + mean * PRIOR_STRENGTH) / (1 + PRIOR_STRENGTH)
    assert prior.score(catalog[0]) == pytest.approx(expected_a + 0.01 * 0.6931, abs=1e-4)
    # one five-star rating does not beat three hundred ratings averaging 4.5; unrated items get no prior
    assert prior.ranking(catalog) == ["b", "a", "c"]
    assert prior.score(catalog[3]) is None


def test_catalog_without_ratings_has_no_prior():
    prior = QualityPrior([item("a"), item("b")])
    assert prior.ranking([item("a"), item("b")]) == []


def test_duplicates_collapse_to_the_best_ranked():
    catalog = {i.item_id: i for i in [item("1", title="USB  Cable"), item("2", title="usb cable"),
                                       item("3", title="HDMI cable")]}
    assert collapse_duplicates(["2", "3", "1"], catalog) == ["2", "3"]
