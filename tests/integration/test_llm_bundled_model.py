"""The in-process backend on the real bundled SmolLM2-135M-Instruct, LoRA swapping included."""

import pytest

from agent.explanation.facts import item_facts
from agent.explanation.faithfulness import split_sentences
from tests.agent_fixtures import make_assistant, small_dataset, small_index  # noqa: F401
from tests.conftest import REAL_MODEL_CACHE

pytestmark = pytest.mark.slow
PROMPT = [{"role": "user", "content": "Name a colour."}]


@pytest.fixture(scope="module")
def model():
    from agent.llm.local import LocalChatModel
    from agent.llm.model_files import resolve_model_dir

    return LocalChatModel(resolve_model_dir(None, REAL_MODEL_CACHE), dtype="float32")


def test_streams_text_and_continues_a_prefix(model):
    pieces = list(model.stream(PROMPT, max_tokens=8))
    assert len(pieces) >= 2 and "".join(pieces).strip()
    continued = "".join(model.stream(PROMPT + [{"role": "assistant", "content": "My favourite colour is"}],
                                     max_tokens=6, stop=("\n",)))
    assert continued.strip() and "<|im_start|>" not in continued and "\n" not in continued


def test_json_completion_is_constrained_to_the_schema(model):
    import json

    from agent.understanding.constraints import Constraints

    raw = model.complete_json([{"role": "user", "content": 'Reply with the JSON object {"a": 1} only.'}],
                              {"type": "object", "properties": {"a": {"type": "integer"}}, "required": ["a"]},
                              max_tokens=20)
    assert isinstance(json.loads(raw)["a"], int)
    # the understanding schema: whatever the small model makes of the message, it is a Constraints
    raw = model.complete_json([{"role": "user", "content": "Extract the shopping constraints as JSON: "
                                                           "black headphones under 80, not Sony"}],
                              Constraints.decoding_schema(), max_tokens=96)
    Constraints.model_validate_json(raw)


def test_a_lora_adapter_loads_and_swaps_at_run_time(model, tmp_path):
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM

    base = AutoModelForCausalLM.from_pretrained(str(model.model_dir))
    torch.manual_seed(0)
    lora = get_peft_model(base, LoraConfig(r=8, target_modules=["q_proj", "v_proj"], init_lora_weights=False,
                                           lora_alpha=512))
    lora.save_pretrained(tmp_path / "adapter")
    before = "".join(model.stream(PROMPT, max_tokens=6))
    model.load_adapter(tmp_path / "adapter", "noisy")
    with_adapter = "".join(model.stream(PROMPT, max_tokens=6))
    model.use_adapter(None)
    assert "".join(model.stream(PROMPT, max_tokens=6)) == before
    assert with_adapter != before
    model.load_adapter(tmp_path / "adapter", "noisy")          # same name again: replaced in place
    assert "".join(model.stream(PROMPT, max_tokens=6)) == with_adapter
    model.use_adapter(None)


def test_a_whole_turn_with_the_real_model_keeps_every_sentence_faithful(model, small_index, small_dataset):
    assistant = make_assistant(small_index, model, reviews_folder=small_dataset)
    record = assistant.session().reply("a waterproof rain jacket under 100")
    assert record.outcome == "answer" and len(record.generation.explanations) == 3
    guard = assistant.writer.guard
    for explanation in record.generation.explanations:
        facts = item_facts(small_index.catalog[explanation["item_id"]],
                           assistant.reviews.for_item(explanation["item_id"]))
        assert all(guard.check(s, facts).faithful for s in split_sentences(explanation["text"]))
    assert record.timings.first_model_token_s is not None


RANKING_HISTORY = "USB-C wall charger 65 W"
RANKING_TITLES = ["USB-C charging cable 2 m", "Lavender bath bomb set", "Wireless mouse", "HDMI cable 4K", "Face cream"]


def ranking_chat():
    from finetune.llm_ranker import LLMRanker
    from retrieval.catalog import Item

    candidates = [Item(item_id=str(k), title=title) for k, title in enumerate(RANKING_TITLES)]
    return LLMRanker(model=None).chat([Item(item_id="h", title=RANKING_HISTORY)], candidates)


def test_the_assistant_s_model_scores_ranking_letters_as_the_evaluation_does():
    """The chat turn's LLM ranker reads the same log-probabilities `eval model` measures (fresh
    models: the module's shared one has had adapters loaded by other tests)."""
    from agent.llm.local import LocalChatModel
    from agent.llm.model_files import resolve_model_dir
    from finetune.generation import LocalModel

    labels = list("ABCDE")
    base = resolve_model_dir(None, REAL_MODEL_CACHE)
    served = LocalChatModel(base, dtype="float32").label_scores([ranking_chat()], [labels])[0]
    evaluated = LocalModel.load(base, device="cpu").label_scores([ranking_chat()], [labels])[0]
    assert served == pytest.approx(evaluated, abs=1e-4)
    assert len(set(served)) > 1 and all(s < 0 for s in served)
