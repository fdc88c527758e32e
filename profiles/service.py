"""Profiles served live: built once from the store, then updated event by event.

    service = ProfileService(store, catalog, vector_of)
    service.record_event(Event("u1", "B0001", "click", time.time()))   # stored + folded in
    service.profile("u1")                                                 # reflects the click

The REST layer and the chat turn call this; nothing here rebuilds a profile after an event.
"""

from __future__ import annotations

import logging
from typing import Callable

import numpy as np

from profiles.privacy import user_key
from profiles.profile import ProfileConfig, UserProfile, build_profile, fold_event
from profiles.records import Event
from profiles.store import EventStore
from retrieval.catalog import Item

log = logging.getLogger(__name__)


class ProfileService:
    def __init__(self, store: EventStore, catalog: dict[str, Item],
                 vector_of: Callable[[str], np.ndarray | None], lexicon=None,
                 config: ProfileConfig = ProfileConfig()):
        self.store = store
        self.catalog = catalog
        self.vector_of = vector_of
        self.lexicon = lexicon
        self.config = config
        self._profiles: dict[str, UserProfile] = {}
        self._dirty: set[str] = set()

    def profile(self, user_id: str) -> UserProfile:
        cached = self._profiles.get(user_id)
        if cached is None:
            cached = self._profiles[user_id] = self._build(user_id)
        return cached

    def _build(self, user_id: str) -> UserProfile:
        user = self.store.user(user_id)
        profile = build_profile(user_id, self.store.events_of(user_id), self.catalog, self.vector_of,
                                self.store.reviews_of(user_id), self.lexicon,
                                demographics=user.attributes if user else None,
                                stated=self.store.stated_preferences(user_id), config=self.config)
        log.debug("profile of %s built from %d events", user_key(user_id), profile.events)
        return profile

    def record_event(self, event: Event) -> UserProfile:
        """Store the event and fold it into the live profile."""
        self.store.add_event(event)
        return self.apply(event)

    def apply(self, event: Event) -> UserProfile:
        """The online update: fold one event into the profile, no rebuild."""
        profile = self.profile(event.user_id)
        fold_event(profile, event, self.catalog.get(event.item_id), self.vector_of(event.item_id))
        self._dirty.add(event.user_id)
        return profile

    def state_preference(self, user_id: str, name: str, value) -> None:
        self.store.state_preference(user_id, name, value)
        self.profile(user_id).stated[name] = value

    def flush(self) -> int:
        """Persist the profiles changed since the last flush."""
        for user_id in self._dirty:
            profile = self._profiles[user_id]
            self.store.save_profile(user_id, profile.to_dict(), profile.last_ts or 0.0)
        count, self._dirty = len(self._dirty), set()
        return count

    def forget(self, user_id: str) -> None:
        self._profiles.pop(user_id, None)
        self._dirty.discard(user_id)
