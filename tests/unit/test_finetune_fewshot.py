"""Few-shot prompting: the most similar training examples of the same task precede the request."""

from __future__ import annotations

from finetune.fewshot import FewShotPrompter, Shot, zero_shot_messages
from finetune.prompts import SYSTEM


def _prompter(embedder) -> FewShotPrompter:
    shots = {"understanding": [Shot("red running shoes under 50", "Shopper: red running shoes under 50", '{"a": 1}'),
                               Shot("vegan face cream", "Shopper: vegan face cream", '{"b": 2}'),
                               Shot("blue running shoes", "Shopper: blue running shoes", '{"c": 3}')],
             "dialogue": [Shot("show me cables", "Shopper: show me cables", "Which type?")]}
    return FewShotPrompter(shots, embedder, {"understanding": 2})


def test_similar_examples_are_chosen_most_similar_last(fake_embedder):
    picked = _prompter(fake_embedder).select("understanding", "running shoes, red please")
    assert [s.target for s in picked] == ['{"c": 3}', '{"a": 1}']


def test_messages_interleave_shots_before_the_request(fake_embedder):
    chat = _prompter(fake_embedder).messages("understanding", "Shopper: face cream, vegan", query="vegan face cream")
    assert chat[0] == {"role": "system", "content": SYSTEM["understanding"]}
    assert [m["role"] for m in chat[1:]] == ["user", "assistant", "user", "assistant", "user"]
    assert chat[-2]["content"] == '{"b": 2}' and chat[-1]["content"] == "Shopper: face cream, vegan"


def test_the_request_itself_is_never_its_own_example(fake_embedder):
    chat = _prompter(fake_embedder).messages("dialogue", "Shopper: show me cables", k=3)
    assert len(chat) == 2


def test_tasks_without_shots_fall_back_to_zero_shot(fake_embedder):
    prompter = _prompter(fake_embedder)
    assert prompter.messages("ranking", "rank these") == zero_shot_messages("ranking", "rank these")


def test_built_from_rows_of_finetune_data(fake_embedder):
    rows = [{"task": "dialogue", "query": "q", "prompt": [{"role": "system", "content": "s"},
                                                       {"role": "user", "content": "Shopper: q"}],
             "completion": [{"role": "assistant", "content": "Which one?"}]}]
    prompter = FewShotPrompter.from_rows(rows, fake_embedder)
    assert prompter.select("dialogue", "q") == [Shot("q", "Shopper: q", "Which one?")]
