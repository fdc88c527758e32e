"""Request body size limit (413) and a per-key token-bucket rate limit (429)."""

from __future__ import annotations

import json
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass


@dataclass(frozen=True)
class LimitsConfig:
    max_body_bytes: int = 64 * 1024
    rate_per_s: float = 20.0          # tokens added per second, per key
    burst: int = 40                   # bucket size
    max_keys_tracked: int = 10_000


class TokenBucket:
    """`allow()` takes one token if there is one. Thread-safe; `clock` is injectable for tests."""

    def __init__(self, rate_per_s: float, burst: int, clock=time.monotonic):
        self.rate, self.burst, self.clock = float(rate_per_s), float(burst), clock
        self.tokens, self.updated = float(burst), clock()
        self._lock = threading.Lock()

    def allow(self) -> tuple[bool, float]:
        """(allowed, seconds until the next token)."""
        with self._lock:
            now = self.clock()
            self.tokens = min(self.burst, self.tokens + (now - self.updated) * self.rate)
            self.updated = now
            if self.tokens >= 1.0:
                self.tokens -= 1.0
                return True, 0.0
            return False, (1.0 - self.tokens) / self.rate if self.rate > 0 else float("inf")


class RateLimiter:
    """One bucket per API key id (least recently used buckets are forgotten beyond a bound)."""

    def __init__(self, config: LimitsConfig, clock=time.monotonic):
        self.config, self.clock = config, clock
        self._buckets: OrderedDict[str, TokenBucket] = OrderedDict()
        self._lock = threading.Lock()

    def allow(self, key_id: str) -> tuple[bool, float]:
        with self._lock:
            bucket = self._buckets.get(key_id)
            if bucket is None:
                bucket = self._buckets[key_id] = TokenBucket(self.config.rate_per_s, self.config.burst, self.clock)
                if len(self._buckets) > self.config.max_keys_tracked:
                    self._buckets.popitem(last=False)
            self._buckets.move_to_end(key_id)
        return bucket.allow()


class BodySizeLimit:
    """ASGI middleware: a body longer than `max_bytes` (declared or streamed) gets 413."""

    def __init__(self, app, max_bytes: int):
        self.app, self.max_bytes = app, max_bytes

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None:
            try:
                too_big = int(declared) > self.max_bytes
            except ValueError:
                too_big = True
            if too_big:
                return await _too_large(send, self.max_bytes)
        # Read the body first (it is small by definition), so an oversized stream is refused
        # before any route or body parser sees it.
        chunks, received, more = [], 0, True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                return await self.app(scope, _replay([], message), send)
            chunks.append(message.get("body", b""))
            received += len(chunks[-1])
            if received > self.max_bytes:
                return await _too_large(send, self.max_bytes)
            more = message.get("more_body", False)
        await self.app(scope, _replay([b"".join(chunks)], None, receive), send)


def _replay(bodies: list[bytes], final, receive=None):
    """A receive() that hands back the buffered body, then waits on the real channel."""
    pending = list(bodies)

    async def replay():
        nonlocal final
        if pending:
            return {"type": "http.request", "body": pending.pop(0), "more_body": False}
        if final is not None:
            message, final = final, None
            return message
        return await receive() if receive is not None else {"type": "http.disconnect"}
    return replay


async def _too_large(send, limit: int) -> None:
    body = json.dumps({"detail": f"request body too large: at most {limit} bytes"}).encode()
    await send({"type": "http.response.start", "status": 413,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})
