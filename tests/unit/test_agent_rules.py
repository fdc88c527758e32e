"""Deterministic constraint extraction against a catalog's vocabulary."""

import pytest

from agent.understanding.rules import extract_rules
from agent.understanding.vocabulary import CatalogVocabulary, brand_aliases
from retrieval.catalog import parse_item
from tests.agent_fixtures import small_catalog


@pytest.fixture(scope="module")
def vocabulary():
    items = [parse_item(r) for r in small_catalog()]
    extra = [parse_item({"item_id": f"x{i}", "title": f"Equip cable {i}", "brand": "Equip",
                         "categories": ["Cables"], "attributes": {"colour": "Black"}}) for i in range(5)]
    extra.append(parse_item({"item_id": "st", "title": "StarTech.com adapter", "brand": "StarTech.com"}))
    return CatalogVocabulary.from_items(items + extra)


def extract(text, vocabulary):
    return extract_rules(text, vocabulary).constraints


@pytest.mark.parametrize("text, low, high", [
    ("rain jacket under 80", None, 80.0),
    ("rain jacket below $80", None, 80.0),
    ("rain jacket for less than 80 euros", None, 80.0),
    ("between 20 and 50 dollars", 20.0, 50.0),
    ("from $20 to $50", 20.0, 50.0),
    ("over 100", 100.0, None),
    ("around 50", 40.0, 60.0),
    ("a 60 dollar jacket", None, 60.0),
])
def test_prices(vocabulary, text, low, high):
    constraints = extract(text, vocabulary)
    assert (constraints.price_min, constraints.price_max) == (low, high)


@pytest.mark.parametrize("text", ["headphones with at least 1000 mAh", "a jacket under 400 g", "4.5 stars or more"])
def test_numbers_with_units_are_not_prices(vocabulary, text):
    constraints = extract(text, vocabulary)
    assert constraints.price_min is None and constraints.price_max is None


def test_rating(vocabulary):
    assert extract("headphones with 4 stars or more", vocabulary).min_rating == 4.0
    assert extract("highly rated headphones", vocabulary).min_rating == 4.0


def test_brands_and_exclusions(vocabulary):
    constraints = extract("a rain jacket from Kestrel, not Velo", vocabulary)
    assert constraints.brands == ["Kestrel"]
    assert constraints.exclude_brands == ["Velo"]
    assert extract("anything but northpeak", vocabulary).exclude_brands == ["Northpeak"]


def test_common_word_brand_needs_capitals(vocabulary):
    assert extract("cables to equip my office", vocabulary).brands == []
    assert extract("cables from Equip", vocabulary).brands == ["Equip"]


def test_brand_aliases():
    assert {"startech.com", "startech"} <= brand_aliases("StarTech.com")
    assert {"tp link", "tplink"} <= brand_aliases("TP-LINK")


def test_category_colour_and_feature(vocabulary):
    constraints = extract("a black waterproof rain jacket", vocabulary)
    assert constraints.category == "Rain Jackets"
    assert constraints.attributes == {"colour": "Black", "waterproof": True}
    assert extract("headphones without wireless", vocabulary).attributes == {"wireless": False}


def test_need_is_what_is_left(vocabulary):
    result = extract_rules("I want a light jacket for cycling under 80 from Velo", vocabulary)
    assert result.need_words == ["light", "jacket", "cycling"]
    assert result.constraints.soft_preferences == ["for cycling"]


def test_values_outside_the_vocabulary_are_not_constraints(vocabulary):
    constraints = extract("a purple Nike jacket", vocabulary)
    assert constraints.brands == [] and constraints.attributes == {}
