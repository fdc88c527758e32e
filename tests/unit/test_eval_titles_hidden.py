"""`eval model --titles-hidden-control`: the same ranking prompts with the candidates' titles hidden,
which tells a model that reads the titles from one that ranks by the listed order."""

from __future__ import annotations

import json

import pytest

from evals.model_eval import (TITLES_HIDDEN, Method, comparison_pairs, evaluate_ranking,
                              evaluate_ranking_titles_hidden, listed_order_ndcg)
from finetune.prompts import HIDDEN_TITLE, SYSTEM, hide_candidate_titles, ranking_user_text
from retrieval.catalog import Item


def test_titles_are_hidden_and_everything_else_is_kept():
    history = [Item("h1", "Acme Trail Shoe"), Item("h2", "B. Kerr notebook")]
    candidates = [Item("c1", "Acme Rain Jacket for hiking in wet weather"), Item("c2", "Z. Blue kettle")]
    text = ranking_user_text(history, candidates, title_words=6)
    assert hide_candidate_titles(text) == (
        "Bought before, oldest first:\n- Acme Trail Shoe\n- B. Kerr notebook\n"
        f"Candidates:\nA. {HIDDEN_TITLE}\nB. {HIDDEN_TITLE}\nWhich one next?")
    with pytest.raises(ValueError, match="no candidate list"):
        hide_candidate_titles("Shopper: a kettle")


class TitleReader:
    """Scores a letter 0 when its line names the bought item's kind, -1 otherwise: it reads titles."""

    def label_scores(self, chats, labels_per_chat):
        scores = []
        for chat, labels in zip(chats, labels_per_chat):
            lines = chat[-1]["content"].split("Candidates:\n")[1].split("\n")
            scores.append([0.0 if "kettle" in lines[i] else -1.0 for i in range(len(labels))])
        return scores


def _rows(n_candidates=5, target_at=3):
    names = [f"item {i}" if i != target_at else "Blue kettle" for i in range(n_candidates)]
    candidates = [Item(f"c{i}", name) for i, name in enumerate(names)]
    text = ranking_user_text([Item("h", "Red kettle")], candidates, 6)
    return [{"task": "ranking", "prompt": [{"role": "system", "content": SYSTEM["ranking"]},
                                           {"role": "user", "content": text}],
             "meta": json.dumps({"candidates": [c.item_id for c in candidates], "target": f"c{target_at}"}),
             "query": "Red kettle"}]


def test_a_title_reader_loses_its_lead_when_titles_are_hidden():
    rows = _rows()
    method = Method("reader", TitleReader())
    assert evaluate_ranking(method, rows) == {"ranking_ndcg_at_10": [1.0]}
    hidden = evaluate_ranking_titles_hidden(method, rows)
    # every letter ties, so the listed order decides: the target 4th of 5, 1/log2(5)
    assert hidden == {"ranking_ndcg_at_10": pytest.approx(listed_order_ndcg(rows, 10))}
    assert hidden["ranking_ndcg_at_10"][0] == pytest.approx(1 / 2.321928, rel=1e-5)


def test_each_method_is_compared_with_its_control_and_controls_not_with_the_first_stage():
    names = ["first-stage", "zero-shot", "zero-shot" + TITLES_HIDDEN, "few-shot", "few-shot" + TITLES_HIDDEN]
    pairs = comparison_pairs(names)
    assert ("zero-shot", "zero-shot" + TITLES_HIDDEN) in pairs
    assert ("few-shot", "few-shot" + TITLES_HIDDEN) in pairs
    assert not any(a.endswith(TITLES_HIDDEN) for a, _ in pairs)
    assert ("few-shot", "zero-shot") in pairs
