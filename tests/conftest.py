"""Shared fixtures: temporary settings, fake and real embedders, and the shared data sets."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from shopwise.config import EmbedderConfig, Settings
from tests.fakes import HashingEmbedder

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
REAL_MODEL_CACHE = Path(os.environ.get("SHOPWISE_TEST_MODEL_CACHE", Path.home() / ".shopwise" / "models"))


def shared_dataset(name: str) -> Path:
    """A folder of ../shared/data, or skip the test with a clear message when it is absent."""
    path = SHARED_DATA / name
    if not path.is_dir():
        pytest.skip(f"shared data set {name!r} not found at {path}; these tests read ../shared/data")
    return path


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings rooted in a temporary home; the ONNX export cache is shared across tests."""
    return Settings(home=tmp_path / "home", embedder=EmbedderConfig())


@pytest.fixture
def fake_embedder() -> HashingEmbedder:
    return HashingEmbedder()


@pytest.fixture
def cli_home(tmp_path: Path) -> Path:
    """A `--home` for CLI tests whose model cache is the shared one (the ONNX export happens once)."""
    home = tmp_path / "home"
    home.mkdir()
    REAL_MODEL_CACHE.mkdir(parents=True, exist_ok=True)
    (home / "models").symlink_to(REAL_MODEL_CACHE)
    return home


@pytest.fixture(scope="session")
def real_embedder():
    """The bundled MiniLM through the default (onnx-int8) backend: loaded once per session."""
    from retrieval.embeddings import build_embedder

    return build_embedder(EmbedderConfig(), REAL_MODEL_CACHE)


def write_jsonl(path: Path, records: list) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as handle:
        for record in records:
            handle.write((record if isinstance(record, str) else json.dumps(record)) + "\n")
    return path
