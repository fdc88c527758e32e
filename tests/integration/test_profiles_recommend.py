"""End to end on a tiny shop: import, profile, recommend, online update, cold start, erasure."""

from __future__ import annotations

import time

import pytest

from agent.ranking.model import RankerTrainingConfig
from agent.ranking.runtime import build_runtime, drop_models_trained_on, ranker_path
from agent.ranking.sequential import SequentialConfig
from profiles.erasure import erase_user
from profiles.records import Event
from profiles.store import EventStore, connect
from tests.profiles_fixtures import write_tiny_shop

FAST = RankerTrainingConfig(sequential=SequentialConfig(epochs=5, hidden=16, max_len=5))


@pytest.fixture
def shop(tmp_path, settings, fake_embedder):
    import torch

    torch.set_num_threads(1)
    root = write_tiny_shop(tmp_path / "shop")
    store = EventStore(connect(f"sqlite:///{tmp_path / 'events.sqlite'}"))
    runtime = build_runtime(settings, root, store=store, embedder=fake_embedder, training=FAST)
    return root, store, runtime


def families(ranked) -> list[str]:
    return [r.item.item_id.split("-")[0] for r in ranked]


def test_profile_reflects_imported_behaviour(shop):
    _, _, runtime = shop
    profile = runtime.profiles.profile("u0")                       # a camera + chargers buyer
    assert profile.events == 3 and profile.brands.shares()[0][0] == "Anker"
    assert profile.demographics == {"age_band": "25-34", "region": "EU"}


def test_recommendations_follow_the_shopper(shop):
    _, _, runtime = shop
    camera_buyer = families(runtime.recommend("u0", 5))
    shampoo_buyer = families(runtime.recommend("u1", 5))
    assert camera_buyer.count("shampoo") < shampoo_buyer.count("shampoo")
    ranked = runtime.recommend("u0", 3)
    assert all({"profile_affinity", "co_purchase", "popularity", "query_match"} <= set(r.contributions) for r in ranked)


def test_online_event_changes_the_next_recommendation(shop):
    _, store, runtime = shop
    before = runtime.recommend("u0", 5)
    for n in range(4):
        runtime.profiles.record_event(Event("u0", f"shampoo-{n}", "purchase", time.time() + n))
    after = runtime.recommend("u0", 5)
    assert [r.item.item_id for r in after] != [r.item.item_id for r in before]
    assert families(after).count("shampoo") > families(before).count("shampoo")
    assert len(store.events_of("u0")) == 7                          # appended, not rebuilt


def test_cold_start_uses_query_and_popularity(shop):
    _, _, runtime = shop
    ranked = runtime.recommend("stranger", 5, query="shampoo hair scent")
    assert ranked and families(ranked)[0] == "shampoo"
    assert runtime.profiles.profile("stranger").is_cold
    assert len(runtime.recommend(None, 5)) == 5                      # anonymous: popularity


def test_erasure_leaves_nothing(shop, settings, caplog):
    caplog.set_level("DEBUG")
    root, store, runtime = shop
    runtime.profiles.record_event(Event("u0", "shampoo-1", "cart", time.time()))
    from agent.ranking.runtime import save_model

    save_model(runtime.model, ranker_path(settings, root), store.all_events())
    erase_user(store, "u0", runtime.profiles)
    removed = drop_models_trained_on(settings, "u0")
    assert not store.knows("u0")
    assert removed and not ranker_path(settings, root).exists()
    assert "u0" not in runtime.profiles._profiles
    cache_text = b"".join(p.read_bytes() for p in settings.cache_dir.rglob("*") if p.is_file())
    assert b"u0" not in cache_text.replace(b"u_", b"")
    assert caplog.records and not any("u0" in record.getMessage() for record in caplog.records)
