"""Event store: import with bad lines reported, live appends, stated preferences, erasure."""

from __future__ import annotations

from agent.ranking.runtime import import_folder
from profiles.dataset import load_dataset
from profiles.erasure import erase_user
from profiles.records import Event
from profiles.store import EventStore, connect, database_url
from tests.profiles_fixtures import write_tiny_shop


def memory_store() -> EventStore:
    return EventStore(connect("sqlite://"))


def test_import_keeps_valid_lines_and_reports_bad_ones(tmp_path):
    data = load_dataset(write_tiny_shop(tmp_path / "shop", bad_lines=True))
    store = memory_store()
    counts = import_folder(store, data)
    assert counts["events"] == 72 and counts["reviews"] == 30 and counts["users"] == 1
    reasons = [r.reason for r in data.rejected]
    assert len(reasons) == 2 and any("broken JSON" in r for r in reasons) and any("type must be" in r for r in reasons)
    assert [r.line for r in data.rejected] == [73, 74]


def test_live_append_is_visible_in_order(tmp_path):
    store = memory_store()
    store.add_event(Event("u", "b", "click", 20.0))
    store.add_event(Event("u", "a", "view", 10.0))
    assert [e.item_id for e in store.events_of("u")] == ["a", "b"]


def test_customers_are_found_by_part_of_their_id():
    store = memory_store()
    for user in ("Ana-7", "ana", "banana", "bob", "an_x", "anXx"):
        store.add_event(Event(user, "i", "click", 1.0))
    store.upsert_users([])
    assert store.find_users("ana") == ["ana", "Ana-7", "banana"]        # exact, then prefix, then the rest
    assert store.find_users("an_") == ["an_x"]                           # wildcards are literal
    assert store.find_users("%") == [] and store.find_users("  ") == []
    assert store.find_users("a", limit=2) == ["an_x", "ana"]


def test_stated_preferences_accumulate():
    store = memory_store()
    store.state_preference("u", "budget", 80)
    store.state_preference("u", "brand", "Sony")
    assert store.stated_preferences("u") == {"budget": 80, "brand": "Sony"}


def test_erase_removes_every_row_of_the_user_only(tmp_path):
    store = memory_store()
    import_folder(store, load_dataset(write_tiny_shop(tmp_path / "shop")))
    store.save_profile("u0", {"x": 1}, 1.0)
    other_events = len(store.events_of("u1"))
    assert store.knows("u0")
    removed = erase_user(store, "u0")
    assert removed["events"] == 3 and removed["profiles"] == 1 and removed["users"] == 1
    assert not store.knows("u0")
    assert store.events_of("u0") == [] and store.reviews_of("u0") == [] and store.load_profile("u0") is None
    assert len(store.events_of("u1")) == other_events


def test_default_database_is_sqlite_under_home(settings):
    assert database_url(settings).startswith("sqlite:///") and str(settings.home) in database_url(settings)
    assert database_url(settings.with_overrides(database_url="postgresql://db/shop")) == "postgresql://db/shop"
