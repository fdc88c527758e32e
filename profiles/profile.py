"""A shopper's profile fused from behaviour, reviews, demographics and stated preferences.

Behaviour: category, brand, price-band and item affinities from every event, weighted by event
type (a purchase says more than a view) and decayed by recency. Reviews: aspects the shopper
cares about with their sentiment (see aspects.py). Demographics: the user record's attributes.
Stated preferences: what they said in conversation. Embedding: the decayed mean of the item
vectors they interacted with, in the items' own space.

`fold_event` applies one event in place in time proportional to the few keys it touches: this is
the online update, no rebuild.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

import numpy as np

from profiles.affinity import DecayedPrice, DecayedTally
from profiles.aspects import AspectOpinion
from profiles.records import Event
from retrieval.catalog import Item

RECENT_ITEMS = 50
DEFAULT_EVENT_WEIGHTS = (("view", 1.0), ("click", 2.0), ("cart", 4.0), ("purchase", 6.0), ("rate", 3.0),
                         ("dislike", -3.0))      # "not for me" pushes its category and brand away


@dataclass(frozen=True)
class ProfileConfig:
    half_life_days: float = 90.0
    event_weights: tuple[tuple[str, float], ...] = DEFAULT_EVENT_WEIGHTS

    def weight(self, event: Event) -> float:
        weight = dict(self.event_weights).get(event.type, 1.0)
        if event.type == "rate" and event.value is not None:
            weight *= (event.value - 3.0) / 2.0          # a 1-star rating pushes away, 5 stars pulls
        return weight


@dataclass
class UserProfile:
    user_id: str
    config: ProfileConfig = field(default_factory=ProfileConfig)
    events: int = 0
    last_ts: float | None = None
    categories: DecayedTally = None
    brands: DecayedTally = None
    items: DecayedTally = None
    price: DecayedPrice = None
    embedding: np.ndarray | None = None           # decayed sum, as of `categories.reference_ts`-like time
    embedding_ts: float | None = None
    recent: deque = field(default_factory=lambda: deque(maxlen=RECENT_ITEMS))   # (item_id, ts, type)
    aspects: list[AspectOpinion] = field(default_factory=list)
    demographics: dict = field(default_factory=dict)
    stated: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        half_life = self.config.half_life_days
        self.categories = self.categories or DecayedTally(half_life)
        self.brands = self.brands or DecayedTally(half_life)
        self.items = self.items or DecayedTally(half_life)
        self.price = self.price or DecayedPrice(half_life)

    @property
    def is_cold(self) -> bool:
        return self.events == 0

    def unit_embedding(self) -> np.ndarray | None:
        if self.embedding is None:
            return None
        norm = float(np.linalg.norm(self.embedding))
        return self.embedding / norm if norm > 0 else None

    def top_likes(self, limit: int = 2) -> list[str]:
        """The brands and finest categories this shopper weighs most, strongest first (what an
        explanation may mention: "it matches your interest in Dove")."""
        # raw decayed weights: both tallies fold the same events, so they compare (shares would not)
        weighed = list(self.brands.weights.items()) + \
            [(name.split(" > ")[-1], weight) for name, weight in self.categories.weights.items()]
        names: list[str] = []
        for name, weight in sorted(weighed, key=lambda pair: -pair[1]):
            if weight > 0 and name not in names:
                names.append(name)
        return names[:limit]

    def to_dict(self) -> dict:
        return {"events": self.events, "last_ts": self.last_ts,
                "categories": self.categories.to_dict(), "brands": self.brands.to_dict(),
                "items": self.items.to_dict(), "price": self.price.tally.to_dict(),
                "embedding": None if self.embedding is None else self.embedding.tolist(),
                "embedding_ts": self.embedding_ts, "recent": list(self.recent),
                "aspects": [a.to_dict() for a in self.aspects], "demographics": self.demographics,
                "stated": self.stated}

    @classmethod
    def from_dict(cls, user_id: str, data: dict, config: ProfileConfig = ProfileConfig()) -> "UserProfile":
        return cls(user_id=user_id, config=config, events=data["events"], last_ts=data["last_ts"],
                   categories=DecayedTally.from_dict(data["categories"]), brands=DecayedTally.from_dict(data["brands"]),
                   items=DecayedTally.from_dict(data["items"]),
                   price=DecayedPrice(config.half_life_days, DecayedTally.from_dict(data["price"])),
                   embedding=None if data["embedding"] is None else np.array(data["embedding"], dtype=np.float32),
                   embedding_ts=data["embedding_ts"],
                   recent=deque([tuple(r) for r in data["recent"]], maxlen=RECENT_ITEMS),
                   aspects=[AspectOpinion.from_dict(a) for a in data["aspects"]],
                   demographics=data["demographics"], stated=data["stated"])


def fold_event(profile: UserProfile, event: Event, item: Item | None, vector: np.ndarray | None) -> None:
    """Apply one event to the profile in place (the online update)."""
    weight = profile.config.weight(event)
    profile.events += 1
    profile.last_ts = event.ts if profile.last_ts is None else max(profile.last_ts, event.ts)
    profile.recent.append((event.item_id, event.ts, event.type))
    profile.items.add(event.item_id, weight, event.ts)
    if item is not None:
        if item.categories:
            profile.categories.add(" > ".join(item.categories[-2:]), weight, event.ts)
        if item.brand:
            profile.brands.add(item.brand, weight, event.ts)
        if weight > 0:
            profile.price.add(item.price, weight, event.ts)
    if vector is not None:
        _fold_vector(profile, vector, weight, event.ts)


def _fold_vector(profile: UserProfile, vector: np.ndarray, weight: float, ts: float) -> None:
    half_life = profile.config.half_life_days * 86_400.0
    if profile.embedding is None:
        profile.embedding, profile.embedding_ts = weight * vector.astype(np.float32), ts
        return
    if ts > profile.embedding_ts:
        profile.embedding = profile.embedding * np.float32(0.5 ** ((ts - profile.embedding_ts) / half_life))
        profile.embedding_ts = ts
    profile.embedding = profile.embedding + np.float32(weight * 0.5 ** ((profile.embedding_ts - ts) / half_life)) * vector


def build_profile(user_id: str, events, catalog: dict[str, Item], vector_of, reviews=(), lexicon=None,
                  demographics: dict | None = None, stated: dict | None = None,
                  config: ProfileConfig = ProfileConfig()) -> UserProfile:
    """Fuse everything known about one shopper (a rebuild; online changes go through fold_event)."""
    profile = UserProfile(user_id=user_id, config=config, demographics=dict(demographics or {}),
                          stated=dict(stated or {}))
    for event in sorted(events, key=lambda e: e.ts):
        fold_event(profile, event, catalog.get(event.item_id), vector_of(event.item_id))
    if lexicon is not None and reviews:
        profile.aspects = lexicon.opinions(reviews)
    return profile
