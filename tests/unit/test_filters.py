"""Filters mean the same in plain Python (`matches`) and on the lexical side's columns (`mask`)."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from retrieval.catalog import parse_item
from retrieval.filters import FilterColumns, Filters
from tests.catalog_samples import BRANDS, sample_items

ITEMS = [parse_item(record) for record in sample_items(80)]
COLUMNS = FilterColumns.from_items(ITEMS)
CATEGORIES = sorted({c for i in ITEMS for c in i.categories})

filters_strategy = st.builds(
    Filters,
    price_min=st.none() | st.floats(0, 100),
    price_max=st.none() | st.floats(100, 250),
    brands=st.lists(st.sampled_from([b for b in BRANDS if b] + ["SONY", "nobody"]), max_size=2).map(tuple),
    exclude_brands=st.lists(st.sampled_from([b for b in BRANDS if b]), max_size=2).map(tuple),
    categories=st.lists(st.sampled_from(CATEGORIES + ["mice"]), max_size=2).map(tuple),
    min_rating=st.none() | st.floats(1, 5),
    attributes=st.lists(st.sampled_from([("colour", "black"), ("Colour", "WHITE"), ("wireless", True),
                                         ("wattage", 65), ("battery life", 30.0)]), max_size=2).map(tuple),
    exclude_ids=st.lists(st.sampled_from([i.item_id for i in ITEMS[:10]]), max_size=3).map(tuple),
)


@settings(max_examples=300, deadline=None)
@given(filters_strategy)
def test_column_mask_agrees_with_reference_predicate(filters):
    expected = [filters.matches(item) for item in ITEMS]
    assert filters.mask(COLUMNS).tolist() == expected


def test_reference_predicate_semantics():
    item = parse_item({"item_id": "x", "title": "t", "brand": "Sony", "price": 50, "rating": 4.0,
                       "categories": ["Electronics", "Audio"], "attributes": {"Colour": "Black", "wireless": True}})
    assert Filters(price_max=50, brands=("sony",), categories=("audio",), min_rating=4).matches(item)
    assert not Filters(price_max=49.99).matches(item)
    assert not Filters(exclude_brands=("SONY",)).matches(item)
    assert Filters(attributes=(("colour", "black"), ("Wireless", True))).matches(item)
    assert not Filters(attributes=(("wireless", "true"),)).matches(item)     # a bool is not a string
    assert not Filters(exclude_ids=("x",)).matches(item)


def test_unknown_facts_never_satisfy_a_constraint_on_them():
    item = parse_item({"item_id": "x", "title": "t"})
    assert not Filters(price_max=1000).matches(item)
    assert not Filters(min_rating=1).matches(item)
    assert not Filters(brands=("sony",)).matches(item)
    assert Filters(exclude_brands=("sony",)).matches(item)


def test_empty_price_range_is_an_error():
    with pytest.raises(ValueError, match="price range is empty"):
        Filters(price_min=10, price_max=5)


def test_chroma_where_shapes():
    assert Filters().to_chroma_where() is None
    assert Filters(price_max=5).to_chroma_where() == {"price": {"$lte": 5.0}}
    where = Filters(price_max=5, brands=("Sony",)).to_chroma_where()
    assert where == {"$and": [{"price": {"$lte": 5.0}}, {"brand": {"$in": ["sony"]}}]}
