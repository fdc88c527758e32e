"""`shopwise bench api` end to end on the tiny shop: a real server process, real HTTP clients."""

from __future__ import annotations

import json

import pytest

from tests.profiles_fixtures import write_tiny_shop

pytestmark = pytest.mark.slow


def test_bench_api_writes_flat_figures_with_baseline_and_load(tmp_path, settings):
    from evals.api_bench import run_api_bench

    folder = write_tiny_shop(tmp_path / "shop")
    out = tmp_path / "bench" / "api.json"
    assert run_api_bench(folder, out, settings.with_overrides(embedder=settings.embedder), clients=3,
                         seconds=1.0) == 0
    figures = json.loads(out.read_text())
    for prefix in ("recommendations_c1", "recommendations_c3", "recommendations_fresh_c1",
                   "recommendations_fresh_c3", "recommendations_reads_c3", "recommendations_loaded_c3"):
        assert figures[f"{prefix}_requests"] > 0
        assert 0 < figures[f"{prefix}_p50_ms"] <= figures[f"{prefix}_p99_ms"]
        assert figures[f"{prefix}_throughput_rps"] > 0
    # every fresh list is computed; clicks retire kept lists (the tiny shop runs out of unseen
    # items within a second, and an empty list gets no click, so the share stays small here)
    assert figures["recommendations_fresh_c3_computed_share"] == 1.0
    assert figures["recommendations_c3_computed_share"] > 0
    assert figures["recommendations_reads_c3_computed_share"] < 0.1
    assert figures["chat_items_first_c0_requests"] >= 5 and figures["chat_items_first_c3_requests"] >= 1
    assert figures["personalised"] is True and figures["catalog_items"] == 18
    assert out.with_suffix(".md").is_file() and out.with_suffix(".png").is_file()
