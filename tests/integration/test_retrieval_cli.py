"""The CLI end to end on a small catalog written by the test: ingest, search, eval, bench."""

import json

import pytest

from shopwise.cli import main
from tests.catalog_samples import sample_items
from tests.conftest import write_jsonl


@pytest.fixture
def dataset(tmp_path):
    folder = tmp_path / "shop"
    items = sample_items(60)
    write_jsonl(folder / "items.jsonl", items)
    mice = [i["item_id"] for i in items if "mouse" in i["title"]]
    toner = [i["item_id"] for i in items if "toner" in i["title"]]
    write_jsonl(folder / "queries.jsonl", [
        {"query_id": "q1", "text": "wireless mouse", "relevant": {i: 1 for i in mice[:3]}},
        {"query_id": "q2", "text": "printer toner", "relevant": {i: 1 for i in toner[:2]}},
        "{not json",
    ])
    return folder


@pytest.mark.slow
def test_ingest_then_search_with_filters(cli_home, dataset, tmp_path, capsys):
    store = tmp_path / "store"
    assert main(["--home", str(cli_home), "ingest", str(dataset), "--store", str(store),
                 "--json", str(tmp_path / "report.json")]) == 0
    assert json.loads((tmp_path / "report.json").read_text())["items_imported"] == 60
    capsys.readouterr()
    assert main(["--home", str(cli_home), "search", "wireless mouse", "--store", str(store), "--price-max", "120",
                 "--brand", "Logitech", "--attr", "colour=black", "-k", "5", "--json"]) == 0
    hits = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert hits, "expected at least one black Logitech item under 120"
    for hit in hits:
        assert hit["brand"] == "Logitech" and hit["price"] <= 120


@pytest.mark.slow
def test_eval_retrieval_writes_json_markdown_and_png(cli_home, dataset, tmp_path):
    out = tmp_path / "out" / "retrieval.json"
    assert main(["--home", str(cli_home), "eval", "retrieval", "--data", str(dataset), "--json", str(out)]) == 0
    result = json.loads(out.read_text())
    assert result["task"] == "retrieval" and result["dataset"] == "shop" and result["default"] == "shopwise"
    assert set(result["methods"]) == {"bm25", "dense", "hybrid", "shopwise"}
    for metrics in result["methods"].values():
        assert {"ndcg@10", "recall@10", "recall@50", "mrr"} <= set(metrics)
        assert 0.0 <= metrics["ndcg@10"] <= 1.0
    assert result["queries"] == 2                       # the broken line is skipped, not fatal
    assert result["methods"]["bm25"]["recall@50"] == 1.0
    assert out.with_suffix(".md").read_text().startswith("# retrieval on shop")
    assert out.with_suffix(".png").read_bytes()[:4] == b"\x89PNG"


@pytest.mark.slow
def test_bench_search_reports_latency_percentiles(cli_home, dataset, tmp_path):
    out = tmp_path / "bench.json"
    assert main(["--home", str(cli_home), "bench", "search", "--data", str(dataset), "--queries", "40",
                 "--json", str(out)]) == 0
    figures = json.loads(out.read_text())
    for key in ("no_filter_p50_ms", "no_filter_p99_ms", "filtered_p50_ms", "filtered_p99_ms"):
        assert figures[key] > 0
    assert figures["filtered_p99_ms"] >= figures["filtered_p50_ms"]


def test_user_errors_are_reported_without_a_traceback(cli_home, tmp_path, capsys):
    assert main(["--home", str(cli_home), "search", "anything", "--store", str(tmp_path / "nothing")]) == 2
    assert "shopwise ingest" in capsys.readouterr().err
    assert main(["--home", str(cli_home), "ingest", str(tmp_path), "--store", str(tmp_path / "s")]) == 2
    assert main(["--home", str(cli_home), "eval", "retrieval", "--data", str(tmp_path)]) == 2
