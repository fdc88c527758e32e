"""LoRA supervised fine-tuning with peft + TRL on `finetune data` output.

CPU-sane by default: fp32 (TRL's bf16 default is ~17x slower on this CPU), gradient checkpointing,
loss on the completion only, examples longer than `max_length` left out rather than cut (a cut
would drop the answer). On a GPU, bf16 is used when the card supports it.
"""

from __future__ import annotations

import json
import logging
import random
import shutil
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Mapping

from finetune.config import TrainConfig
from finetune.generation import pick_device

log = logging.getLogger(__name__)
SUMMARY = "training_summary.json"


@dataclass
class TrainResult:
    adapter: Path
    steps: int
    wall_seconds: float
    losses: list[float]
    validation_loss: float | None
    train_examples: int

    @property
    def steps_per_second(self) -> float:
        return self.steps / self.wall_seconds if self.wall_seconds else 0.0


def _fits(tokenizer, row: dict, max_length: int) -> bool:
    text = tokenizer.apply_chat_template(row["prompt"] + row["completion"], tokenize=False)
    return len(tokenizer(text, add_special_tokens=False)["input_ids"]) <= max_length


def prepare_rows(dataset, tokenizer, config: TrainConfig, limit: int | None = None,
                 task_shares: Mapping[str, float] | None = None) -> list[dict]:
    """Shuffled prompt/completion rows that fit the context, optionally capped at `limit` rows
    drawn in `task_shares` (see `mix_tasks`)."""
    rows = [{"prompt": row["prompt"], "completion": row["completion"], "task": row.get("task", "")} for row in dataset]
    random.Random(config.seed).shuffle(rows)
    kept = [row for row in rows if _fits(tokenizer, row, config.max_length)]
    if len(kept) < len(rows):
        log.info("left out %d examples longer than %d tokens", len(rows) - len(kept), config.max_length)
    if limit and task_shares:
        kept = mix_tasks(kept, task_shares, limit)
    return [{"prompt": row["prompt"], "completion": row["completion"]} for row in (kept[:limit] if limit else kept)]


def task_quotas(available: Mapping[str, int], shares: Mapping[str, float], total: int) -> dict[str, int]:
    """Rows per task: `total` split by `shares` (largest remainders), a task short of rows giving
    its unused places to the others in proportion; tasks without a share get none."""
    quotas = {task: 0 for task in available}
    open_tasks = {task for task in available if shares.get(task, 0) > 0 and available[task] > 0}
    left = min(total, sum(available[task] for task in open_tasks))
    while left > 0 and open_tasks:
        weight = sum(shares[task] for task in open_tasks)
        exact = {task: left * shares[task] / weight for task in open_tasks}
        given = {task: min(int(exact[task]), available[task] - quotas[task]) for task in open_tasks}
        for task in sorted(open_tasks, key=lambda t: (given[t] - exact[t], t)):   # largest remainders first
            if sum(given.values()) >= left:
                break
            if given[task] < available[task] - quotas[task]:
                given[task] += 1
        for task, count in given.items():
            quotas[task] += count
        left -= sum(given.values())
        open_tasks = {task for task in open_tasks if quotas[task] < available[task]}
    return quotas


def mix_tasks(rows: list[dict], shares: Mapping[str, float], total: int) -> list[dict]:
    """Up to `total` of `rows` (each with a "task"), in `task_quotas`, keeping the rows' order."""
    available: dict[str, int] = {}
    for row in rows:
        available[row["task"]] = available.get(row["task"], 0) + 1
    quotas = task_quotas(available, shares, total)
    taken: dict[str, int] = {}
    picked = []
    for row in rows:
        if taken.get(row["task"], 0) < quotas[row["task"]]:
            taken[row["task"]] = taken.get(row["task"], 0) + 1
            picked.append(row)
    return picked


def _sft_config(config: TrainConfig, output_dir: str, device: str):
    import torch
    from trl import SFTConfig

    bf16 = device == "cuda" and torch.cuda.is_bf16_supported()
    return SFTConfig(
        output_dir=output_dir, max_steps=config.max_steps, per_device_train_batch_size=config.batch_size,
        per_device_eval_batch_size=config.batch_size, gradient_accumulation_steps=config.gradient_accumulation,
        learning_rate=config.learning_rate, warmup_steps=config.warmup_steps, lr_scheduler_type="constant_with_warmup",
        logging_steps=config.logging_steps, save_strategy="no", report_to=[], bf16=bf16, fp16=False,
        use_cpu=device == "cpu", gradient_checkpointing=config.gradient_checkpointing,
        gradient_checkpointing_kwargs={"use_reentrant": False}, max_length=config.max_length, packing=False,
        completion_only_loss=True, dataloader_num_workers=0,
        train_sampling_strategy="group_by_length" if config.group_by_length else "random", seed=config.seed, data_seed=config.seed)


def train_lora(model, tokenizer, train_rows: list[dict], out: Path, config: TrainConfig,
               validation_rows: list[dict] | None = None, resume_adapter: Path | None = None,
               device: str = "auto") -> TrainResult:
    """Train a LoRA adapter on `model` (a loaded causal LM) and save it to `out`."""
    from datasets import Dataset
    from peft import LoraConfig, PeftModel
    from trl import SFTTrainer

    device = pick_device(config.device if device == "auto" else device)
    if not train_rows:
        from shopwise.errors import UserFacingError
        raise UserFacingError("no training examples fit: rebuild the data or raise --max-length")
    peft_config = None
    if resume_adapter is not None:        # online rounds continue from the current adapter
        model = PeftModel.from_pretrained(model, str(resume_adapter), is_trainable=True)
    else:
        lora = config.lora
        peft_config = LoraConfig(r=lora.r, lora_alpha=lora.alpha, lora_dropout=lora.dropout,
                                 target_modules=lora.peft_target_modules, task_type="CAUSAL_LM")
    with tempfile.TemporaryDirectory(prefix="shopwise-sft-") as scratch:
        trainer = SFTTrainer(model=model, args=_sft_config(config, scratch, device),
                             train_dataset=Dataset.from_list(train_rows),
                             eval_dataset=Dataset.from_list(validation_rows) if validation_rows else None,
                             processing_class=tokenizer, peft_config=peft_config)
        started = time.perf_counter()
        trainer.train()
        wall = time.perf_counter() - started
        validation_loss = trainer.evaluate()["eval_loss"] if validation_rows else None
        losses = [entry["loss"] for entry in trainer.state.log_history if "loss" in entry]
        partial = out.with_name(out.name + ".partial")
        shutil.rmtree(partial, ignore_errors=True)
        trainer.model.save_pretrained(str(partial))
    shutil.rmtree(out, ignore_errors=True)
    partial.rename(out)
    return TrainResult(adapter=out, steps=trainer.state.global_step, wall_seconds=wall, losses=losses,
                       validation_loss=validation_loss, train_examples=len(train_rows))


def write_model_card(result: TrainResult, base: Path, data: Path, config: TrainConfig, device: str,
                     extra: dict | None = None) -> None:
    """README.md (model card) and a machine-readable summary beside the adapter."""
    from finetune.build import MANIFEST

    manifest_path = data / MANIFEST
    manifest = json.loads(manifest_path.read_text()) if manifest_path.is_file() else {}
    summary = {"base_model": str(base), "training_data": str(data), "dataset": manifest.get("dataset"),
               "source_digest": manifest.get("source_digest"), "events_until": manifest.get("events_until"),
               "steps": result.steps, "train_examples": result.train_examples,
               "wall_seconds": round(result.wall_seconds, 1), "steps_per_second": round(result.steps_per_second, 4),
               "first_loss": result.losses[0] if result.losses else None,
               "last_loss": result.losses[-1] if result.losses else None, "losses": result.losses,
               "validation_loss": result.validation_loss, "device": device, "config": asdict(config),
               **(extra or {})}
    (result.adapter / SUMMARY).write_text(json.dumps(summary, indent=2))
    lines = [f"# LoRA adapter for {base.name}", "",
             "Trained by `shopwise finetune train` (peft + TRL SFT, loss on completions only).", "",
             "| fact | value |", "| --- | --- |"]
    for key in ("base_model", "training_data", "dataset", "source_digest", "steps", "train_examples", "wall_seconds",
                "steps_per_second", "first_loss", "last_loss", "validation_loss", "device"):
        lines.append(f"| {key} | {summary[key]} |")
    lora = config.lora
    lines += ["", f"LoRA r={lora.r}, alpha={lora.alpha}, dropout={lora.dropout}, modules={', '.join(lora.target_modules)}; "
              f"batch {config.batch_size} x {config.max_length} tokens"
              f"{' (grouped by length)' if config.group_by_length else ''}, lr {config.learning_rate}, "
              f"gradient checkpointing {'on' if config.gradient_checkpointing else 'off'}.", ""]
    for key, value in (extra or {}).items():
        lines.append(f"- {key}: {value}")
    (result.adapter / "README.md").write_text("\n".join(lines) + "\n")


def adapter_worked_examples(adapter: Path) -> int:
    """How many worked examples the adapter's understanding prompts were trained with (its card)."""
    summary = Path(adapter) / SUMMARY
    if not summary.is_file():
        return 0
    return int((json.loads(summary.read_text()).get("config") or {}).get("worked_examples", 0))


def served_understanding_shots(adapter: Path | None) -> int:
    """Worked examples the assistant puts before a request: as many as the adapter was trained with,
    else the few-shot default (also for a bare-trained adapter, which measured better with them)."""
    from finetune.fewshot import DEFAULT_SHOTS

    return (adapter_worked_examples(adapter) if adapter else 0) or DEFAULT_SHOTS["understanding"]


def with_worked_examples(rows, data: Path, config: TrainConfig, embedder) -> list[dict]:
    """Understanding rows with `config.worked_examples` similar training requests before each, from
    the same pool `eval model` and few-shot prompting draw on; other rows unchanged."""
    if not config.worked_examples:
        return list(rows)
    from finetune.fewshot import FewShotPrompter

    if embedder is None:
        raise ValueError("training with worked examples needs the embedder that selects them")
    prompter = FewShotPrompter.from_training_data(data, embedder).limited_to({"understanding": config.worked_examples})
    return prompter.with_worked_examples(rows)


def train_from_data(data: Path, base: Path, out: Path, config: TrainConfig = TrainConfig(),
                    resume_adapter: Path | None = None, validation_examples: int = 16,
                    embedder=None) -> TrainResult:
    """The shipped recipe: load the base model, train on the data's train split, write adapter + card.
    `embedder` selects worked examples when `config.worked_examples` asks for them."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from finetune.build import load_split

    device = pick_device(config.device)
    tokenizer = AutoTokenizer.from_pretrained(str(base))
    model = AutoModelForCausalLM.from_pretrained(str(base), dtype=torch.float32)
    train = load_split(data, "train")
    if train is None:
        from shopwise.errors import UserFacingError
        raise UserFacingError(f"{data} has no train split: run `shopwise finetune data` first")
    rows = prepare_rows(with_worked_examples(train, data, config, embedder), tokenizer, config,
                        config.max_train_examples or config.max_steps * config.batch_size * config.gradient_accumulation,
                        dict(config.task_shares) if config.task_shares else None)
    validation = load_split(data, "validation")
    validation_rows = prepare_rows(with_worked_examples(validation, data, config, embedder), tokenizer, config,
                                   validation_examples) if validation else None
    log.info("training %s on %d examples for %d steps (%s)", base.name, len(rows), config.max_steps, device)
    result = train_lora(model, tokenizer, rows, out, config, validation_rows, resume_adapter, device)
    write_model_card(result, base, data, config, device,
                     extra={"worked_examples": f"{config.worked_examples} per understanding prompt (use them at inference)"}
                     if config.worked_examples else None)
    return result


def merge_adapter(base: Path, adapter: Path, out: Path) -> Path:
    """Fold the adapter into the base weights: a plain HF folder any server (vLLM included) loads."""
    import torch
    from peft import PeftModel
    from transformers import AutoModelForCausalLM, AutoTokenizer

    model = AutoModelForCausalLM.from_pretrained(str(base), dtype=torch.float32)
    merged = PeftModel.from_pretrained(model, str(adapter)).merge_and_unload()
    merged.save_pretrained(str(out))
    AutoTokenizer.from_pretrained(str(base)).save_pretrained(str(out))
    return out
