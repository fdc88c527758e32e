"""Prometheus metrics: request counts and latency by route template, chat turn timings.

Each app gets its own registry, so several apps (tests) never collide."""

from __future__ import annotations

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


CACHE_HITS, CACHE_MISSES = "shopwise_recommendation_cache_hits", "shopwise_recommendation_cache_misses"


def recommendation_cache_counts(metrics_text: str) -> tuple[float, float]:
    """(hits, misses) of the recommendation cache, read from a /metrics page."""
    values = dict(line.split(" ") for line in metrics_text.splitlines() if line.startswith((CACHE_HITS, CACHE_MISSES)))
    return float(values[CACHE_HITS]), float(values[CACHE_MISSES])


class ApiMetrics:
    content_type = CONTENT_TYPE_LATEST

    def __init__(self):
        self.registry = CollectorRegistry()
        self.requests = Counter("shopwise_http_requests", "HTTP requests by route template, method and status",
                                ("route", "method", "status"), registry=self.registry)
        self.latency = Histogram("shopwise_http_request_seconds", "time to the response head (streams: to the head)",
                                 ("route", "method"), buckets=LATENCY_BUCKETS, registry=self.registry)
        self.turn = Histogram("shopwise_chat_turn_seconds", "chat turn timings by stage",
                              ("stage",), buckets=LATENCY_BUCKETS, registry=self.registry)
        self.rate_limited = Counter("shopwise_rate_limited", "requests refused with 429", registry=self.registry)

    def watch_recommendation_cache(self, cache) -> None:
        """Lists served again vs computed (read from the cache when scraped)."""
        for name, outcome in ((CACHE_HITS, "hits"), (CACHE_MISSES, "misses")):
            gauge = Gauge(name, f"recommendation lists {outcome} since start", registry=self.registry)
            gauge.set_function(lambda outcome=outcome: getattr(cache, outcome))

    def observe_request(self, route: str, method: str, status: int, seconds: float) -> None:
        self.requests.labels(route, method, str(status)).inc()
        self.latency.labels(route, method).observe(seconds)

    def observe_turn(self, timings) -> None:
        for stage in ("items_ready_s", "first_text_s", "first_explanation_s", "total_s"):
            value = getattr(timings, stage, None)
            if value is not None:
                self.turn.labels(stage[:-2]).observe(value)

    def render(self) -> bytes:
        return generate_latest(self.registry)
