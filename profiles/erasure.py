"""Erasing a shopper: every row in the store. Cached models trained on them are dropped by the
caller (agent.ranking.runtime.drop_models_trained_on); logs only ever carry hashed keys."""

from __future__ import annotations

import logging

from profiles.privacy import user_key
from profiles.store import EventStore

log = logging.getLogger(__name__)


def erase_user(store: EventStore, user_id: str, service=None) -> dict[str, int]:
    removed = store.erase_user(user_id)
    if service is not None:
        service.forget(user_id)
    log.info("erased %s: %s", user_key(user_id), removed)
    return removed
