"""Few-shot prompting: the most similar training examples of the same task precede the request."""

from __future__ import annotations

from agent.understanding.prompt import understanding_messages
from finetune.config import DataConfig
from finetune.fewshot import FewShotPrompter, Shot, catalog_worked_examples, zero_shot_messages
from finetune.prompts import SYSTEM
from finetune.understanding_data import UnderstandingBuilder
from tests.agent_fixtures import small_dataset, small_index  # noqa: F401


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


def test_the_assistant_prompt_is_the_training_prompt(small_index):
    """A one-turn understanding example of `finetune data` is exactly what the assistant sends for
    that message, so an adapter meets at serving time the format it was trained on."""
    examples = UnderstandingBuilder(small_index.catalog.values(), DataConfig()).build()
    single = [e for e in examples if "\n" not in e.user_text]
    assert single
    for example in single:
        message = example.user_text.removeprefix("Shopper: ")
        assert understanding_messages(message) == example.to_record()["prompt"]


def test_catalog_worked_examples_come_from_training_items_only(small_index, fake_embedder):
    examples = UnderstandingBuilder(small_index.catalog.values(), DataConfig(max_understanding=400)).build()
    by_split = {split: {(e.user_text, e.target) for e in examples if e.split == split} for split in ("train", "test")}
    assert by_split["train"] and by_split["test"]
    select = catalog_worked_examples(small_index.catalog.values(), fake_embedder, k=3)
    for message in ("rain jacket under 90", "headphones from Velo", "a yellow jacket"):
        picked = select(message)
        assert len(picked) == 3
        assert set(picked) <= by_split["train"] and not set(picked) & by_split["test"]


def _row(task: str, text: str, target: str, group: str) -> dict:
    return {"task": task, "query": text, "group": group,
            "prompt": [{"role": "system", "content": SYSTEM[task]}, {"role": "user", "content": f"Shopper: {text}"}],
            "completion": [{"role": "assistant", "content": target}]}


def test_training_rows_get_worked_examples_never_from_their_own_item(fake_embedder):
    rows = [_row("understanding", "red running shoes under 50", '{"a": 1}', "item:1"),
            _row("understanding", "red running shoes below 50 dollars", '{"a": 2}', "item:1"),
            _row("understanding", "blue running shoes", '{"c": 3}', "item:2"),
            _row("understanding", "vegan face cream", '{"b": 2}', "item:3"),
            _row("dialogue", "show me cables", "Which type?", "group:1")]
    prompter = FewShotPrompter.from_rows(rows, fake_embedder).limited_to({"understanding": 2})
    trained = prompter.with_worked_examples(rows)
    first = trained[0]["prompt"]
    assert [m["role"] for m in first] == ["system", "user", "assistant", "user", "assistant", "user"]
    examples = {m["content"] for m in first[1:-1]}
    assert examples == {"Shopper: blue running shoes", '{"c": 3}', "Shopper: vegan face cream", '{"b": 2}'}
    assert first[-1] == rows[0]["prompt"][-1] and trained[0]["completion"] == rows[0]["completion"]
    assert trained[4]["prompt"] == rows[4]["prompt"]             # other tasks keep their bare prompt
    assert prompter.messages("dialogue", "Shopper: cables?") == zero_shot_messages("dialogue", "Shopper: cables?")


def test_an_adapter_is_evaluated_as_the_assistant_asks_it(fake_embedder, tmp_path):
    """`eval model`'s fine-tuned: understanding with worked examples (as many as the adapter was
    trained with, else the assistant's three), other tasks on bare prompts."""
    import json

    from evals.model_eval import served_prompts

    rows = [_row("understanding", f"request number {i}", f'{{"n": {i}}}', f"item:{i}") for i in range(6)]
    rows.append(_row("dialogue", "show me cables", "Which type?", "group:1"))
    prompter = FewShotPrompter.from_rows(rows, fake_embedder)
    bare_adapter, worked_adapter = tmp_path / "bare", tmp_path / "worked"
    bare_adapter.mkdir()
    worked_adapter.mkdir()
    (worked_adapter / "training_summary.json").write_text(json.dumps({"config": {"worked_examples": 2}}))
    for adapter, shots in ((bare_adapter, 3), (worked_adapter, 2)):
        served = served_prompts(prompter, adapter)
        assert len(served.messages("understanding", "Shopper: a request")) == 2 + 2 * shots
        assert served.messages("dialogue", "Shopper: cables?") == zero_shot_messages("dialogue", "Shopper: cables?")


def test_the_assistant_asks_an_adapter_with_as_many_examples_as_it_was_trained_with(tmp_path):
    import json

    from agent.builder import understanding_shots_for
    from agent.llm.config import LLMConfig
    from finetune.train import SUMMARY

    trained = tmp_path / "adapter"
    trained.mkdir()
    (trained / SUMMARY).write_text(json.dumps({"config": {"worked_examples": 5}}))
    bare = tmp_path / "bare"
    bare.mkdir()
    (bare / SUMMARY).write_text(json.dumps({"config": {"worked_examples": 0}}))
    assert understanding_shots_for(LLMConfig(adapter=str(trained))) == 5
    assert understanding_shots_for(LLMConfig(adapter=str(bare))) == 3       # bare-trained: the default
    assert understanding_shots_for(LLMConfig()) == 3 == understanding_shots_for(None)
    assert understanding_shots_for(LLMConfig(backend="openai", url="http://127.0.0.1:1/v1")) == 3
