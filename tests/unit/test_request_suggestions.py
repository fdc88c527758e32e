"""Example requests offered with a clarifying question: product types from the catalog, nearest to
the message first, each with a round budget at or above its median price."""

import pytest

from agent.dialogue.suggestions import RequestSuggestions, product_types, round_budget
from retrieval.catalog import Item
from tests.fakes import HashingEmbedder


def item(item_id: str, leaf: str | None, price: float | None = None) -> Item:
    return Item(item_id=item_id, title=f"thing {item_id}", categories=["Shop", leaf] if leaf else [], price=price)


CATALOG = [
    *(item(f"j{i}", "Rain Jackets", p) for i, p in enumerate([60, 80, 130])),          # median 80
    *(item(f"h{i}", "Headphones", p) for i, p in enumerate([20, 45, 70, 74])),         # median 57.5
    item("c0", "Coffee Makers", 101.0),                                                # median 101
    item("c1", "Coffee Makers", None),
    item("g0", "Gift Cards"),                                                          # no price at all
    item("x0", None, 10.0), item("x1", "42", 10.0), item("x2", "ab", 10.0),              # no usable type
]


@pytest.mark.parametrize("price, budget", [(74, 75), (80, 100), (57.5, 60), (101, 150), (100, 100),
                                           (1000, 1000), (1001, 1500), (0.45, 0.5), (3.2, 4), (0, 1)])
def test_a_budget_is_the_next_round_price(price, budget):
    assert round_budget(price) == pytest.approx(budget)


def test_types_are_leaf_categories_largest_first_with_their_median_budget():
    types = product_types(CATALOG)
    assert [(t.name, t.items, t.budget) for t in types] == [
        ("Headphones", 4, 60), ("Rain Jackets", 3, 100), ("Coffee Makers", 2, 150), ("Gift Cards", 1, None)]
    assert [t.example() for t in types] == ["headphones under 60", "rain jackets under 100",
                                           "coffee makers under 150", "gift cards"]
    assert [t.name for t in product_types(CATALOG, limit=2)] == ["Headphones", "Rain Jackets"]


def test_without_a_message_or_an_embedder_the_largest_types_are_offered():
    embedder = HashingEmbedder()
    suggestions = RequestSuggestions(CATALOG, embedder)
    assert suggestions.examples(None, k=2) == ["headphones under 60", "rain jackets under 100"]
    assert suggestions.examples("   ", k=2) == ["headphones under 60", "rain jackets under 100"]
    assert embedder.calls == 0
    assert RequestSuggestions(CATALOG).examples("a gift for coffee fans", k=1) == ["headphones under 60"]


def test_the_types_nearest_to_the_message_come_first_and_are_embedded_once():
    embedder = HashingEmbedder()
    suggestions = RequestSuggestions(CATALOG, embedder)
    assert suggestions.examples("a gift for coffee fans", k=1) == ["coffee makers under 150"]
    assert suggestions.examples("something for the rain", k=1) == ["rain jackets under 100"]
    assert [t.name for t in suggestions.nearest("gift cards or coffee", k=2)] == ["Gift Cards", "Coffee Makers"]
    assert embedder.calls == 1 + 3            # the types once, then one call per message


def test_an_empty_catalog_offers_no_examples():
    assert RequestSuggestions([], HashingEmbedder()).examples("anything") == []
