"""Recent recommendation lists, kept until the shopper's profile changes or they are `ttl_s` old.

A shopper's list depends on their history, the query, the filters and the trained model; the
behaviour log the model reads is a snapshot. So a list stays right until that shopper does
something (an event, an erasure), which bumps their generation and retires every list of theirs,
even one computed while the event arrived. The TTL bounds staleness from anything else (a
profile's time decay). A front end that must recompute (`Cache-Control: no-cache`) calls with
`fresh=True`; the new list replaces the kept one.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from typing import Callable, Hashable


class RecommendationCache:
    def __init__(self, ttl_s: float = 30.0, max_entries: int = 20_000, clock: Callable[[], float] = time.monotonic):
        self.ttl_s, self.max_entries, self.clock = ttl_s, max_entries, clock
        self._entries: OrderedDict[tuple, tuple[float, list]] = OrderedDict()      # key -> (stored at, list)
        self._keys_of: dict[str | None, set[tuple]] = {}      # so a user's lists go at once (erasure)
        self._generation: dict[str | None, int] = {}
        self._epoch = 0                                          # bumped by clear()
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    @property
    def enabled(self) -> bool:
        return self.ttl_s > 0

    def get_or_compute(self, user_id: str | None, key: Hashable, compute: Callable[[], list],
                       fresh: bool = False) -> list:
        """The kept list for (user, key), else `compute()` (stored unless the user changed meanwhile)."""
        if not self.enabled:
            return compute()
        full_key = (user_id, key)
        with self._lock:
            generation = self._generation_of(user_id)
            entry = None if fresh else self._entries.get(full_key)
            if entry is not None and self.clock() - entry[0] < self.ttl_s:
                self._entries.move_to_end(full_key)
                self.hits += 1
                return list(entry[1])
            self.misses += 1
        result = compute()
        with self._lock:
            if self._generation_of(user_id) == generation:     # else an event arrived: don't keep it
                self._entries[full_key] = (self.clock(), list(result))
                self._entries.move_to_end(full_key)
                self._keys_of.setdefault(user_id, set()).add(full_key)
                while len(self._entries) > self.max_entries:
                    old_key, _ = self._entries.popitem(last=False)
                    self._forget_key(old_key)
        return result

    def invalidate_user(self, user_id: str | None) -> None:
        """Retire every kept list of this shopper (their profile changed or was erased)."""
        with self._lock:
            self._generation[user_id] = self._generation.get(user_id, 0) + 1
            for full_key in self._keys_of.pop(user_id, set()):
                self._entries.pop(full_key, None)

    def clear(self) -> None:
        """Retire everything (a new model, a new catalog)."""
        with self._lock:
            self._epoch += 1
            self._entries.clear()
            self._keys_of.clear()

    def _generation_of(self, user_id: str | None) -> tuple[int, int]:
        return self._epoch, self._generation.get(user_id, 0)

    def _forget_key(self, full_key: tuple) -> None:
        keys = self._keys_of.get(full_key[0])
        if keys is not None:
            keys.discard(full_key)
            if not keys:
                del self._keys_of[full_key[0]]

    def __len__(self) -> int:
        return len(self._entries)
