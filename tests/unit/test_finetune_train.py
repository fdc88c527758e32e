"""The LoRA training loop on a tiny random-weight model: loss logged and falling, the adapter
changes the model's output, the model card records what was trained on what."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from finetune.config import LoraSettings, TrainConfig
from finetune.tiny_model import build_tiny_model
from tests.conftest import REAL_MODEL_CACHE


@pytest.fixture(scope="module")
def tiny_base(tmp_path_factory) -> Path:
    from agent.llm.model_files import bundled_model_dir

    return build_tiny_model(bundled_model_dir(REAL_MODEL_CACHE), tmp_path_factory.mktemp("tiny") / "model")


ROWS = [{"prompt": [{"role": "system", "content": "Reply with JSON only."},
                    {"role": "user", "content": f"Shopper: shoes under {price}"}],
         "completion": [{"role": "assistant", "content": f'{{"price_max": {price}}}'}]}
        for price in (20, 30, 40, 50)]
CONFIG = TrainConfig(max_steps=12, batch_size=4, learning_rate=2e-2, warmup_steps=0, logging_steps=2,
                     max_length=128, lora=LoraSettings(r=4, alpha=8, dropout=0.0,
                                                      target_modules=("q_proj", "v_proj", "up_proj", "down_proj")))


def _logits(model, tokenizer, text: str):
    import torch

    with torch.inference_mode():
        return model(**tokenizer(text, return_tensors="pt")).logits


def test_training_logs_a_falling_loss_and_the_adapter_changes_the_output(tiny_base, tmp_path):
    import torch
    from peft import PeftModel
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from finetune.train import train_lora, write_model_card

    tokenizer = AutoTokenizer.from_pretrained(str(tiny_base))
    model = AutoModelForCausalLM.from_pretrained(str(tiny_base))
    result = train_lora(model, tokenizer, ROWS, tmp_path / "adapter", CONFIG, validation_rows=ROWS[:2], device="cpu")
    assert result.steps == 12 and len(result.losses) == 6
    assert result.losses[-1] < result.losses[0] - 0.05
    assert result.validation_loss is not None and (tmp_path / "adapter" / "adapter_config.json").is_file()

    base = AutoModelForCausalLM.from_pretrained(str(tiny_base))
    before = _logits(base, tokenizer, "Shopper: shoes under 20")
    adapted = PeftModel.from_pretrained(AutoModelForCausalLM.from_pretrained(str(tiny_base)), str(tmp_path / "adapter"))
    after = _logits(adapted, tokenizer, "Shopper: shoes under 20")
    assert not torch.allclose(before, after, atol=1e-4)

    data = tmp_path / "data"
    data.mkdir()
    (data / "manifest.json").write_text(json.dumps({"dataset": "toy", "source_digest": "abc", "events_until": 5}))
    write_model_card(result, tiny_base, data, CONFIG, "cpu")
    card = (tmp_path / "adapter" / "README.md").read_text()
    summary = json.loads((tmp_path / "adapter" / "training_summary.json").read_text())
    assert str(tiny_base) in card and "| steps | 12 |" in card and "toy" in card
    assert summary["last_loss"] == result.losses[-1] and summary["events_until"] == 5


def test_merged_model_answers_like_base_plus_adapter(tiny_base, tmp_path):
    import torch
    from peft import PeftModel
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from finetune.train import merge_adapter, train_lora

    tokenizer = AutoTokenizer.from_pretrained(str(tiny_base))
    config = TrainConfig(**{**CONFIG.__dict__, "max_steps": 2})
    train_lora(AutoModelForCausalLM.from_pretrained(str(tiny_base)), tokenizer, ROWS, tmp_path / "adapter", config,
               device="cpu")
    merged = merge_adapter(tiny_base, tmp_path / "adapter", tmp_path / "merged")
    adapted = PeftModel.from_pretrained(AutoModelForCausalLM.from_pretrained(str(tiny_base)), str(tmp_path / "adapter"))
    expected = _logits(adapted, tokenizer, "Shopper: shoes under 30")
    got = _logits(AutoModelForCausalLM.from_pretrained(str(merged)), tokenizer, "Shopper: shoes under 30")
    assert torch.allclose(expected, got, atol=1e-4)


def test_cpu_defaults_keep_bf16_off_and_checkpointing_on():
    from finetune.train import _sft_config

    args = _sft_config(TrainConfig(), "/tmp/unused", "cpu")
    assert args.bf16 is False and args.gradient_checkpointing is True and args.use_cpu is True
    assert args.completion_only_loss is True


def test_rows_too_long_for_the_context_are_left_out_not_cut(tiny_base):
    from transformers import AutoTokenizer

    from finetune.train import prepare_rows

    tokenizer = AutoTokenizer.from_pretrained(str(tiny_base))
    long_row = {"prompt": [{"role": "user", "content": "word " * 400}], "completion": [{"role": "assistant", "content": "x"}]}
    kept = prepare_rows(ROWS + [long_row], tokenizer, TrainConfig(max_length=64))
    assert len(kept) == 4 and long_row not in kept


def test_task_quotas_follow_the_shares_and_pass_on_what_a_small_task_cannot_use():
    from finetune.train import task_quotas

    available = {"understanding": 1060, "ranking": 1632, "explanation": 426, "dialogue": 198}
    shares = {"understanding": 0.5, "ranking": 0.2, "explanation": 0.2, "dialogue": 0.1}
    assert task_quotas(available, shares, 240) == {"understanding": 120, "ranking": 48, "explanation": 48, "dialogue": 24}
    # 5 dialogue rows: the other 19 places go to the rest in proportion (235 * 5/9, 2/9, 2/9 = 130.6, 52.2, 52.2)
    short = task_quotas({**available, "dialogue": 5}, shares, 240)
    assert short["dialogue"] == 5 and sum(short.values()) == 240
    assert short["understanding"] in (130, 131) and short["ranking"] in (52, 53) and short["explanation"] in (52, 53)
    assert task_quotas({"understanding": 3, "ranking": 2}, {"understanding": 1, "ranking": 1}, 10) == \
        {"understanding": 3, "ranking": 2}                   # fewer rows than asked: all of them
    assert task_quotas({"understanding": 10, "ranking": 10, "dialogue": 4}, {"understanding": 1, "ranking": 2}, 7) == \
        {"understanding": 2, "ranking": 5, "dialogue": 0}    # 7/3 and 14/3: the larger remainder gets the 7th


def test_training_rows_are_drawn_in_the_task_shares(tiny_base):
    from transformers import AutoTokenizer

    from finetune.train import prepare_rows

    tokenizer = AutoTokenizer.from_pretrained(str(tiny_base))
    rows = [{**row, "task": "understanding"} for row in ROWS] * 5 + \
        [{"prompt": [{"role": "user", "content": f"rank {n}"}], "completion": [{"role": "assistant", "content": "A"}],
          "task": "ranking"} for n in range(20)]
    mixed = prepare_rows(rows, tokenizer, TrainConfig(max_length=64), limit=10,
                         task_shares={"understanding": 0.8, "ranking": 0.2})
    ranking = [row for row in mixed if row["completion"][0]["content"] == "A"]
    assert len(mixed) == 10 and len(ranking) == 2
    assert all(set(row) == {"prompt", "completion"} for row in mixed)
    as_in_data = prepare_rows(rows, tokenizer, TrainConfig(max_length=64), limit=40)
    assert len([row for row in as_in_data if row["completion"][0]["content"] == "A"]) == 20


def test_task_shares_are_parsed_and_checked():
    import argparse

    from finetune.commands import parse_task_shares

    assert parse_task_shares("understanding=0.5,ranking=0.5") == (("understanding", 0.5), ("ranking", 0.5))
    assert parse_task_shares("data") is None
    with pytest.raises(argparse.ArgumentTypeError, match="unknown task"):
        parse_task_shares("shopping=1")
    with pytest.raises(argparse.ArgumentTypeError, match="TASK=SHARE"):
        parse_task_shares("ranking=lots")
    with pytest.raises(ValueError, match="task_shares"):
        TrainConfig(task_shares=(("ranking", -1.0),))


def test_lora_modules_are_named_or_every_linear_layer():
    from finetune.commands import _add_train_flags, _train_config
    import argparse

    parser = argparse.ArgumentParser()
    _add_train_flags(parser, steps=60)
    every = _train_config(parser.parse_args([])).lora                      # the shipped recipe
    assert every.target_modules == ("all-linear",) and every.peft_target_modules == "all-linear"
    assert _train_config(parser.parse_args(["--lora-modules", "q_proj,v_proj"])).lora.peft_target_modules == \
        ["q_proj", "v_proj"]
    named = _train_config(parser.parse_args(["--lora-modules", "q_proj, k_proj,v_proj"])).lora
    assert named.peft_target_modules == ["q_proj", "k_proj", "v_proj"]
