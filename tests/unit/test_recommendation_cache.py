"""RecommendationCache: lists are served again until the shopper's generation changes or the TTL
passes; a list computed while an event arrived is never kept; erasure leaves no list behind."""

import threading

from agent.ranking.result_cache import RecommendationCache


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def counting(result):
    calls = []

    def compute():
        calls.append(1)
        return list(result)
    return compute, calls


def test_a_kept_list_is_served_until_the_ttl_passes():
    clock = Clock()
    cache = RecommendationCache(ttl_s=30, clock=clock)
    compute, calls = counting(["a", "b"])
    assert cache.get_or_compute("u1", ("k", 10), compute) == ["a", "b"]
    clock.now = 29.9
    assert cache.get_or_compute("u1", ("k", 10), compute) == ["a", "b"]
    assert len(calls) == 1 and (cache.hits, cache.misses) == (1, 1)
    clock.now = 30.0
    cache.get_or_compute("u1", ("k", 10), compute)
    assert len(calls) == 2


def test_keys_users_and_fresh_requests_are_kept_apart():
    cache = RecommendationCache(ttl_s=30, clock=Clock())
    compute, calls = counting(["x"])
    cache.get_or_compute("u1", ("k", 10), compute)
    cache.get_or_compute("u1", ("k", 5), compute)          # another k: its own list
    cache.get_or_compute("u2", ("k", 10), compute)          # another shopper: never u1's list
    cache.get_or_compute("u1", ("k", 10), compute, fresh=True)
    assert len(calls) == 4
    cache.get_or_compute("u1", ("k", 10), compute)          # the fresh list replaced the old one
    assert len(calls) == 4


def test_an_event_retires_only_that_shoppers_lists():
    cache = RecommendationCache(ttl_s=30, clock=Clock())
    compute, calls = counting(["x"])
    for user in ("u1", "u2"):
        cache.get_or_compute(user, "k", compute)
    cache.invalidate_user("u1")
    assert len(cache) == 1
    cache.get_or_compute("u2", "k", compute)
    assert len(calls) == 2
    cache.get_or_compute("u1", "k", compute)
    assert len(calls) == 3


def test_a_list_computed_while_the_shopper_acted_is_not_kept():
    cache = RecommendationCache(ttl_s=30, clock=Clock())
    started, release = threading.Event(), threading.Event()

    def slow_compute():
        started.set()
        release.wait(5)
        return ["stale"]

    worker = threading.Thread(target=cache.get_or_compute, args=("u1", "k", slow_compute))
    worker.start()
    started.wait(5)
    cache.invalidate_user("u1")                              # the event lands mid-computation
    release.set()
    worker.join(5)
    assert len(cache) == 0
    assert cache.get_or_compute("u1", "k", lambda: ["new"]) == ["new"]


def test_clear_retires_everything_and_ttl_zero_turns_it_off():
    cache = RecommendationCache(ttl_s=30, clock=Clock())
    cache.get_or_compute("u1", "k", lambda: ["x"])
    cache.clear()
    assert len(cache) == 0 and cache.get_or_compute("u1", "k", lambda: ["y"]) == ["y"]
    off = RecommendationCache(ttl_s=0)
    compute, calls = counting(["x"])
    off.get_or_compute("u1", "k", compute)
    off.get_or_compute("u1", "k", compute)
    assert len(calls) == 2 and len(off) == 0


def test_the_oldest_lists_go_first_when_full():
    cache = RecommendationCache(ttl_s=30, max_entries=2, clock=Clock())
    for user in ("u1", "u2", "u3"):
        cache.get_or_compute(user, "k", lambda: ["x"])
    assert len(cache) == 2
    compute, calls = counting(["x"])
    cache.get_or_compute("u1", "k", compute)
    assert len(calls) == 1
    cache.invalidate_user("u1")                              # u1's new list goes, u3's stays
    assert len(cache) == 1
    cache.invalidate_user("u2")                              # u2 was evicted: nothing dangling
    assert len(cache) == 1 and cache._keys_of.keys() == {"u3"}
