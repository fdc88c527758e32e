"""The REST API against the real app (real index, profiles, ranker, assistant) on the tiny shop."""

from __future__ import annotations

import json
import logging
import sqlite3
from pathlib import Path

import pytest

from tests.api_fixtures import auth, build_world, sse_events, world  # noqa: F401  (fixture)
from ui.api.app import ApiConfig
from ui.api.limits import LimitsConfig

ROOT = Path(__file__).resolve().parents[2]


def chat(world, key, message="a camera under 600", **body):
    response = world.client.post("/v1/chat", json={"message": message, **body}, headers=auth(key))
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/event-stream")
    return sse_events(response.text)


# -- chat -------------------------------------------------------------------------------------------
def test_chat_streams_items_before_any_text_then_done(world):
    events = chat(world, world.alice)
    names = [name for name, _ in events]
    assert names[0] == "items" and names[-1] == "done"
    assert "text" in names and names.index("items") < names.index("text")
    items = events[0][1]["items"]
    assert 1 <= len(items) <= 3
    assert {"id", "title", "brand", "price", "rating", "image", "contributions"} <= set(items[0])
    assert all(world.services.knows_item(i["id"]) for i in items)
    explained = [data["item_id"] for name, data in events if name == "explanation"]
    assert explained == [i["id"] for i in items]
    done = events[-1][1]
    assert done["record"]["shown_item_ids"] == [i["id"] for i in items]
    assert done["record"]["user"] != world.alice_id          # hashed in the record


def test_session_id_continues_the_conversation(world):
    first = chat(world, world.alice)
    session_id = first[-1][1]["session_id"]
    second = chat(world, world.alice, "cheaper", session_id=session_id)
    assert second[-1][1]["session_id"] == session_id
    assert second[-1][1]["turn"] == 2
    third = chat(world, world.alice, "cheaper")                 # no session id: a new conversation
    assert third[-1][1]["turn"] == 1
    stored = world.client.get("/v1/users/u0/conversations", headers=auth(world.alice)).json()["conversations"]
    assert [len(c["turns"]) for c in stored] == [1, 2]
    assert stored[1]["turns"][1]["message"] == "cheaper"


def test_agent_chats_on_behalf_and_the_console_reads_it(world):
    chat(world, world.agent, user_id="u1")
    conversations = world.client.get("/v1/users/u1/conversations", headers=auth(world.agent)).json()
    assert conversations["conversations"][0]["turns"][0]["record"]["ranking"]["item_ids"]


# -- recommendations, search, events, profile --------------------------------------------------------
def test_recommendations_are_personal_and_react_to_a_not_for_me(world):
    headers = auth(world.alice)
    first = world.client.get("/v1/recommendations", params={"k": 5}, headers=headers).json()
    assert first["user_id"] == "u0" and len(first["items"]) == 5
    top = first["items"][0]["id"]
    assert sum(first["items"][0]["contributions"].values()) == pytest.approx(first["items"][0]["score"], rel=1e-3)
    response = world.client.post("/v1/events", json={"item_id": top, "type": "not_for_me"}, headers=headers)
    assert response.status_code == 200 and response.json()["recorded"]
    after = world.client.get("/v1/recommendations", params={"k": 5}, headers=headers).json()
    assert top not in [i["id"] for i in after["items"]]


def cache_counts(world) -> tuple[float, float]:
    from ui.api.metrics import recommendation_cache_counts

    return recommendation_cache_counts(world.client.get("/metrics").text)


def test_a_recommendation_list_is_served_again_unless_no_cache_is_asked(world):
    headers = auth(world.bob)
    first = world.client.get("/v1/recommendations", params={"k": 4}, headers=headers).json()
    hits, misses = cache_counts(world)
    again = world.client.get("/v1/recommendations", params={"k": 4}, headers=headers).json()
    assert again == first and cache_counts(world) == (hits + 1, misses)
    fresh = world.client.get("/v1/recommendations", params={"k": 4},
                             headers={**headers, "Cache-Control": "no-cache"}).json()
    assert fresh == first and cache_counts(world) == (hits + 1, misses + 1)


def test_search_filters_apply(world):
    response = world.client.get("/v1/search", params={"q": "charger", "price_max": 25, "brand": "Anker"},
                                headers=auth(world.bob))
    items = response.json()["items"]
    assert response.status_code == 200 and items
    assert all(i["brand"] == "Anker" and i["price"] <= 25 for i in items)


def test_profile_has_summary_with_evidence(world):
    body = world.client.get("/v1/users/u0/profile", headers=auth(world.agent)).json()
    assert body["events"] > 0 and body["summary"]
    assert body["top_brands"] and body["recent"]
    reviewed = world.client.get("/v1/users/u1/profile", headers=auth(world.agent)).json()
    # the shop has rated reviews, so profiles are built with the aspect lexicon (the tiny shop's
    # reviews are too few to mine aspect terms; tests/unit/test_profiles_reviews.py mines them)
    assert world.services.runtime.profiles.lexicon is not None
    assert all(a["evidence"] and a["evidence"][0]["sentence"] for a in reviewed["aspects"])


# -- clear 4xx ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("method,path,body,status", [
    ("get", "/v1/users/nobody/profile", None, 404),
    ("get", "/v1/users/nobody/conversations", None, 404),
    ("delete", "/v1/users/nobody", None, 404),
    ("post", "/v1/events", {"user_id": "u0", "item_id": "no-such-item", "type": "like"}, 404),
    ("post", "/v1/events", {"user_id": "u0", "item_id": "camera-1", "type": "teleport"}, 422),
    ("post", "/v1/events", {"item_id": "camera-1", "type": "like"}, 422),       # staff must name the user
    ("post", "/v1/chat", {"message": 5}, 422),
    ("post", "/v1/chat", {"message": "x" * 2001}, 422),
    ("get", "/v1/search?q=", None, 422),
    ("get", "/v1/search?q=a&price_min=9&price_max=1", None, 422),
    ("get", "/v1/recommendations?k=0", None, 422),
])
def test_bad_input_gets_a_clear_4xx(world, method, path, body, status):
    response = getattr(world.client, method)(path, headers=auth(world.admin), **({"json": body} if body else {}))
    assert response.status_code == status, response.text
    assert response.json()["detail"]


def test_invalid_json_body_is_422_not_500(world):
    response = world.client.post("/v1/chat", content=b"{not json", headers={**auth(world.admin),
                                                                             "content-type": "application/json"})
    assert response.status_code == 422


# -- security matrix --------------------------------------------------------------------------------------
# Every /v1 route, acting on another user's data (u1) with Alice's (u0) shopper key.
CROSS_USER = {
    ("POST", "/v1/chat"): ("post", "/v1/chat", {"message": "a camera", "user_id": "u1"}),
    ("GET", "/v1/recommendations"): ("get", "/v1/recommendations?user_id=u1", None),
    ("POST", "/v1/events"): ("post", "/v1/events", {"user_id": "u1", "item_id": "camera-1", "type": "like"}),
    ("GET", "/v1/users/{user_id}/profile"): ("get", "/v1/users/u1/profile", None),
    ("GET", "/v1/users/{user_id}/conversations"): ("get", "/v1/users/u1/conversations", None),
    ("DELETE", "/v1/users/{user_id}"): ("delete", "/v1/users/u1", None),
}
OWN_OR_NONE = {("GET", "/v1/search"): ("get", "/v1/search?q=camera", None)}   # no user data


def v1_routes(app) -> set[tuple[str, str]]:
    return {(m, r.path) for r in app.routes if getattr(r, "path", "").startswith("/v1/") for m in r.methods}


def test_the_matrix_covers_every_v1_route(world):
    assert v1_routes(world.app) == set(CROSS_USER) | set(OWN_OR_NONE)


def call(world, key, spec):
    method, path, body = spec
    headers = auth(key) if key else {}
    return getattr(world.client, method)(path, headers=headers, **({"json": body} if body else {}))


@pytest.mark.parametrize("route", sorted(CROSS_USER), ids=lambda r: f"{r[0]} {r[1]}")
def test_a_shopper_never_reads_or_changes_another_users_data(world, route):
    before = world.services.events.counts()
    chat(world, world.bob, user_id=None)                          # Bob has a stored conversation
    response = call(world, world.alice, CROSS_USER[route])
    assert response.status_code == 403, response.text
    assert "u1" not in response.text and "Anker" not in response.text
    assert world.services.events.knows("u1")
    assert world.services.events.counts()["events"] == before["events"]
    assert world.services.conversations.count("u1") == 1


@pytest.mark.parametrize("route", sorted(CROSS_USER) + sorted(OWN_OR_NONE), ids=lambda r: f"{r[0]} {r[1]}")
@pytest.mark.parametrize("key", [None, "swk_000000000000_forged", "Bearer"])
def test_no_or_invalid_key_is_401_on_every_route(world, route, key):
    response = call(world, key, {**CROSS_USER, **OWN_OR_NONE}[route])
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"


def test_x_api_key_header_works_and_revoked_keys_stop(world):
    assert world.client.get("/v1/search?q=camera", headers={"X-API-Key": world.bob}).status_code == 200
    world.keys.revoke(world.keys.authenticate(world.bob).key_id)
    assert world.client.get("/v1/search?q=camera", headers={"X-API-Key": world.bob}).status_code == 401


def test_shoppers_use_their_own_data_on_every_user_route(world):
    own = {route: (m, p.replace("u1", "u0"), {**b, "user_id": "u0"} if b else b)
           for route, (m, p, b) in CROSS_USER.items() if route[0] != "DELETE"}
    for route, spec in own.items():
        assert call(world, world.alice, spec).status_code == 200, route


def test_agent_reads_anyone_but_cannot_erase(world):
    assert call(world, world.agent, CROSS_USER[("GET", "/v1/users/{user_id}/profile")]).status_code == 200
    response = world.client.delete("/v1/users/u1", headers=auth(world.agent))
    assert response.status_code == 403
    assert world.services.events.knows("u1")


def test_a_shopper_may_erase_themself(world):
    assert world.client.delete("/v1/users/u1", headers=auth(world.bob)).status_code == 200
    assert world.client.get("/v1/search?q=camera", headers=auth(world.bob)).status_code == 401   # key gone too


# -- erasure leaves nothing -------------------------------------------------------------------------------
def test_erasure_through_the_api_leaves_nothing_behind(world, settings):
    headers = auth(world.alice)
    chat(world, world.alice)
    world.client.post("/v1/events", json={"item_id": "camera-2", "type": "add_to_cart"}, headers=headers)
    world.client.get("/v1/users/u0/profile", headers=headers)
    assert world.app.state.api.sessions.count("u0") == 1
    response = world.client.delete("/v1/users/u0", headers=auth(world.admin))
    assert response.status_code == 200
    removed = response.json()["removed"]
    assert removed["events"] > 0 and removed["conversation_turns"] == 1 and removed["api_keys"] == 1
    db = sqlite3.connect(settings.home / "profiles.sqlite")
    tables = [name for (name,) in db.execute("select name from sqlite_master where type='table'")]
    for table in tables:
        columns = [c[1] for c in db.execute(f"pragma table_info('{table}')")]
        if "user_id" in columns:
            assert db.execute(f"select count(*) from '{table}' where user_id = 'u0'").fetchone()[0] == 0, table
    assert {"events", "reviews", "profiles", "users", "conversation_turns", "api_keys"} <= set(tables)
    assert world.app.state.api.sessions.count("u0") == 0
    assert world.client.get("/v1/users/u0/profile", headers=auth(world.admin)).status_code == 404
    assert world.services.events.knows("u1")                  # nobody else touched


# -- logs ---------------------------------------------------------------------------------------------------
def test_logs_carry_no_user_id_message_or_key(world, caplog):
    secret_message = "a camera for my sister Zelda under 600"
    with caplog.at_level(logging.DEBUG):
        chat(world, world.alice, secret_message)
        world.client.get("/v1/users/u0/profile", headers=auth(world.alice))
        world.client.get("/v1/users/u1/profile", headers=auth(world.alice))
        world.client.post("/v1/events", json={"item_id": "camera-1", "type": "like"}, headers=auth(world.alice))
        world.client.get("/v1/recommendations", params={"user_id": "u1", "query": "zelda"}, headers=auth(world.agent))
        world.client.delete("/v1/users/u1", headers=auth(world.admin))
        world.client.get("/v1/search", params={"q": "x"}, headers={"X-API-Key": "swk_abcdefabcdef_sneaky"})
    # Everything the server side logged (httpx's lines are the test client's own requests).
    server = [r for r in caplog.records if not r.name.startswith("httpx")]
    text = "\n".join(f"{r.name} {r.getMessage()}" for r in server)
    access = [json.loads(r.getMessage()) for r in caplog.records if r.name == "shopwise.api.access"]
    assert len(access) == 7
    assert {"route", "status", "ms"} <= set(access[0]) and access[0]["user"].startswith("u_")
    assert access[0]["route"] == "/v1/chat" and access[2]["status"] == 403
    for raw in ("u0", "u1", "Zelda", "zelda", "sister", world.alice, world.agent, world.admin, "sneaky"):
        assert raw not in text.replace("u_", "")


# -- limits, metrics, schema ----------------------------------------------------------------------------------
def test_request_body_over_the_limit_is_413(tmp_path, settings, fake_embedder):
    small = build_world(tmp_path, settings, fake_embedder, ApiConfig(limits=LimitsConfig(max_body_bytes=256)))
    response = small.client.post("/v1/chat", json={"message": "x" * 400}, headers=auth(small.alice))
    assert response.status_code == 413 and "too large" in response.json()["detail"]
    def chunks():
        yield b'{"message": "'
        yield b"y" * 300
        yield b'"}'
    streamed = small.client.post("/v1/chat", content=chunks(), headers={**auth(small.alice), "content-type": "application/json"})
    assert streamed.status_code == 413
    assert small.client.post("/v1/chat", json={"message": "camera"}, headers=auth(small.alice)).status_code == 200


def test_rate_limit_is_per_key_and_answers_429(tmp_path, settings, fake_embedder):
    limited = build_world(tmp_path, settings, fake_embedder, ApiConfig(limits=LimitsConfig(rate_per_s=0.01, burst=3)))
    statuses = [limited.client.get("/v1/search?q=camera", headers=auth(limited.alice)).status_code for _ in range(5)]
    assert statuses == [200, 200, 200, 429, 429]
    assert limited.client.get("/v1/search?q=camera", headers=auth(limited.bob)).status_code == 200
    assert "retry" in limited.client.get("/v1/search?q=camera", headers=auth(limited.alice)).json()["detail"]
    assert "shopwise_rate_limited_total 3.0" in limited.client.get("/metrics").text


def test_metrics_count_requests_by_route_template_and_turn_timings(world):
    chat(world, world.alice)
    world.client.get("/v1/users/u0/profile", headers=auth(world.alice))
    text = world.client.get("/metrics").text
    assert 'shopwise_http_requests_total{method="GET",route="/v1/users/{user_id}/profile",status="200"} 1.0' in text
    assert 'shopwise_chat_turn_seconds_count{stage="items_ready"} 1.0' in text
    assert "u0" not in text


def test_health_is_open(world):
    assert world.client.get("/healthz").json() == {"status": "ok", "items": 18, "personalised": True}


def test_checked_in_openapi_matches_the_app(world):
    from ui.api.app import openapi_json

    checked_in = (ROOT / "docs" / "openapi.json").read_text(encoding="utf-8")
    assert openapi_json(world.app) == checked_in, "docs/openapi.json is stale: run `shopwise api-schema`"
    assert world.client.get("/openapi.json").json() == json.loads(checked_in)
