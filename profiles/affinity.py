"""Recency-decayed weighted tallies that update in O(1)-ish per event, without a rebuild.

All weights are stored as of `reference_ts`; a newer event first ages everything to its own time
(multiplying by 0.5 ** (dt / half-life)), an older one is added already aged. So the tally always
equals sum(weight_i * 0.5 ** ((reference - ts_i) / half-life)), whatever the arrival order.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from profiles.decay import DAY


@dataclass
class DecayedTally:
    half_life_days: float
    weights: dict[str, float] = field(default_factory=dict)
    reference_ts: float | None = None

    def _factor(self, age: float) -> float:
        return 0.5 ** (max(0.0, age) / (self.half_life_days * DAY))

    def add(self, key: str, weight: float, ts: float) -> None:
        if self.reference_ts is None:
            self.reference_ts = ts
        elif ts > self.reference_ts:
            factor = self._factor(ts - self.reference_ts)
            for name in self.weights:
                self.weights[name] *= factor
            self.reference_ts = ts
        self.weights[key] = self.weights.get(key, 0.0) + weight * self._factor(self.reference_ts - ts)

    def shares(self, limit: int | None = None) -> list[tuple[str, float]]:
        total = sum(self.weights.values())
        ranked = sorted(self.weights.items(), key=lambda kv: -kv[1])[:limit]
        return [(name, value / total) for name, value in ranked] if total > 0 else []

    def to_dict(self) -> dict:
        return {"half_life_days": self.half_life_days, "weights": self.weights, "reference_ts": self.reference_ts}

    @classmethod
    def from_dict(cls, data: dict) -> "DecayedTally":
        return cls(data["half_life_days"], dict(data["weights"]), data["reference_ts"])


@dataclass
class DecayedPrice:
    """Decayed mean and spread of log price: the shopper's price band."""

    half_life_days: float
    tally: DecayedTally = None

    def __post_init__(self) -> None:
        self.tally = self.tally or DecayedTally(self.half_life_days)

    def add(self, price: float, weight: float, ts: float) -> None:
        if price is None or price <= 0:
            return
        log_price = math.log(price)
        self.tally.add("w", weight, ts)
        self.tally.add("x", weight * log_price, ts)
        self.tally.add("xx", weight * log_price * log_price, ts)

    def band(self) -> tuple[float, float, float] | None:
        """(low, typical, high) prices, or None when no priced item was seen."""
        weights = self.tally.weights
        if weights.get("w", 0.0) <= 0:
            return None
        mean = weights["x"] / weights["w"]
        spread = math.sqrt(max(0.0, weights["xx"] / weights["w"] - mean * mean))
        return math.exp(mean - spread), math.exp(mean), math.exp(mean + spread)
