"""What the routes ask of the engine: the only module of the API that touches AppServices.

Every method takes an already-authorised request and returns schema objects; problems are
`ApiError`s with an HTTP status (never a 5xx for bad input)."""

from __future__ import annotations

import json
import logging
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Iterator

from agent.turn.events import ExplanationReady, ItemsReady, TextChunk, TurnDone
from profiles.privacy import user_key
from retrieval.filters import Filters
from shopwise.errors import UserFacingError
from ui.api import schemas

log = logging.getLogger(__name__)


class ApiError(Exception):
    def __init__(self, status: int, detail: str):
        super().__init__(detail)
        self.status, self.detail = status, detail


@dataclass(frozen=True)
class SessionsConfig:
    max_sessions: int = 1000


class ChatSessions:
    """Server-side chat sessions per (key id, user id, session id), least recently used dropped."""

    def __init__(self, config: SessionsConfig = SessionsConfig()):
        self.config = config
        self._sessions: OrderedDict[tuple, tuple[object, threading.Lock]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple, create) -> tuple[object, threading.Lock]:
        with self._lock:
            entry = self._sessions.get(key)
            if entry is None:
                entry = self._sessions[key] = (create(), threading.Lock())
                while len(self._sessions) > self.config.max_sessions:
                    self._sessions.popitem(last=False)
            self._sessions.move_to_end(key)
            return entry

    def forget(self, user_id: str) -> int:
        with self._lock:
            doomed = [k for k in self._sessions if k[1] == user_id]
            for k in doomed:
                del self._sessions[k]
            return len(doomed)

    def count(self, user_id: str | None = None) -> int:
        with self._lock:
            return sum(1 for k in self._sessions if user_id is None or k[1] == user_id)


def item_out(item, score: float | None = None, contributions: dict | None = None) -> schemas.ItemOut:
    return schemas.ItemOut(id=item.item_id, title=item.title, brand=item.brand, price=item.price,
                           currency=item.currency, rating=item.rating, rating_count=item.rating_count,
                           image=item.image_url, categories=list(item.categories or []), score=score,
                           contributions={k: float(v) for k, v in (contributions or {}).items()})


def sse(event: str, data) -> str:
    return f"event: {event}\ndata: {json.dumps(data, default=str, separators=(',', ':'))}\n\n"


class ApiService:
    def __init__(self, services, keys, metrics=None, sessions: ChatSessions | None = None):
        self.services, self.keys, self.metrics = services, keys, metrics
        self.sessions = sessions or ChatSessions()
        services.erasure_hooks["api_sessions"] = self.sessions.forget
        services.erasure_hooks["api_keys"] = keys.delete_for_user

    # -- catalog ---------------------------------------------------------------------------------
    def health(self) -> schemas.HealthOut:
        return schemas.HealthOut(status="ok", items=len(self.services.index), personalised=self.services.personalised)

    def search(self, query: str, filters: Filters, k: int) -> schemas.SearchOut:
        hits = self.services.index.search(query, filters, k)
        return schemas.SearchOut(query=query, items=[item_out(h.item, h.score) for h in hits])

    def recommendations(self, user_id: str | None, k: int, query: str,
                        fresh: bool = False) -> schemas.RecommendationsOut:
        if self.services.personalised:
            # Items the shopper marked "not for me" are never offered again (as in the chat).
            hidden = tuple(sorted(self.services.runtime.disliked(user_id))) if user_id else ()
            ranked = self.services.recommend(user_id, k=k, query=query, filters=Filters(exclude_ids=hidden),
                                             fresh=fresh)
            items = [item_out(r.item, r.score, r.contributions) for r in ranked]
        elif query.strip():
            items = [item_out(h.item, h.score) for h in self.services.index.search(query, Filters(), k)]
        else:                           # no profiles in this catalog: the best-rated items
            catalog = self.services.index.catalog
            best = sorted(catalog.values(), key=lambda i: (-(i.rating or 0.0), -(i.rating_count or 0), i.item_id))[:k]
            items = [item_out(item) for item in best]
        return schemas.RecommendationsOut(user_id=user_id, query=query, items=items)

    # -- users ------------------------------------------------------------------------------------
    def knows_user(self, user_id: str) -> bool:
        conversations = self.services.conversations
        return (self.services.events.knows(user_id) or self.keys.has_user(user_id)
                or (conversations is not None and conversations.count(user_id) > 0))

    def require_user(self, user_id: str) -> None:
        if not self.knows_user(user_id):
            raise ApiError(404, "no such user")

    def record_event(self, user_id: str, body: schemas.EventIn) -> schemas.EventOut:
        if not self.services.knows_item(body.item_id):
            raise ApiError(404, "no such item in this catalog")
        try:
            self.services.record_event(user_id, body.item_id, body.type, value=body.value)
        except UserFacingError as error:
            raise ApiError(422, str(error)) from error
        return schemas.EventOut(user_id=user_id, item_id=body.item_id, type=body.type, recorded=True)

    def profile(self, user_id: str) -> schemas.ProfileOut:
        from profiles.summary import describe

        self.require_user(user_id)
        profile = self.services.profile(user_id)
        if profile is None:             # catalog without profiles: what the store holds
            events = self.services.events.events_of(user_id)
            return schemas.ProfileOut(user_id=user_id, summary=[f"{len(events)} events (no profiles for this catalog)"],
                                      events=len(events), cold_start=True, top_categories=[], top_brands=[],
                                      price_band=None, aspects=[], recent=[], stated={}, demographics={})
        band = profile.price.band()
        return schemas.ProfileOut(
            user_id=user_id, summary=describe(profile, self.services.index.catalog), events=profile.events,
            cold_start=profile.is_cold, top_categories=profile.categories.shares(5),
            top_brands=profile.brands.shares(5), price_band=list(band) if band else None,
            aspects=[schemas.AspectOut(aspect=o.aspect, stance=o.stance, polarity=o.polarity, mentions=o.mentions,
                                       evidence=[{"item_id": i, "sentence": s} for i, s in o.evidence[:3]])
                     for o in profile.aspects[:10]],
            recent=[schemas.RecentEventOut(item_id=i, type=kind, ts=ts) for i, ts, kind in list(profile.recent)[-20:][::-1]],
            stated=dict(profile.stated), demographics=dict(profile.demographics))

    def conversations(self, user_id: str, limit: int) -> schemas.ConversationsOut:
        self.require_user(user_id)
        store = self.services.conversations
        found = store.recent(user_id, limit) if store is not None else []
        return schemas.ConversationsOut(user_id=user_id, conversations=[
            schemas.ConversationOut(session_id=c.session_id, started=c.started, updated=c.updated,
                                    turns=[schemas.TurnOut(turn=t.turn, message=t.message, reply=t.reply, ts=t.ts,
                                                           record=t.record) for t in c.turns])
            for c in found])

    def erase(self, user_id: str) -> schemas.ErasureOut:
        self.require_user(user_id)
        removed = self.services.erase_user(user_id)
        return schemas.ErasureOut(user_id=user_id, removed={k: int(v) for k, v in removed.items()})

    # -- chat -------------------------------------------------------------------------------------
    def open_chat(self, key_id: str, user_id: str | None, session_id: str | None):
        """(session, its lock, already held): raises 409 when the session is mid-turn."""
        import uuid

        session_id = session_id or uuid.uuid4().hex
        session, lock = self.sessions.get(
            (key_id, user_id, session_id),
            lambda: self.services.assistant.session(user_id=user_id, session_id=session_id))
        if not lock.acquire(blocking=False):
            raise ApiError(409, "this session is answering another message; wait for its `done` event")
        return session, lock

    def chat_events(self, session, lock: threading.Lock, message: str) -> Iterator[str]:
        """The turn as Server-Sent Events: items, text and explanation pieces, then done."""
        try:
            for event in session.send(message):
                if isinstance(event, ItemsReady):
                    yield sse("items", {"items": [item_out(r.item, r.score, r.contributions).model_dump()
                                                  for r in event.items]})
                elif isinstance(event, TextChunk):
                    yield sse("text", {"text": event.text})
                elif isinstance(event, ExplanationReady):
                    yield sse("explanation", {"index": event.index, "item_id": event.item_id,
                                              "text": event.text, "source": event.source})
                elif isinstance(event, TurnDone):
                    self._turn_done(session, message, event.record)
                    yield sse("done", {"session_id": session.session_id, "turn": event.record.turn,
                                       "record": event.record.to_dict()})
        except Exception:           # the stream has started: report in-band, keep details out of the log
            log.exception("chat turn failed (user %s)", user_key(session.user_id or "-"))
            yield sse("error", {"detail": "the turn failed; try again or start a new session"})
        finally:
            lock.release()

    def _turn_done(self, session, message: str, record) -> None:
        if self.metrics is not None:
            self.metrics.observe_turn(record.timings)
        store = self.services.conversations
        if store is not None and session.user_id is not None:
            store.add(session.user_id, session.session_id, record.turn, message, record.reply, record,
                      ts=time.time())
