"""Finished chat turns per shopper, for the customer-service console and the API.

One row per turn: user id, session id, turn number, the message, the reply, the TurnRecord as
JSON and the time. Same database as the profiles (SQLAlchemy; SQLite by default). Erasure
deletes a shopper's rows (`forget`).
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass

from sqlalchemy import Float, Index, Integer, String, Text, create_engine, delete, func, select
from sqlalchemy import event as sqlalchemy_event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column


class _Base(DeclarativeBase):
    pass


class ConversationTurnRow(_Base):
    __tablename__ = "conversation_turns"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[str] = mapped_column(String(200), index=True)
    session_id: Mapped[str] = mapped_column(String(200))
    turn: Mapped[int] = mapped_column(Integer)
    message: Mapped[str] = mapped_column(Text)
    reply: Mapped[str] = mapped_column(Text)
    record: Mapped[str] = mapped_column(Text)           # TurnRecord.to_dict() as JSON
    ts: Mapped[float] = mapped_column(Float)
    __table_args__ = (Index("ix_conversation_user_ts", "user_id", "ts"),)


@dataclass(frozen=True)
class StoredTurn:
    user_id: str
    session_id: str
    turn: int
    message: str
    reply: str
    record: dict
    ts: float


@dataclass(frozen=True)
class Conversation:
    """One session's stored turns, oldest first."""

    session_id: str
    started: float
    updated: float
    turns: list[StoredTurn]


class ConversationStore:
    def __init__(self, engine: Engine):
        self.engine = engine
        _Base.metadata.create_all(engine)

    @classmethod
    def from_settings(cls, settings) -> "ConversationStore":
        from profiles.store import database_url

        engine = create_engine(database_url(settings))
        if engine.dialect.name == "sqlite":
            sqlalchemy_event.listen(engine, "connect", _sqlite_pragmas)
        return cls(engine)

    def add(self, user_id: str, session_id: str, turn: int, message: str, reply: str, record,
            ts: float | None = None) -> None:
        """Store one finished turn; `record` is a TurnRecord (or its dict)."""
        data = record.to_dict() if hasattr(record, "to_dict") else dict(record)
        with Session(self.engine) as session, session.begin():
            session.add(ConversationTurnRow(user_id=user_id, session_id=session_id, turn=turn, message=message,
                                            reply=reply, record=json.dumps(data, default=str),
                                            ts=time.time() if ts is None else ts))

    def record(self, user_id: str, session_id: str, message: str, record) -> None:
        """Store a finished turn from its TurnRecord (turn number and reply come from it)."""
        self.add(user_id, session_id, int(record.turn), message, record.reply, record)

    def recent_turns(self, user_id: str, limit: int = 50) -> list[StoredTurn]:
        """The user's last `limit` turns, newest first."""
        with Session(self.engine) as session:
            rows = session.scalars(select(ConversationTurnRow).where(ConversationTurnRow.user_id == user_id)
                                   .order_by(ConversationTurnRow.ts.desc(), ConversationTurnRow.id.desc())
                                   .limit(max(0, limit)))
            return [StoredTurn(r.user_id, r.session_id, r.turn, r.message, r.reply, json.loads(r.record), r.ts)
                    for r in rows]

    def recent(self, user_id: str, limit: int = 5, turns_per_conversation: int = 50) -> list[Conversation]:
        """The user's last `limit` conversations (by latest turn, newest first), turns oldest first."""
        with Session(self.engine) as session:
            latest = (select(ConversationTurnRow.session_id, func.max(ConversationTurnRow.ts).label("last"))
                      .where(ConversationTurnRow.user_id == user_id).group_by(ConversationTurnRow.session_id)
                      .order_by(func.max(ConversationTurnRow.ts).desc()).limit(max(0, limit)))
            sessions = [row.session_id for row in session.execute(latest)]
            conversations = []
            for session_id in sessions:
                rows = list(session.scalars(
                    select(ConversationTurnRow).where(ConversationTurnRow.user_id == user_id,
                                                      ConversationTurnRow.session_id == session_id)
                    .order_by(ConversationTurnRow.ts.desc(), ConversationTurnRow.id.desc())
                    .limit(turns_per_conversation)))[::-1]
                turns = [StoredTurn(r.user_id, r.session_id, r.turn, r.message, r.reply, json.loads(r.record), r.ts)
                         for r in rows]
                conversations.append(Conversation(session_id, turns[0].ts, turns[-1].ts, turns))
            return conversations

    def count(self, user_id: str) -> int:
        with Session(self.engine) as session:
            return session.scalar(select(func.count()).select_from(ConversationTurnRow)
                                  .where(ConversationTurnRow.user_id == user_id)) or 0

    def forget(self, user_id: str) -> int:
        with Session(self.engine) as session, session.begin():
            return session.execute(delete(ConversationTurnRow).where(ConversationTurnRow.user_id == user_id)).rowcount or 0


def _sqlite_pragmas(connection, _record) -> None:
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()
