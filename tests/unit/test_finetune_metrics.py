"""Evaluation metrics of `eval model` against values computed by hand."""

from __future__ import annotations

import math

import pytest

from evals.model_eval import (constraint_pairs, faithfulness, grounded_question, pair_f1, parse_constraints,
                              ranking_ndcg, stop_at_json_end, understanding_scores)
from agent.understanding.constraints import Constraints

GOLD = '{"need": "shampoo", "price_max": 20.0, "brands": ["Acme"], "attributes": {"Scent": "Rose"}}'


def test_exact_reply_scores_f1_one_and_need_is_ignored():
    reply = '{"need": "hair wash", "price_max": 20, "brands": ["acme"], "attributes": {"scent": "rose"}}'
    assert understanding_scores(reply, GOLD) == (True, 1.0)


def test_partial_reply_f1_by_hand():
    # predicted {price_max 20, brand acme, brand zento}; gold {price_max 20, brand acme, scent rose}
    # precision 2/3, recall 2/3 -> F1 2/3
    reply = '{"price_max": 20, "brands": ["Acme", "Zento"]}'
    valid, f1 = understanding_scores(reply, GOLD)
    assert valid and f1 == pytest.approx(2 / 3)


def test_invalid_replies_count_as_empty_predictions():
    assert understanding_scores("Sure! Here is JSON: {", GOLD) == (False, 0.0)
    assert understanding_scores('{"price_max": "cheap"}', GOLD) == (False, 0.0)     # schema violation
    assert understanding_scores('{"colour": "red"}', GOLD) == (False, 0.0)          # unknown key
    assert understanding_scores("[1, 2]", '{"need": "x"}') == (False, 1.0)         # both empty -> 1.0


def test_decoding_stops_at_the_objects_closing_brace():
    reply = '{"price_max": 20, "brands": ["Acme"]}\nShopper: and in red? {"x": 1}'
    assert stop_at_json_end(reply) == '{"price_max": 20, "brands": ["Acme"]}'
    assert understanding_scores(reply, GOLD)[0] is True
    # braces and escaped quotes inside strings do not close the object
    assert stop_at_json_end(r'{"need": "a \"} b", "soft_preferences": ["{x}"]} tail') == \
        r'{"need": "a \"} b", "soft_preferences": ["{x}"]}'
    # a reply that does not start with the object, or never closes it, is not repaired
    assert stop_at_json_end('Here: {"need": "x"}') == 'Here: {"need": "x"}'
    assert understanding_scores('Here: {"need": "x"}', GOLD) == (False, 0.0)
    assert stop_at_json_end('{"need": "x"') == '{"need": "x"'


def test_pairs_and_f1_edge_cases():
    pairs = constraint_pairs(Constraints(price_min=5, exclude_brands=["Nike"], soft_preferences=["Light "]))
    assert pairs == {("price_min", "5"), ("exclude_brand", "nike"), ("soft", "light")}
    assert pair_f1(set(), set()) == 1.0 and pair_f1({1}, set()) == 0.0
    assert parse_constraints('{"min_rating": 4}').min_rating == 4


def test_ranking_ndcg_by_hand():
    candidates = ["a", "b", "c", "d"]
    assert ranking_ndcg([0.1, 0.9, 0.5, 0.2], candidates, "b") == 1.0
    # target ranked third: 1 / log2(3 + 1) = 0.5
    assert ranking_ndcg([0.9, 0.3, 0.5, 0.2], candidates, "b") == pytest.approx(1 / math.log2(4))
    # ranked last of four: 1 / log2(5); outside the top k: zero
    assert ranking_ndcg([0.9, 0.1, 0.5, 0.2], candidates, "b") == pytest.approx(1 / math.log2(5))
    assert ranking_ndcg([0.9, 0.1, 0.5, 0.2], candidates, "b", k=2) == 0.0


def test_faithfulness_flags_invented_facts():
    source = "Item: Acme Rose Cream\nBrand: Acme\nRating: 4.5 out of 5 from 12 ratings"
    assert faithfulness("Acme's Rose Cream is rated 4.5 out of 5 by 12 shoppers.", source) == (True, 1.0)
    faithful, support = faithfulness("Acme's Rose Cream is rated 4.9 out of 5.", source)
    assert not faithful and support == pytest.approx(4 / 5)       # numbers 4.9 (invented), 5; words acme, rose, cream
    faithful, _ = faithfulness("This waterproof vegan cream from Zento is rated 4.5.", source)
    assert not faithful                                               # waterproof, vegan, zento invented
    assert faithfulness("", source) == (False, 0.0)


def test_grounded_question_needs_a_question_and_a_real_option():
    assert grounded_question("Which scent do you like: Rose or Mint?", ["Rose", "Mint"])
    assert not grounded_question("Which scent do you like?", ["Rose", "Mint"])
    assert not grounded_question("Rose is nice.", ["Rose"])


def test_understanding_is_scored_free_and_schema_constrained():
    from evals.model_eval import Method, evaluate_understanding

    gold = Constraints(category="Mice", price_max=30).model_dump_json()

    class Model:                      # free decoding: prose; constrained: the gold object
        def __init__(self):
            self.schemas = []

        def generate(self, chats, max_new_tokens, json_schema=None):
            self.schemas.append(json_schema)
            return [gold if json_schema is not None else "Sure! Mice under 30." for _ in chats]

    rows = [{"task": "understanding", "prompt": [{"role": "user", "content": "a mouse under 30"}],
             "completion": [{"role": "assistant", "content": gold}], "query": "a mouse under 30"}] * 3
    model = Model()
    scores = evaluate_understanding(Method("m", model), rows)
    assert scores == {"valid_json_rate": [0.0] * 3, "constraint_f1": [0.0] * 3,
                      "valid_json_rate_constrained": [1.0] * 3, "constraint_f1_constrained": [1.0] * 3}
    assert model.schemas[0] is None and model.schemas[1] == Constraints.decoding_schema()
    gate_only = evaluate_understanding(Method("gate", Model(), json_decodings=("free",)), rows)
    assert set(gate_only) == {"valid_json_rate", "constraint_f1"}


def test_the_first_stage_alone_is_scored_in_the_listed_order():
    import json

    from evals.model_eval import listed_order_ndcg

    rows = [{"task": "ranking", "meta": json.dumps({"candidates": ["a", "b", "c"], "target": "a"})},
            {"task": "ranking", "meta": json.dumps({"candidates": ["a", "b", "c"], "target": "c"})}]
    assert sorted(listed_order_ndcg(rows, limit=10)) == pytest.approx([0.5, 1.0])     # 1/log2(1+3) = 0.5


def test_every_generated_reply_is_kept_with_its_request_and_scores():
    import json
    from pathlib import Path

    from evals.model_eval import Method, evaluate_dialogue, evaluate_explanation, evaluate_understanding, replies_path

    gold = Constraints(category="Mice", price_max=30).model_dump_json()

    class Model:                      # free: prose; constrained: the gold object; other tasks: a fixed sentence
        def generate(self, chats, max_new_tokens, json_schema=None):
            if json_schema is not None:
                return [gold] * len(chats)
            if any(word in chats[-1][-1]["content"] for word in ("Mice", "mouse")):
                return ["Sure! Mice under 30."] * len(chats)
            return ["Which colour would you like, Red or Blue?"] * len(chats)

    understanding = [{"task": "understanding", "prompt": [{"role": "user", "content": f"a mouse under 30 #{n}"}],
                      "completion": [{"role": "assistant", "content": gold}], "query": "a mouse"} for n in range(2)]
    dialogue = [{"task": "dialogue", "prompt": [{"role": "user", "content": "Shopper: a jacket"}],
                 "completion": [{"role": "assistant", "content": "Which colour?"}], "query": "a jacket",
                 "meta": json.dumps({"options": ["Red", "Green"]})}]
    explanation = [{"task": "explanation", "prompt": [{"role": "user", "content": "Item: Mice. Price: 30."}],
                    "completion": [{"role": "assistant", "content": "Mice at 30."}], "query": "mice"}]
    kept: list[dict] = []
    method = Method("few-shot", Model(), replies=kept)
    evaluate_understanding(method, understanding)
    evaluate_dialogue(method, dialogue)
    evaluate_explanation(method, explanation)

    assert [(r["task"], r["decoding"], r["row"]) for r in kept] == [
        ("understanding", "free", 0), ("understanding", "free", 1), ("understanding", "constrained", 0),
        ("understanding", "constrained", 1), ("dialogue", "free", 0), ("explanation", "free", 0)]
    free, constrained = kept[0], kept[2]
    assert free["request"] == "a mouse under 30 #0" and free["expected"] == gold
    assert free["reply"] == "Sure! Mice under 30." and free["valid_json"] == 0.0 and free["constraint_f1"] == 0.0
    assert constrained["reply"] == gold and constrained["valid_json"] == 1.0 and constrained["constraint_f1"] == 1.0
    assert kept[4]["grounded_question"] == 1.0 and kept[4]["method"] == "few-shot"
    # "Sure! Mice under 30.": 30 and "mice" are in the facts, "sure" and "under" are not -> support 2/4
    assert kept[5]["reply"] == "Sure! Mice under 30." and kept[5]["faithful"] == 0.0
    assert kept[5]["support"] == pytest.approx(2 / 4)
    assert all(json.loads(json.dumps(r)) == r for r in kept)
    assert replies_path(Path("var/eval/model.json")) == Path("var/eval/model.replies.jsonl")
    # a method without a place for them (the online gate's) keeps nothing
    assert evaluate_understanding(Method("gate", Model()), understanding)["constraint_f1_constrained"] == [1.0, 1.0]
