"""LLM-as-ranker: one score per candidate from label-token log-probabilities, windows beyond 20."""

from __future__ import annotations

import pytest

from agent.ranking.interface import Candidate, RankingContext
from finetune.generation import LocalModel
from finetune.llm_ranker import LLMRanker
from finetune.prompts import LABELS
from finetune.tiny_model import build_tiny_model
from retrieval.catalog import Item
from tests.conftest import REAL_MODEL_CACHE


@pytest.fixture(scope="module")
def tiny(tmp_path_factory) -> LocalModel:
    from agent.llm.model_files import bundled_model_dir

    path = build_tiny_model(bundled_model_dir(REAL_MODEL_CACHE), tmp_path_factory.mktemp("tiny") / "m", seed=1)
    return LocalModel.load(path, device="cpu")


def _items(n: int) -> list[Item]:
    return [Item(item_id=f"i{k}", title=f"Product number {k} in blue") for k in range(n)]


class CountingModel:
    """Wraps a LocalModel and counts forward passes (one per window of candidates)."""

    def __init__(self, model):
        self.model = model
        self.prompts = 0

    def label_scores(self, chats, labels):
        self.prompts += len(chats)
        return self.model.label_scores(chats, labels)


def test_one_forward_pass_scores_every_candidate_by_its_letter(tiny):
    counting = CountingModel(tiny)
    ranker = LLMRanker(counting)
    items = _items(20)
    scores = ranker.scores(_items(2), items)
    assert len(scores) == 20 and counting.prompts == 1
    # the score of candidate k is exactly the log-probability of letter k after the prompt
    chat = ranker.chat(_items(2), items)
    expected = tiny.label_scores([chat], [list(LABELS[:20])])[0]
    assert scores == pytest.approx(expected)
    assert all(s <= 0.0 for s in scores)


def test_more_candidates_than_letters_are_scored_in_windows(tiny):
    counting = CountingModel(tiny)
    scores = LLMRanker(counting, window=10).scores([], _items(25))
    assert len(scores) == 25 and counting.prompts == 3


def test_rank_and_signal_follow_the_protocol(tiny):
    history = _items(3)
    ranker = LLMRanker(tiny, history=lambda context: history)
    candidates = [Candidate(item) for item in _items(6)]
    signal = ranker.signal(RankingContext(query="blue"), candidates)
    ranked = ranker.rank(RankingContext(query="blue"), candidates, k=3)
    assert set(signal) == {c.item.item_id for c in candidates}
    assert [r.item.item_id for r in ranked] == sorted(signal, key=lambda i: -signal[i])[:3]
    assert ranked[0].contributions == {"llm": 1.0}


def test_a_shopper_without_a_history_gets_no_signal_and_the_model_is_not_asked(tiny):
    counting = CountingModel(tiny)
    ranker = LLMRanker(counting, history=lambda context: [])
    candidates = [Candidate(item) for item in _items(4)]
    assert ranker.signal(RankingContext(query="blue", user_id="u"), candidates) == {}
    assert counting.prompts == 0
    assert len(ranker.rank(RankingContext(query="blue"), candidates, k=2)) == 2      # as a Ranker it still ranks


def test_window_beyond_the_label_alphabet_is_refused(tiny):
    with pytest.raises(ValueError):
        LLMRanker(tiny, window=30)


class FirstLetterModel:
    """Scores letters by position (A best), and keeps the chats it was asked."""

    def __init__(self):
        self.chats = []

    def label_scores(self, chats, labels):
        self.chats += chats
        return [[-float(i) for i in range(len(window))] for window in labels]


def test_candidates_are_listed_in_the_first_stage_order_and_scored_back_in_the_callers():
    from finetune.candidate_order import HistoryMatchOrder

    history = [Item(item_id="h", title="Nikon D7100 camera")]
    candidates = [Item(item_id="mug", title="Coffee mug"), Item(item_id="pan", title="Frying pan"),
                  Item(item_id="bat", title="Battery for Nikon D7100")]
    model = FirstLetterModel()
    ranker = LLMRanker(model, first_stage=HistoryMatchOrder([*history, *candidates]))
    scores = ranker.scores(history, candidates)
    assert "A. Battery for Nikon D7100" in model.chats[0][-1]["content"]
    assert scores[2] == 0.0 and scores[2] > scores[0] and scores[2] > scores[1]
    plain = FirstLetterModel()
    assert LLMRanker(plain).scores(history, candidates) == [0.0, -1.0, -2.0]
    assert "A. Coffee mug" in plain.chats[0][-1]["content"]
