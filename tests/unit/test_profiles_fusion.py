"""Profile fusion: each signal moves the profile the right way; decay; online folding."""

from __future__ import annotations

import numpy as np
import pytest

from profiles.affinity import DecayedTally
from profiles.profile import ProfileConfig, UserProfile, build_profile, fold_event
from profiles.records import Event
from retrieval.catalog import parse_item
from tests.profiles_fixtures import DAY, tiny_items

T0 = 1_700_000_000


@pytest.fixture
def catalog():
    return {raw["item_id"]: parse_item(raw, []) for raw in tiny_items()}


def vectors(catalog):
    rng = np.random.default_rng(0)
    table = {item_id: rng.normal(size=8).astype(np.float32) for item_id in catalog}
    return lambda item_id: table.get(item_id)


def test_purchase_moves_brand_and_category(catalog):
    profile = UserProfile("u")
    fold_event(profile, Event("u", "shampoo-0", "purchase", T0), catalog["shampoo-0"], None)
    fold_event(profile, Event("u", "camera-0", "view", T0), catalog["camera-0"], None)
    assert profile.brands.shares()[0][0] == "Dove"
    assert profile.categories.shares()[0][0] == "Hair > Shampoo"


def test_event_type_weights_order(catalog):
    config = ProfileConfig()
    weights = [config.weight(Event("u", "x", kind, T0)) for kind in ("view", "click", "cart", "purchase")]
    assert weights == sorted(weights) and weights[0] < weights[-1]


def test_low_rating_pushes_away(catalog):
    config = ProfileConfig()
    assert config.weight(Event("u", "x", "rate", T0, value=1.0)) < 0 < config.weight(Event("u", "x", "rate", T0, value=5.0))


def test_recency_decay_halves_per_half_life():
    tally = DecayedTally(half_life_days=10)
    tally.add("old", 1.0, T0)
    tally.add("new", 1.0, T0 + 10 * DAY)
    assert tally.weights["old"] == pytest.approx(0.5)
    assert tally.weights["new"] == pytest.approx(1.0)


def test_decay_does_not_depend_on_arrival_order():
    forward, backward = DecayedTally(30), DecayedTally(30)
    events = [("a", 1.0, T0), ("b", 2.0, T0 + 5 * DAY), ("a", 1.0, T0 + 40 * DAY)]
    for key, weight, ts in events:
        forward.add(key, weight, ts)
    for key, weight, ts in reversed(events):
        backward.add(key, weight, ts)
    assert forward.weights == pytest.approx(backward.weights)


def test_recent_interest_overtakes_old_one(catalog):
    events = [Event("u", f"camera-{n}", "purchase", T0 + n) for n in range(3)]
    events += [Event("u", "shampoo-0", "purchase", T0 + 400 * DAY)]
    profile = build_profile("u", events, catalog, lambda i: None)
    assert profile.brands.shares()[0][0] == "Dove"        # one recent purchase beats three a year old


def test_price_band_follows_purchases(catalog):
    cheap = build_profile("u", [Event("u", "shampoo-1", "purchase", T0)], catalog, lambda i: None)
    dear = build_profile("u", [Event("u", "camera-1", "purchase", T0)], catalog, lambda i: None)
    assert cheap.price.band()[1] == pytest.approx(catalog["shampoo-1"].price)
    assert dear.price.band()[1] > cheap.price.band()[1]


def test_embedding_moves_towards_item(catalog):
    vector_of = vectors(catalog)
    profile = build_profile("u", [Event("u", "camera-0", "view", T0)], catalog, vector_of)
    before = profile.unit_embedding() @ vector_of("shampoo-0") / np.linalg.norm(vector_of("shampoo-0"))
    for n in range(5):
        fold_event(profile, Event("u", "shampoo-0", "purchase", T0 + n), catalog["shampoo-0"], vector_of("shampoo-0"))
    after = profile.unit_embedding() @ vector_of("shampoo-0") / np.linalg.norm(vector_of("shampoo-0"))
    assert after > before and after > 0.9


def test_online_fold_equals_rebuild(catalog):
    vector_of = vectors(catalog)
    events = [Event("u", f"charger-{n}", "cart" if n % 2 else "click", T0 + n * DAY) for n in range(5)]
    rebuilt = build_profile("u", events, catalog, vector_of)
    online = build_profile("u", events[:2], catalog, vector_of)
    for event in events[2:]:
        fold_event(online, event, catalog[event.item_id], vector_of(event.item_id))
    assert online.brands.weights == pytest.approx(rebuilt.brands.weights)
    assert np.allclose(online.embedding, rebuilt.embedding, atol=1e-5)


def test_demographics_and_stated_preferences_are_kept(catalog):
    profile = build_profile("u", [], catalog, lambda i: None, demographics={"age_band": "25-34"},
                            stated={"budget": 80})
    assert profile.is_cold and profile.demographics["age_band"] == "25-34" and profile.stated["budget"] == 80


def test_profile_round_trips_through_json(catalog):
    vector_of = vectors(catalog)
    profile = build_profile("u", [Event("u", "camera-2", "purchase", T0)], catalog, vector_of)
    restored = UserProfile.from_dict("u", profile.to_dict())
    assert restored.brands.weights == profile.brands.weights
    assert np.allclose(restored.embedding, profile.embedding)
    assert list(restored.recent) == list(profile.recent)
