"""The bundled MiniLM, through the shipped ONNX int8 backend and through torch, on real text."""

import numpy as np
import pytest

from retrieval.service import ingest_into_store, open_index
from shopwise.config import EmbedderConfig, Settings
from tests.conftest import REAL_MODEL_CACHE, write_jsonl

CATALOG = [
    {"item_id": "mouse", "title": "Logitech M185 wireless mouse", "categories": ["Computer Accessories", "Mice"],
     "price": 14.99, "brand": "Logitech"},
    {"item_id": "jacket", "title": "Packable waterproof rain jacket for cycling", "categories": ["Sports", "Jackets"],
     "price": 69.0, "brand": "Gore"},
    {"item_id": "kettle", "title": "Stainless steel electric kettle 1.7 l", "categories": ["Kitchen"], "price": 29.0},
    {"item_id": "toner", "title": "HP 305A black toner cartridge", "categories": ["Office", "Printer Supplies"],
     "price": 54.0, "brand": "HP"},
]


@pytest.mark.slow
def test_paraphrased_queries_find_the_right_item_with_the_real_model(tmp_path, real_embedder):
    settings = Settings(home=tmp_path / "home")
    write_jsonl(tmp_path / "data" / "items.jsonl", CATALOG)
    ingest_into_store(tmp_path / "data", tmp_path / "store", settings, embedder=real_embedder, show_progress=False)
    index = open_index(tmp_path / "store", settings, embedder=real_embedder)
    # no shared words with the titles: only the dense side can find these
    assert index.search("cordless computer pointer", k=1, method="dense")[0].item_id == "mouse"
    assert index.search("something to keep me dry on my bike", k=1)[0].item_id == "jacket"
    assert index.search("boil water for tea", k=1)[0].item_id == "kettle"
    hits = index.search("printer ink", k=4)
    assert hits[0].item_id == "toner" and hits[0].dense_rank == 1


@pytest.mark.slow
def test_int8_backend_stays_close_to_torch(real_embedder):
    from retrieval.embeddings import build_embedder

    torch_embedder = build_embedder(EmbedderConfig(backend="torch"), REAL_MODEL_CACHE)
    texts = [c["title"] for c in CATALOG] + ["a light rain jacket for cycling under 80", ""]
    quantized, reference = real_embedder.embed(texts), torch_embedder.embed(texts)
    assert quantized.shape == reference.shape == (len(texts), 384)
    assert np.allclose(np.linalg.norm(quantized, axis=1), 1.0, atol=1e-4)
    cosine = (quantized * reference).sum(axis=1)
    assert cosine.min() > 0.9, cosine
    # and the two backends have distinct cache identities, so stores never mix their vectors
    assert real_embedder.name != torch_embedder.name
