"""The LLM ranker's first stage: candidates listed by how well they match the shopper's recent titles."""

from __future__ import annotations

from finetune.candidate_order import HistoryMatchOrder
from retrieval.catalog import Item

CATALOG = [Item(item_id="cam", title="Nikon D7100 digital camera body"),
           Item(item_id="bat", title="EN-EL15 battery for Nikon D7100"),
           Item(item_id="mug", title="Ceramic coffee mug"),
           Item(item_id="pan", title="Cast iron frying pan"),
           Item(item_id="bag", title="Camera shoulder bag")]
BY_ID = {item.item_id: item for item in CATALOG}


def _items(*ids: str) -> list[Item]:
    return [BY_ID[i] for i in ids]


def test_the_candidate_sharing_the_history_s_words_comes_first():
    order = HistoryMatchOrder(CATALOG)
    candidates = _items("mug", "pan", "bat", "bag")
    ranked = [candidates[i].item_id for i in order.order(_items("cam"), candidates)]
    assert ranked[0] == "bat"                       # shares "Nikon D7100"
    assert ranked.index("bag") < ranked.index("mug")  # shares "camera"
    scores = order.scores(_items("cam"), candidates)
    assert scores[2] > scores[3] > 0.0 == scores[0] == scores[1]


def test_ties_keep_the_given_order_and_an_empty_history_changes_nothing():
    order = HistoryMatchOrder(CATALOG)
    candidates = _items("pan", "mug", "bag")
    assert order.order([], candidates) == [0, 1, 2]
    assert order.order(_items("mug"), _items("pan", "bag", "mug")) == [2, 0, 1]


def test_items_outside_the_catalog_and_unknown_words_score_zero():
    order = HistoryMatchOrder(CATALOG)
    stranger = Item(item_id="new", title="Nikon D7100 strap")
    assert order.scores(_items("cam"), [stranger, BY_ID["bat"]])[0] == 0.0
    assert order.scores([Item(item_id="x", title="zzz qqq")], _items("bat", "mug")) == [0.0, 0.0]
    assert HistoryMatchOrder([]).order(_items("cam"), _items("bat", "mug")) == [0, 1]
