"""The real bundled SmolLM2-135M: one real LoRA step through the shipped recipe, and the LLM ranker
scoring a real candidate list in one forward pass."""

from __future__ import annotations

import json

import pytest

from finetune.config import DataConfig, LoraSettings, TrainConfig
from tests.conftest import REAL_MODEL_CACHE
from tests.unit.test_finetune_data import _toy_folder

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def bundled():
    from agent.llm.model_files import bundled_model_dir

    return bundled_model_dir(REAL_MODEL_CACHE)


def test_one_real_lora_step_on_the_bundled_model(bundled, tmp_path):
    from finetune.build import build_training_data
    from finetune.train import train_from_data

    source = _toy_folder(tmp_path / "data", users=12)
    build_training_data(source, tmp_path / "training", DataConfig(candidates=5))
    config = TrainConfig(max_steps=1, batch_size=1, max_length=256, logging_steps=1, warmup_steps=0,
                         lora=LoraSettings(r=4, alpha=8))
    result = train_from_data(tmp_path / "training", bundled, tmp_path / "adapter", config, validation_examples=1)
    assert result.steps == 1 and len(result.losses) == 1 and result.losses[0] > 0
    summary = json.loads((tmp_path / "adapter" / "training_summary.json").read_text())
    assert summary["base_model"] == str(bundled) and summary["device"] == "cpu"
    from safetensors.torch import load_file

    weights = load_file(str(tmp_path / "adapter" / "adapter_model.safetensors"))
    # LoRA B starts at zero: after one step with a non-zero learning rate it has moved
    assert any("lora_B" in name and tensor.abs().sum() > 0 for name, tensor in weights.items())


def test_llm_ranker_on_the_bundled_model(bundled):
    from finetune.generation import LocalModel
    from finetune.llm_ranker import LLMRanker
    from retrieval.catalog import Item

    ranker = LLMRanker(LocalModel.load(bundled, device="cpu"))
    candidates = [Item(item_id=str(k), title=title) for k, title in enumerate(
        ["USB-C charging cable 2 m", "Lavender bath bomb set", "Wireless mouse", "HDMI cable 4K", "Face cream"])]
    scores = ranker.scores([Item(item_id="h", title="USB-C wall charger 65 W")], candidates)
    assert len(scores) == 5 and len(set(scores)) > 1 and all(s < 0 for s in scores)


def test_eval_generation_constrained_to_the_constraints_schema(bundled):
    from agent.understanding.constraints import Constraints
    from finetune.generation import LocalModel

    model = LocalModel.load(bundled, device="cpu")
    chats = [[{"role": "user", "content": f"Extract the shopping constraints as JSON: {message}"}]
             for message in ("a wireless mouse under 30", "headphones, not Sony")]
    budget = 96
    replies = model.generate(chats, max_new_tokens=budget, json_schema=Constraints.decoding_schema())
    free = model.generate(chats, max_new_tokens=budget)
    assert replies != free
    valid = 0
    for reply in replies:                # one object of the schema, or a prefix of one cut by the budget
        assert reply.startswith("{")
        try:
            Constraints.model_validate_json(reply)
            valid += 1
        except ValueError:
            assert len(model.tokenizer.encode(reply, add_special_tokens=False)) >= budget - 2
    assert valid >= 1
