"""Users, events, reviews and stored profiles in a relational database through SQLAlchemy.

SQLite file under the Shopwise home by default; any SQLAlchemy URL (PostgreSQL, ...) through
`settings.database_url`. `EventStore` is the Python API the importer, the REST layer and the
online update call.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Iterable

from sqlalchemy import JSON, Float, ForeignKey, Index, Integer, String, Text, create_engine, delete, func, select
from sqlalchemy import event as sqlalchemy_event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from profiles.records import Event, Review, UserRecord

log = logging.getLogger(__name__)


class Base(DeclarativeBase):
    pass


class UserRow(Base):
    __tablename__ = "users"
    user_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    attributes: Mapped[dict] = mapped_column(JSON, default=dict)
    stated: Mapped[dict] = mapped_column(JSON, default=dict)     # preferences stated in conversation


class EventRow(Base):
    __tablename__ = "events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[str] = mapped_column(String(200), index=True)
    item_id: Mapped[str] = mapped_column(String(200))
    type: Mapped[str] = mapped_column(String(16))
    ts: Mapped[float] = mapped_column(Float)
    session_id: Mapped[str | None] = mapped_column(String(200), nullable=True)
    value: Mapped[float | None] = mapped_column(Float, nullable=True)
    __table_args__ = (Index("ix_events_user_ts", "user_id", "ts"),)


class ReviewRow(Base):
    __tablename__ = "reviews"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[str] = mapped_column(String(200), index=True)
    item_id: Mapped[str] = mapped_column(String(200))
    rating: Mapped[float | None] = mapped_column(Float, nullable=True)
    title: Mapped[str | None] = mapped_column(Text, nullable=True)
    text: Mapped[str] = mapped_column(Text)
    ts: Mapped[float] = mapped_column(Float)


class ProfileRow(Base):
    __tablename__ = "profiles"
    user_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    data: Mapped[str] = mapped_column(Text)                     # UserProfile as JSON
    updated_ts: Mapped[float] = mapped_column(Float)


def database_url(settings) -> str:
    if settings.database_url:
        return settings.database_url
    Path(settings.home).mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{Path(settings.home) / 'profiles.sqlite'}"


def connect(url: str) -> Engine:
    engine = create_engine(url)
    if engine.dialect.name == "sqlite":
        sqlalchemy_event.listen(engine, "connect", _sqlite_pragmas)
    Base.metadata.create_all(engine)
    return engine


def _sqlite_pragmas(connection, _record) -> None:
    # WAL + NORMAL sync: an appended event costs one WAL write instead of a full fsync'd journal.
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _event_row(event: Event) -> EventRow:
    return EventRow(user_id=event.user_id, item_id=event.item_id, type=event.type, ts=event.ts,
                    session_id=event.session_id, value=event.value)


def _event(row: EventRow) -> Event:
    return Event(row.user_id, row.item_id, row.type, row.ts, row.session_id, row.value)


class EventStore:
    def __init__(self, engine: Engine):
        self.engine = engine

    @classmethod
    def from_settings(cls, settings) -> "EventStore":
        return cls(connect(database_url(settings)))

    # -- writing -------------------------------------------------------------------------------
    def add_events(self, events: Iterable[Event]) -> int:
        with Session(self.engine) as session, session.begin():
            rows = [_event_row(e) for e in events]
            session.add_all(rows)
            return len(rows)

    def add_event(self, event: Event) -> None:
        self.add_events([event])

    def add_reviews(self, reviews: Iterable[Review]) -> int:
        with Session(self.engine) as session, session.begin():
            rows = [ReviewRow(user_id=r.user_id, item_id=r.item_id, rating=r.rating, title=r.title,
                              text=r.text, ts=r.ts) for r in reviews]
            session.add_all(rows)
            return len(rows)

    def upsert_users(self, users: Iterable[UserRecord]) -> int:
        count = 0
        with Session(self.engine) as session, session.begin():
            for user in users:
                row = session.get(UserRow, user.user_id)
                if row is None:
                    session.add(UserRow(user_id=user.user_id, attributes=dict(user.attributes), stated={}))
                else:
                    row.attributes = {**(row.attributes or {}), **user.attributes}
                count += 1
        return count

    def state_preference(self, user_id: str, name: str, value) -> None:
        """A preference the shopper stated in conversation ("budget": 80, "brand": "Sony")."""
        with Session(self.engine) as session, session.begin():
            row = session.get(UserRow, user_id)
            if row is None:
                row = UserRow(user_id=user_id, attributes={}, stated={})
                session.add(row)
            row.stated = {**(row.stated or {}), name: value}

    def save_profile(self, user_id: str, data: dict, updated_ts: float) -> None:
        with Session(self.engine) as session, session.begin():
            session.merge(ProfileRow(user_id=user_id, data=json.dumps(data), updated_ts=updated_ts))

    # -- reading -------------------------------------------------------------------------------
    def events_of(self, user_id: str) -> list[Event]:
        with Session(self.engine) as session:
            rows = session.scalars(select(EventRow).where(EventRow.user_id == user_id)
                                   .order_by(EventRow.ts, EventRow.id))
            return [_event(r) for r in rows]

    def all_events(self) -> list[Event]:
        with Session(self.engine) as session:
            return [_event(r) for r in session.scalars(select(EventRow).order_by(EventRow.ts, EventRow.id))]

    def reviews_of(self, user_id: str) -> list[Review]:
        with Session(self.engine) as session:
            rows = session.scalars(select(ReviewRow).where(ReviewRow.user_id == user_id).order_by(ReviewRow.ts))
            return [Review(r.user_id, r.item_id, r.text, r.ts, r.rating, r.title) for r in rows]

    def all_reviews(self) -> list[Review]:
        with Session(self.engine) as session:
            return [Review(r.user_id, r.item_id, r.text, r.ts, r.rating, r.title)
                    for r in session.scalars(select(ReviewRow))]

    def user(self, user_id: str) -> UserRecord | None:
        with Session(self.engine) as session:
            row = session.get(UserRow, user_id)
            return None if row is None else UserRecord(row.user_id, dict(row.attributes or {}))

    def stated_preferences(self, user_id: str) -> dict:
        with Session(self.engine) as session:
            row = session.get(UserRow, user_id)
            return dict(row.stated or {}) if row is not None else {}

    def load_profile(self, user_id: str) -> dict | None:
        with Session(self.engine) as session:
            row = session.get(ProfileRow, user_id)
            return None if row is None else json.loads(row.data)

    def knows(self, user_id: str) -> bool:
        with Session(self.engine) as session:
            for table in (UserRow, EventRow, ReviewRow, ProfileRow):
                if session.scalar(select(func.count()).select_from(table).where(table.user_id == user_id)):
                    return True
        return False

    def find_users(self, fragment: str, limit: int = 10) -> list[str]:
        """Ids of known shoppers containing `fragment` (case-insensitive): the exact id first, then
        ids starting with it, then the rest, each group alphabetical ignoring case (a console's customer search)."""
        fragment = fragment.strip()
        if not fragment:
            return []
        escaped = fragment.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        pattern = f"%{escaped}%"
        with Session(self.engine) as session:
            found = set()
            for table in (UserRow, EventRow):
                found.update(session.scalars(select(table.user_id).where(table.user_id.ilike(pattern, escape="\\"))
                                             .distinct().limit(50 * limit)))
        folded = fragment.lower()
        return sorted(found, key=lambda u: (u.lower() != folded, not u.lower().startswith(folded), u.lower(), u))[:limit]

    def counts(self) -> dict[str, int]:
        with Session(self.engine) as session:
            return {table.__tablename__: session.scalar(select(func.count()).select_from(table))
                    for table in (UserRow, EventRow, ReviewRow, ProfileRow)}

    # -- erasure -------------------------------------------------------------------------------
    def erase_user(self, user_id: str) -> dict[str, int]:
        """Delete every row about this shopper; returns rows removed per table."""
        removed = {}
        with Session(self.engine) as session, session.begin():
            for table in (EventRow, ReviewRow, ProfileRow, UserRow):
                result = session.execute(delete(table).where(table.user_id == user_id))
                removed[table.__tablename__] = result.rowcount or 0
        return removed
