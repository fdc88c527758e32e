"""Token buckets, the body-size middleware and the request schemas, without the engine."""

from __future__ import annotations

import asyncio

import pytest
from pydantic import ValidationError

from ui.api.limits import BodySizeLimit, LimitsConfig, RateLimiter, TokenBucket
from ui.api.schemas import ChatRequest, EventIn


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def test_bucket_allows_a_burst_then_refills_at_the_rate():
    clock = Clock()
    bucket = TokenBucket(rate_per_s=2.0, burst=3, clock=clock)
    assert [bucket.allow()[0] for _ in range(4)] == [True, True, True, False]
    allowed, retry = bucket.allow()
    assert not allowed and retry == pytest.approx(0.5)
    clock.now = 0.5
    assert bucket.allow()[0] and not bucket.allow()[0]
    clock.now = 100.0
    assert sum(bucket.allow()[0] for _ in range(10)) == 3          # never more than the burst


def test_limiter_keeps_one_bucket_per_key_and_forgets_old_ones():
    clock = Clock()
    limiter = RateLimiter(LimitsConfig(rate_per_s=1.0, burst=1, max_keys_tracked=2), clock=clock)
    assert limiter.allow("a")[0] and not limiter.allow("a")[0]
    assert limiter.allow("b")[0] and limiter.allow("c")[0]          # b, c: their own buckets
    assert limiter.allow("a")[0]                                     # a was forgotten (LRU bound 2)


def run_asgi(middleware, chunks: list[bytes], headers=()):
    sent, seen = [], []

    async def app(scope, receive, send):
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        seen.append(body)
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    messages = [{"type": "http.request", "body": c, "more_body": i < len(chunks) - 1} for i, c in enumerate(chunks)]

    async def receive():
        return messages.pop(0) if messages else {"type": "http.disconnect"}

    async def send(message):
        sent.append(message)

    scope = {"type": "http", "method": "POST", "path": "/", "headers": list(headers)}
    asyncio.run(BodySizeLimit(app, middleware)(scope, receive, send))
    return sent[0]["status"], seen


def test_body_limit_by_declared_length_and_by_streamed_bytes():
    assert run_asgi(10, [b"x" * 5], [(b"content-length", b"11")]) == (413, [])
    assert run_asgi(10, [b"x" * 6, b"y" * 6]) == (413, [])
    assert run_asgi(10, [b"x" * 5, b"y" * 5]) == (200, [b"x" * 5 + b"y" * 5])
    assert run_asgi(10, [b"1"], [(b"content-length", b"nonsense")])[0] == 413


def test_chat_request_validation():
    assert ChatRequest(message="hi").session_id is None
    for bad in ({"message": "x" * 2001}, {"message": "hi", "session_id": "../etc"}, {"message": "hi", "extra": 1},
                {"message": "hi", "user_id": ""}):
        with pytest.raises(ValidationError):
            ChatRequest(**bad)


def test_event_types_are_the_known_ones():
    assert EventIn(item_id="a", type="not_for_me").type == "not_for_me"
    with pytest.raises(ValidationError):
        EventIn(item_id="a", type="teleport")


def test_the_app_runs_sync_work_on_its_configured_threads():
    """Sync routes share `worker_threads` (more than the cores only contend for the GIL); chat
    streams get their own pool, so a turn waiting on the model never holds one of those."""
    import argparse

    import anyio.to_thread
    from fastapi.testclient import TestClient

    from shopwise.errors import UserFacingError
    from ui.api.app import ApiConfig, create_app
    from ui.serve import api_config_from_args, schema_app

    args = argparse.Namespace(max_body_kb=64, rate=20.0, burst=40, worker_threads=None)
    assert api_config_from_args(args).worker_threads >= 2
    assert api_config_from_args(argparse.Namespace(**{**vars(args), "worker_threads": 3})).worker_threads == 3
    with pytest.raises(UserFacingError):
        api_config_from_args(argparse.Namespace(**{**vars(args), "worker_threads": 0}))

    stand_in = schema_app()
    app = create_app(stand_in.state.api.services, stand_in.state.api.keys, ApiConfig(worker_threads=3, stream_threads=5))
    with TestClient(app) as client:
        tokens = client.portal.call(lambda: _tokens(anyio.to_thread.current_default_thread_limiter()))
        assert tokens == 3
        assert app.state.stream_limiter.total_tokens == 5


async def _tokens(limiter) -> float:
    return limiter.total_tokens
