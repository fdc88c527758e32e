"""Thin FastAPI routes: authenticate, authorise, validate, call ApiService, shape the answer."""

from __future__ import annotations

from typing import Annotated, AsyncIterator, Iterator

import anyio
import anyio.to_thread
from fastapi import APIRouter, Depends, Header, Path, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response, StreamingResponse

from retrieval.filters import Filters
from ui.api import schemas
from ui.api.auth import Principal
from ui.api.service import ApiError, ApiService

_ERRORS = {status: {"model": schemas.ErrorOut, "description": why} for status, why in (
    (401, "no or unknown API key"), (403, "this key may not do that"), (404, "unknown user or item"),
    (409, "session busy"), (413, "request body too large"), (422, "invalid request"), (429, "rate limit"))}
SSE_EVENT = {"type": "object", "required": ["event", "data"],
             "properties": {"event": {"type": "string", "enum": ["items", "text", "explanation", "done", "error"]},
                            "data": {"type": "string", "description": "a JSON object"}}}
UserId = Annotated[str, Path(min_length=1, max_length=200)]


class EventSourceResponse(StreamingResponse):
    media_type = "text/event-stream"


async def stepped_in_threads(events: Iterator[str], limiter=None) -> AsyncIterator[str]:
    """A blocking event iterator (a chat turn) stepped in threads of `limiter`'s pool, so a turn
    waiting on the language model never holds one of the threads quick requests run in."""
    done = object()
    try:
        while (event := await anyio.to_thread.run_sync(next, events, done, limiter=limiter)) is not done:
            yield event
    finally:                    # a client that left: end the turn (releases the session) in a thread too
        with anyio.CancelScope(shield=True):
            await anyio.to_thread.run_sync(events.close, limiter=limiter)


# Dependencies are async (they run on the event loop): a sync one would cost each request a hop to
# a worker thread. Only a key whose row is not kept in memory is read in a thread.
async def service(request: Request) -> ApiService:
    return request.app.state.api


async def principal(request: Request) -> Principal:
    """The caller, from `Authorization: Bearer KEY` or `X-API-Key: KEY`; rate-limited per key."""
    header = request.headers.get("authorization", "")
    raw = header[7:].strip() if header[:7].lower() == "bearer " else request.headers.get("x-api-key", "")
    keys = request.app.state.api.keys
    found = None
    if raw:
        decided, found = keys.authenticate_from_memory(raw)
        if not decided:
            found = await run_in_threadpool(keys.authenticate, raw)
    if found is None:
        raise ApiError(401, "missing or invalid API key: send `Authorization: Bearer KEY`")
    request.state.key_id = found.key_id
    allowed, retry = request.app.state.limiter.allow(found.key_id)
    if not allowed:
        request.app.state.metrics.rate_limited.inc()
        raise ApiError(429, f"rate limit for this key: retry in {retry:.1f} s")
    return found


Caller = Annotated[Principal, Depends(principal)]
Api = Annotated[ApiService, Depends(service)]


def subject(request: Request, caller: Principal, user_id: str | None, *, change: bool = False) -> str | None:
    """The user a request is about (a shopper's own by default), after checking the caller may."""
    user_id = user_id or (caller.user_id if caller.role == "shopper" else None)
    if user_id is not None:
        request.state.user_id = user_id
        allowed = caller.can_change_user(user_id) if change else caller.can_read_user(user_id)
        if not allowed:
            raise ApiError(403, "this key may not access that user's data")
    return user_id


# The chat route's own media type is text/event-stream; its errors are JSON like everywhere else.
_JSON_ERRORS = {status: {"description": spec["description"],
                         "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}}}
                for status, spec in _ERRORS.items()}
router = APIRouter(prefix="/v1", responses=_ERRORS)


@router.post("/chat", response_class=EventSourceResponse, tags=["chat"],
             responses={200: {"description": "Server-Sent Events: `items` (when the turn ranks), then `text` and "
                                             "`explanation`, then `done`; `data` is JSON",
                              "content": {"text/event-stream": {"schema": SSE_EVENT}}}, **_JSON_ERRORS})
def chat(body: schemas.ChatRequest, request: Request, caller: Caller, api: Api):
    """One chat turn as an event stream; pass `session_id` from `done` to continue the conversation."""
    user_id = subject(request, caller, body.user_id, change=True)
    session, lock = api.open_chat(caller.key_id, user_id, body.session_id)
    limiter = getattr(request.app.state, "stream_limiter", None)
    return EventSourceResponse(stepped_in_threads(api.chat_events(session, lock, body.message), limiter),
                               headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})


@router.get("/recommendations", response_model=schemas.RecommendationsOut, tags=["catalog"])
def recommendations(request: Request, caller: Caller, api: Api,
                    user_id: Annotated[str | None, Query(max_length=200)] = None,
                    k: Annotated[int, Query(ge=1, le=50)] = 10,
                    query: Annotated[str, Query(max_length=500)] = "",
                    cache_control: Annotated[str | None, Header(max_length=200)] = None):
    """Personalised recommendations (a shopper key: its own user; staff: any user or none).

    A list is served again until the shopper's next event (at most 30 s by default);
    `Cache-Control: no-cache` asks for a freshly computed one."""
    fresh = "no-cache" in (cache_control or "").lower()
    return api.recommendations(subject(request, caller, user_id), k, query, fresh=fresh)


@router.get("/search", response_model=schemas.SearchOut, tags=["catalog"])
def search(caller: Caller, api: Api,
           q: Annotated[str, Query(min_length=1, max_length=500)],
           k: Annotated[int, Query(ge=1, le=50)] = 10,
           price_min: Annotated[float | None, Query(ge=0, le=1e9)] = None,
           price_max: Annotated[float | None, Query(ge=0, le=1e9)] = None,
           brand: Annotated[list[str], Query(max_length=20)] = [],
           exclude_brand: Annotated[list[str], Query(max_length=20)] = [],
           category: Annotated[list[str], Query(max_length=20)] = [],
           min_rating: Annotated[float | None, Query(ge=0, le=5)] = None):
    """Hybrid catalog search with hard filters."""
    try:
        filters = Filters(price_min=price_min, price_max=price_max, brands=tuple(brand),
                          exclude_brands=tuple(exclude_brand), categories=tuple(category), min_rating=min_rating)
    except ValueError as error:
        raise ApiError(422, str(error)) from error
    return api.search(q, filters, k)


@router.post("/events", response_model=schemas.EventOut, tags=["users"])
def events(body: schemas.EventIn, request: Request, caller: Caller, api: Api):
    """Record a shopper's event (like, not_for_me, add_to_cart, ...); the next results reflect it."""
    user_id = subject(request, caller, body.user_id, change=True)
    if user_id is None:
        raise ApiError(422, "user_id is required for staff keys")
    return api.record_event(user_id, body)


@router.get("/users/{user_id}/profile", response_model=schemas.ProfileOut, tags=["users"])
def profile(user_id: UserId, request: Request, caller: Caller, api: Api):
    """The fused profile in words, with the reviews and events behind it."""
    return api.profile(subject(request, caller, user_id))


@router.get("/users/{user_id}/conversations", response_model=schemas.ConversationsOut, tags=["users"])
def conversations(user_id: UserId, request: Request, caller: Caller, api: Api,
                  limit: Annotated[int, Query(ge=1, le=50)] = 5):
    """The user's last conversations, newest first, each turn with its step record."""
    return api.conversations(subject(request, caller, user_id), limit)


@router.delete("/users/{user_id}", response_model=schemas.ErasureOut, tags=["users"])
def erase(user_id: UserId, request: Request, caller: Caller, api: Api):
    """Erase the user everywhere (the shopper themself or an admin; never an agent)."""
    request.state.user_id = user_id
    if not caller.can_erase(user_id):
        raise ApiError(403, "this key may not erase that user")
    return api.erase(user_id)


ops = APIRouter()


@ops.get("/healthz", response_model=schemas.HealthOut, tags=["ops"])
def healthz(api: Api):
    return api.health()


@ops.get("/metrics", response_class=Response, tags=["ops"],
         responses={200: {"description": "Prometheus text format", "content": {"text/plain": {"schema": {"type": "string"}}}}})
def metrics(request: Request):
    registry = request.app.state.metrics
    return Response(registry.render(), media_type=registry.content_type)
