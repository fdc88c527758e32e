"""`eval rank` and `eval next-item` end to end on a tiny shop with clear buying patterns."""

from __future__ import annotations

import json

import pytest

from evals.recommend_methods import METHODS
from evals.recommend_suites import run_suite
from tests.conftest import write_jsonl
from tests.profiles_fixtures import tiny_events, write_tiny_shop


@pytest.fixture
def shop_with_candidates(tmp_path):
    import torch

    torch.set_num_threads(1)
    root = write_tiny_shop(tmp_path / "shop")
    lines, by_user = [], {}
    for event in tiny_events():
        by_user.setdefault(event["user_id"], []).append(event["item_id"])
    all_items = sorted({e["item_id"] for e in tiny_events()} | {f"{f}-{n}" for f in ("camera", "charger", "shampoo") for n in range(6)})
    for user, items in by_user.items():
        negatives = [i for i in all_items if i not in items][:19]
        lines.append({"user_id": user, "history": items[:-1], "target": items[-1], "candidates": negatives})
    write_jsonl(root / "candidates.jsonl", lines)
    return root


@pytest.mark.parametrize("task", ["rank", "next-item"])
def test_suite_writes_all_methods_and_learns_the_pattern(task, shop_with_candidates, settings, fake_embedder, tmp_path):
    out = tmp_path / f"{task}.json"
    run_suite(task, shop_with_candidates, out, settings, METHODS, embedder=fake_embedder, show_progress=False)
    payload = json.loads(out.read_text())
    assert set(payload["methods"]) == set(METHODS) and payload["default"] == "shopwise"
    assert out.with_suffix(".md").is_file() and out.with_suffix(".png").is_file()
    ndcg = {m: v["ndcg@10"] for m, v in payload["methods"].items()}
    assert all(0.0 <= v <= 1.0 for v in ndcg.values())
    assert ndcg["shopwise"] > ndcg["pop"]
