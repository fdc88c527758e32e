"""The chat turn through the application's services: personalised by the shopper's profile,
and a "not for me" click changes the very next turn. Real Chroma, real embedder, real ranker."""

import pytest

from profiles.records import Event
from tests.profiles_fixtures import write_tiny_shop


@pytest.fixture(scope="module")
def services(tmp_path_factory, real_embedder):
    from shopwise.config import Settings
    from shopwise.services import build_services

    root = tmp_path_factory.mktemp("services")
    folder = write_tiny_shop(root / "shop")
    return build_services(Settings(home=root / "home"), data=folder, embedder=real_embedder)


def family(item_id: str) -> str:
    return item_id.split("-")[0]


@pytest.mark.slow
def test_the_same_request_ranks_by_each_shoppers_history(services):
    assert services.personalised
    camera_buyer = services.assistant.session(user_id="u0").reply("model")
    shampoo_buyer = services.assistant.session(user_id="u1").reply("model")
    assert family(camera_buyer.shown_item_ids[0]) in {"camera", "charger"}
    assert family(shampoo_buyer.shown_item_ids[0]) == "shampoo"
    contributions = camera_buyer.ranking.contributions[0]
    assert {"search_match", "profile_affinity", "query_match"} <= set(contributions)
    assert camera_buyer.ranking.ranker == "ConversationalRanker"


@pytest.mark.slow
def test_not_for_me_removes_the_item_from_the_next_turn_and_is_stored(services):
    first = services.assistant.session(user_id="u2").reply("battery charger")
    rejected = first.shown_item_ids[0]
    services.record_event("u2", rejected, "not_for_me")
    again = services.assistant.session(user_id="u2").reply("battery charger")
    assert rejected not in again.shown_item_ids and again.shown_item_ids
    assert ("dislike", rejected) in {(e.type, e.item_id) for e in services.events.events_of("u2")}
    # another shopper is not affected by u2's click
    other = services.assistant.session(user_id="u4").reply("battery charger")
    assert rejected in other.shown_item_ids or family(rejected) == "charger"


@pytest.mark.slow
def test_a_like_is_folded_into_the_live_profile_without_a_rebuild(services):
    before = services.profile("u5").events
    services.record_event("u5", "camera-3", "like")
    assert services.profile("u5").events == before + 1
    assert any(item == "camera-3" for item, _, _ in services.profile("u5").recent)


def test_unknown_items_and_event_types_are_clear_errors(services):
    from shopwise.errors import UserFacingError

    with pytest.raises(UserFacingError, match="no item"):
        services.record_event("u0", "no-such-item", "like")
    with pytest.raises(UserFacingError, match="unknown event type"):
        services.record_event("u0", "camera-1", "teleport")


def test_erasure_through_services_forgets_the_live_profile(services):
    services.record_event("u7", "shampoo-1", "cart")
    removed = services.erase_user("u7")
    assert removed["events"] >= 1
    assert services.events.events_of("u7") == [] and services.profile("u7").events == 0


@pytest.mark.slow
def test_recommendation_lists_are_kept_until_the_shopper_acts(services):
    from retrieval.filters import Filters

    cache = services.recommendation_cache
    first = services.recommend("u3", k=5)
    hits = cache.hits
    again = services.recommend("u3", k=5)
    assert cache.hits == hits + 1
    fresh = services.recommend("u3", k=5, fresh=True)
    assert [r.item.item_id for r in again] == [r.item.item_id for r in first] == [r.item.item_id for r in fresh]
    # an event retires the list: the next one is computed and leaves out what was just bought
    services.record_event("u3", first[0].item.item_id, "purchase")
    after = services.recommend("u3", k=5)
    assert cache.hits == hits + 1
    assert first[0].item.item_id not in [r.item.item_id for r in after]
    # filters are part of the key
    hidden = services.recommend("u3", k=5, filters=Filters(exclude_ids=(after[0].item.item_id,)))
    assert after[0].item.item_id not in [r.item.item_id for r in hidden]


@pytest.mark.slow
def test_erasure_drops_kept_lists_and_encoder_states(services):
    services.recommend("u6", k=5)
    assert any(key[0] == "u6" for key in services.recommendation_cache._entries)
    services.erase_user("u6")
    assert not any(key[0] == "u6" for key in services.recommendation_cache._entries)
    assert len(services.runtime.model.sequential._states) == 0


@pytest.mark.slow
def test_llm_ranking_reranks_the_head_for_a_shopper_with_a_history(tmp_path, real_embedder):
    """`--llm-ranking` with the real bundled model: the model's pick probabilities are one more
    signal of the shown items; an anonymous shopper is not re-ranked."""
    from agent.llm.config import LLMConfig
    from shopwise.config import Settings
    from shopwise.services import build_services

    folder = write_tiny_shop(tmp_path / "shop")
    services = build_services(Settings(home=tmp_path / "home"), data=folder, embedder=real_embedder,
                              llm=LLMConfig(dtype="float32"), llm_ranking=True)
    reply = services.assistant.session(user_id="u0").reply("model")
    shares = [c.get("llm") for c in reply.ranking.contributions]
    assert all(share is not None for share in shares) and sum(shares) > 0
    anonymous = services.assistant.session().reply("model")
    assert all("llm" not in c for c in anonymous.ranking.contributions)


def test_llm_ranking_without_a_model_is_a_clear_error(tmp_path):
    from shopwise.config import Settings
    from shopwise.errors import UserFacingError
    from shopwise.services import build_services

    with pytest.raises(UserFacingError, match="--llm-ranking needs a language model"):
        build_services(Settings(home=tmp_path / "home"), data=tmp_path, llm=None, llm_ranking=True)
