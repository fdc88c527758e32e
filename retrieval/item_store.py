"""The catalog of record: every imported item, in SQLite (or any SQLAlchemy URL).

Chroma and the lexical index are derived from this table and can be rebuilt from it. Each row
keeps the hash of the text that was embedded, so a re-run embeds only what changed and an
interrupted import resumes where the vectors stop.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Iterable, Iterator

from sqlalchemy import (Column, MetaData, String, Table, Text, bindparam, create_engine, delete, event, func,
                        select)
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Engine

from retrieval.catalog import Item

metadata = MetaData()
items_table = Table(
    "items", metadata,
    Column("item_id", String(256), primary_key=True),
    Column("data", Text, nullable=False),
    Column("text_hash", String(64), nullable=False),
    Column("embedded_hash", String(64), nullable=True),   # text_hash at the time of embedding
)


def _use_write_ahead_log(connection, _record) -> None:
    # Readers (search, the next import batch) never wait for the writer thread's commits.
    connection.execute("PRAGMA journal_mode=WAL")


def text_hash(text: str, embedder_name: str) -> str:
    return hashlib.sha256(f"{embedder_name}\n{text}".encode()).hexdigest()


class ItemStore:
    def __init__(self, engine: Engine):
        self._engine = engine
        metadata.create_all(engine)

    @classmethod
    def at(cls, folder: Path) -> "ItemStore":
        folder.mkdir(parents=True, exist_ok=True)
        engine = create_engine(f"sqlite:///{folder / 'catalog.sqlite'}", connect_args={"timeout": 30})
        event.listen(engine, "connect", _use_write_ahead_log)
        return cls(engine)

    def upsert(self, rows: Iterable[tuple[Item, str]]) -> None:
        """Insert or replace items with their text hashes; vectors of changed items go stale."""
        values = [{"item_id": item.item_id, "data": json.dumps(item.to_dict(), ensure_ascii=False),
                   "text_hash": digest} for item, digest in rows]
        if not values:
            return
        statement = sqlite_insert(items_table)
        statement = statement.on_conflict_do_update(
            index_elements=["item_id"],
            set_={"data": statement.excluded.data, "text_hash": statement.excluded.text_hash})
        with self._engine.begin() as connection:
            connection.execute(statement, values)

    def embedded_hashes(self, item_ids: list[str]) -> dict[str, str | None]:
        with self._engine.connect() as connection:
            rows = connection.execute(select(items_table.c.item_id, items_table.c.embedded_hash)
                                      .where(items_table.c.item_id.in_(item_ids)))
            return dict(rows.all())

    def mark_embedded(self, hashes: dict[str, str]) -> None:
        if not hashes:
            return
        statement = (items_table.update().where(items_table.c.item_id == bindparam("id"))
                     .values(embedded_hash=bindparam("digest")))
        with self._engine.begin() as connection:
            connection.execute(statement, [{"id": i, "digest": d} for i, d in hashes.items()])

    def get(self, item_ids: Iterable[str]) -> dict[str, Item]:
        ids = list(dict.fromkeys(item_ids))
        found: dict[str, Item] = {}
        with self._engine.connect() as connection:
            for start in range(0, len(ids), 500):
                rows = connection.execute(select(items_table.c.item_id, items_table.c.data)
                                          .where(items_table.c.item_id.in_(ids[start:start + 500])))
                found.update((item_id, Item.from_dict(json.loads(data))) for item_id, data in rows)
        return found

    def all_items(self) -> Iterator[Item]:
        with self._engine.connect() as connection:
            for (data,) in connection.execute(select(items_table.c.data).order_by(items_table.c.item_id)):
                yield Item.from_dict(json.loads(data))

    def count(self) -> int:
        with self._engine.connect() as connection:
            return int(connection.execute(select(func.count()).select_from(items_table)).scalar_one())

    def delete(self, item_ids: list[str]) -> None:
        with self._engine.begin() as connection:
            connection.execute(delete(items_table).where(items_table.c.item_id.in_(item_ids)))
