"""Request and response bodies of the REST API (pydantic); the OpenAPI schema is built from these."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.:@\-]{0,127}$"
EventType = Literal["view", "click", "like", "cart", "add_to_cart", "purchase", "rate", "dislike", "not_for_me"]


class ErrorOut(BaseModel):
    detail: str | list


class ItemOut(BaseModel):
    id: str
    title: str
    brand: str | None = None
    price: float | None = None
    currency: str | None = None
    rating: float | None = None
    rating_count: int | None = None
    image: str | None = None
    categories: list[str] = []
    score: float | None = None
    contributions: dict[str, float] = {}


class ChatRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    message: str = Field(..., max_length=2000, description="the shopper's message")
    session_id: str | None = Field(None, pattern=ID_PATTERN,
                                   description="continue this conversation; omitted: a new one (its id is in `done`)")
    user_id: str | None = Field(None, pattern=ID_PATTERN,
                                description="whose chat: a shopper key's own user by default; staff act on behalf")


class RecommendationsOut(BaseModel):
    user_id: str | None
    query: str
    items: list[ItemOut]


class SearchOut(BaseModel):
    query: str
    items: list[ItemOut]


class EventIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    user_id: str | None = Field(None, pattern=ID_PATTERN, description="default: the shopper key's own user")
    item_id: str = Field(..., min_length=1, max_length=200)
    type: EventType
    value: float | None = Field(None, ge=-1e6, le=1e6, description="a rating for `rate`")


class EventOut(BaseModel):
    user_id: str
    item_id: str
    type: str
    recorded: bool


class AspectOut(BaseModel):
    aspect: str
    stance: str
    polarity: float
    mentions: int
    evidence: list[dict[str, str]]        # {"item_id", "sentence"}


class RecentEventOut(BaseModel):
    item_id: str
    type: str
    ts: float


class ProfileOut(BaseModel):
    user_id: str
    summary: list[str]
    events: int
    cold_start: bool
    top_categories: list[tuple[str, float]]
    top_brands: list[tuple[str, float]]
    price_band: list[float] | None
    aspects: list[AspectOut]
    recent: list[RecentEventOut]
    stated: dict
    demographics: dict


class TurnOut(BaseModel):
    turn: int
    message: str
    reply: str
    ts: float
    record: dict


class ConversationOut(BaseModel):
    session_id: str
    started: float
    updated: float
    turns: list[TurnOut]


class ConversationsOut(BaseModel):
    user_id: str
    conversations: list[ConversationOut]


class ErasureOut(BaseModel):
    user_id: str
    removed: dict[str, int]


class HealthOut(BaseModel):
    status: Literal["ok"]
    items: int
    personalised: bool
