"""The Chroma collection of item vectors: embedded `PersistentClient` or a Chroma server.

The client is built once by the caller (`connect`) and passed in; tests use a real embedded
client in a temporary folder.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from shopwise.config import ChromaConfig
from shopwise.errors import UserFacingError

log = logging.getLogger(__name__)


def connect(config: ChromaConfig, path: Path):
    """A Chroma client for `config`: a server when a host is set, else a folder on disk."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
    if config.is_remote:
        try:
            return chromadb.HttpClient(host=config.host, port=config.port, settings=chroma_settings)
        except Exception as error:  # chromadb raises several types for an unreachable server
            raise UserFacingError(f"cannot reach the Chroma server at {config.host}:{config.port} "
                                  f"({error}); start it or drop --chroma-host to use the embedded store") from error
    path.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(path), settings=chroma_settings)


@dataclass(frozen=True)
class VectorHit:
    item_id: str
    similarity: float        # cosine similarity, 1 = same direction


class VectorStore:
    def __init__(self, client, collection: str, embedder_name: str):
        self._collection = client.get_or_create_collection(
            name=collection,
            metadata={"hnsw:space": "cosine", "embedder": embedder_name},
        )
        stored = (self._collection.metadata or {}).get("embedder")
        if stored and stored != embedder_name:
            raise UserFacingError(
                f"collection {collection!r} holds vectors of {stored}, not {embedder_name}: "
                "re-ingest into a new --store, or choose the embedder it was built with")

    def count(self) -> int:
        return self._collection.count()

    def existing_ids(self, item_ids: list[str]) -> set[str]:
        if not item_ids:
            return set()
        return set(self._collection.get(ids=item_ids, include=[])["ids"])

    def upsert(self, item_ids: list[str], vectors: np.ndarray, metadatas: list[dict]) -> None:
        if item_ids:
            self._collection.upsert(ids=item_ids, embeddings=vectors, metadatas=metadatas)

    def query(self, vector: np.ndarray, k: int, where: dict | None = None) -> list[VectorHit]:
        k = min(k, max(self.count(), 1))
        result = self._collection.query(query_embeddings=[vector], n_results=k, where=where,
                                        include=["distances"])
        return [VectorHit(item_id, 1.0 - float(distance))
                for item_id, distance in zip(result["ids"][0], result["distances"][0])]

    def vectors_of(self, item_ids: list[str], page: int = 5_000) -> np.ndarray:
        """The stored vectors of these items, in this order (rows of zeros for any not stored)."""
        position = {item_id: row for row, item_id in enumerate(item_ids)}
        matrix = None
        for start in range(0, len(item_ids), page):
            got = self._collection.get(ids=item_ids[start:start + page], include=["embeddings"])
            for item_id, vector in zip(got["ids"], got["embeddings"]):
                if matrix is None:
                    matrix = np.zeros((len(item_ids), len(vector)), dtype=np.float32)
                matrix[position[item_id]] = vector
        return matrix if matrix is not None else np.zeros((len(item_ids), 0), dtype=np.float32)

    def delete(self, item_ids: list[str]) -> None:
        if item_ids:
            self._collection.delete(ids=item_ids)
