"""Turns made in the web page go to the conversation store (services.conversations), the same
history the REST API keeps and the console's "last conversations" reads."""

from __future__ import annotations

import logging

log = logging.getLogger(__name__)


def record_turn(services, session, message: str, record) -> None:
    """Store one finished turn of a shopper's session; anonymous sessions are not kept."""
    store = getattr(services, "conversations", None)
    if store is None or session.user_id is None:
        return
    try:
        store.record(session.user_id, session.session_id, message, record)
    except Exception:          # history is a convenience: a failure must not break the chat
        log.exception("could not store a turn of the conversation")


def recent_conversations(services, user_id: str, limit: int = 5) -> list:
    store = getattr(services, "conversations", None)
    if store is None:
        return []
    return list(store.recent(user_id, limit))
