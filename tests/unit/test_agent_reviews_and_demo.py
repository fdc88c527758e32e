"""Review snippets from both layouts, and the generated demo catalog."""

import json

from agent.explanation.reviews import ReviewSnippets
from retrieval.catalog import parse_item
from shopwise.demo.catalog import demo_dataset, write_demo_dataset
from tests.conftest import write_jsonl


def test_reviews_from_the_dataset_layout_best_rated_first(tmp_path):
    write_jsonl(tmp_path / "reviews.jsonl", [
        {"user_id": "a", "item_id": "i1", "rating": 2, "text": "Meh.", "ts": 1},
        {"user_id": "b", "item_id": "i1", "rating": 5, "text": "Great.", "ts": 2},
        "not json"])
    assert ReviewSnippets.from_folder(tmp_path).for_item("i1") == ["Great.", "Meh."]


def test_reviews_from_amazon_reviews_2023_files(tmp_path):
    write_jsonl(tmp_path / "meta_All_Beauty.jsonl", [{"parent_asin": "B01", "title": "Soap"}])
    write_jsonl(tmp_path / "All_Beauty.jsonl", [
        {"rating": 5.0, "title": "Nice", "text": "Smells lovely.", "asin": "B01", "parent_asin": "B01",
         "user_id": "U1", "timestamp": 1588687728923}])
    assert ReviewSnippets.from_folder(tmp_path).for_item("B01") == ["Smells lovely."]


def test_demo_dataset_is_deterministic_valid_and_varied(tmp_path):
    first, second = write_demo_dataset(tmp_path / "a"), write_demo_dataset(tmp_path / "b")
    for name in ("items.jsonl", "reviews.jsonl", "users.jsonl", "events.jsonl"):
        assert (first / name).read_bytes() == (second / name).read_bytes()
    items = [parse_item(json.loads(line)) for line in (first / "items.jsonl").read_text().splitlines()]
    assert 300 <= len(items) <= 500 and len({i.item_id for i in items}) == len(items)
    assert len({i.categories[-1] for i in items}) >= 8 and len({i.brand for i in items}) >= 20
    assert all(i.price and i.rating and i.attributes.get("colour") for i in items)
    events = [json.loads(line) for line in (first / "events.jsonl").read_text().splitlines()]
    assert {e["type"] for e in events} >= {"view", "click", "purchase"}
    assert len({e["user_id"] for e in events}) >= 5
    assert demo_dataset(tmp_path / "home") == tmp_path / "home" / "demo" / "catalog"
