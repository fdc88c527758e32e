import gzip
import json

import pytest

from retrieval.amazon import meta_to_item_fields, review_to_record
from retrieval.catalog import RecordError, parse_item
from retrieval.jsonl import read_lines


def test_read_lines_reports_each_bad_line_and_keeps_going(tmp_path):
    path = tmp_path / "items.jsonl"
    path.write_bytes(b'{"a": 1}\n{broken\n\n\xff\xfe{"b": 2}\n{"c": 3}\n')
    lines = list(read_lines(path))
    assert [(l.number, l.value) for l in lines if l.error is None] == [(1, {"a": 1}), (5, {"c": 3})]
    errors = {l.number: l.error for l in lines if l.error}
    assert errors[2].startswith("broken JSON") and errors[4].startswith("not valid UTF-8")


def test_gzip_and_truncated_gzip(tmp_path):
    path = tmp_path / "items.jsonl.gz"
    payload = b"".join(json.dumps({"n": n}).encode() + b"\n" for n in range(2000))
    path.write_bytes(gzip.compress(payload))
    assert [l.value["n"] for l in read_lines(path)][-1] == 1999
    path.write_bytes(gzip.compress(payload)[:-200])
    lines = list(read_lines(path))
    assert lines[-1].error and "unreadable" in lines[-1].error
    assert len([l for l in lines if l.error is None]) > 100


def test_amazon_meta_maps_onto_the_item_fields():
    raw = {"main_category": "All Beauty", "title": "Rose hand cream", "average_rating": 4.3, "rating_number": 120,
           "features": ["Non-greasy", "50 ml"], "description": ["Soft hands.", "Made in France."], "price": "12.99",
           "images": [{"thumb": "t.jpg", "large": "l.jpg"}], "store": "Maison", "categories": ["Skin Care"],
           "details": {"Scent": "Rose", "Item Form": "Cream"}, "parent_asin": "B0TEST"}
    item = parse_item(meta_to_item_fields(raw))
    assert item.item_id == "B0TEST" and item.brand == "Maison" and item.price == 12.99
    assert item.categories == ["All Beauty", "Skin Care"]
    assert item.description == "Soft hands.\nMade in France."
    assert item.attributes["Scent"] == "Rose" and item.attributes["features"] == "Non-greasy, 50 ml"
    assert item.image_url == "l.jpg" and item.rating == 4.3 and item.rating_count == 120


def test_amazon_meta_without_parent_asin_is_rejected():
    with pytest.raises(RecordError, match="parent_asin"):
        meta_to_item_fields({"title": "x"})


def test_amazon_review_timestamp_milliseconds_become_seconds():
    record = review_to_record({"user_id": "U1", "parent_asin": "B0TEST", "rating": 5.0, "title": "Great",
                               "text": "Lovely", "timestamp": 1588687728923})
    assert record == {"user_id": "U1", "item_id": "B0TEST", "rating": 5.0, "title": "Great",
                      "text": "Lovely", "ts": 1588687728}
    with pytest.raises(RecordError):
        review_to_record({"user_id": "U1", "parent_asin": "B0", "timestamp": "yesterday"})
