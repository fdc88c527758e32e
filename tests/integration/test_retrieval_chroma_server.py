"""The same import and search against a real Chroma server (`chroma run`), through HttpClient."""

import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from retrieval.filters import Filters
from retrieval.service import ingest_into_store, open_index
from retrieval.vector_store import connect
from shopwise.config import ChromaConfig, Settings
from tests.catalog_samples import sample_items
from tests.conftest import write_jsonl
from tests.fakes import HashingEmbedder


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def chroma_server(tmp_path):
    chroma = Path(sys.executable).parent / "chroma"
    if not chroma.exists():
        pytest.skip("the chroma CLI is not installed beside this Python")
    port = free_port()
    process = subprocess.Popen([str(chroma), "run", "--path", str(tmp_path / "server-data"), "--host", "127.0.0.1",
                                "--port", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.3)
        else:
            pytest.fail("chroma server did not start within 60 s")
        yield ChromaConfig(host="127.0.0.1", port=port)
    finally:
        process.terminate()
        process.wait(timeout=30)


@pytest.mark.slow
def test_ingest_and_search_through_a_chroma_server(tmp_path, chroma_server):
    settings = Settings(home=tmp_path / "home", chroma=chroma_server)
    write_jsonl(tmp_path / "data" / "items.jsonl", sample_items(50))
    report = ingest_into_store(tmp_path / "data", tmp_path / "store", settings, embedder=HashingEmbedder(),
                               show_progress=False)
    assert report.items_embedded == 50
    assert not (tmp_path / "store" / "chroma").exists()          # vectors went to the server
    index = open_index(tmp_path / "store", settings, embedder=HashingEmbedder())
    assert index.vectors.count() == 50
    filters = Filters(price_max=120, exclude_brands=("Sony",))
    hits = index.search("wireless mouse", filters, k=10)
    assert hits and all(filters.matches(h.item) for h in hits)


def test_unreachable_chroma_server_is_a_clear_error(tmp_path):
    from shopwise.errors import UserFacingError

    with pytest.raises(UserFacingError, match="cannot reach the Chroma server"):
        connect(ChromaConfig(host="127.0.0.1", port=free_port()), tmp_path)
