"""One online fine-tuning round.

1. Events newer than the current adapter's `events_until` become ranking examples (each new event
   predicted from the user's history before it); held-out test users are never trained on.
2. A replay sample of the original training split is mixed in, so old skills are not forgotten.
   Understanding prompts keep the current adapter's format (its worked examples, if it has them).
3. Training continues from the current adapter into a new version folder.
4. Both versions are scored on a fixed gate set (a seeded sample of the validation split); the new
   version is promoted only if its gate score is not worse (within `tolerance`).
5. A promoted version is hot-loaded into every running host (vLLM server, in-process backend).
"""

from __future__ import annotations

import logging
import random
import shutil
import time
from dataclasses import replace
from pathlib import Path
from typing import Sequence

from finetune.adapters import AdapterStore, AdapterVersion
from finetune.config import DataConfig, OnlineConfig, TrainConfig
from finetune.hot_load import AdapterHost, hot_load

log = logging.getLogger(__name__)


def register_initial(adapters_dir: Path, adapter: Path, training_data: Path) -> AdapterVersion:
    """Copy a recipe-trained adapter into the store as its first, current version."""
    from finetune.build import read_manifest

    store = AdapterStore(adapters_dir)
    name, path = store.new_version_path()
    shutil.copytree(adapter, path)
    manifest = read_manifest(training_data)
    return store.register(name, {"events_until": manifest.get("events_until"), "parent": None,
                                 "source": str(adapter)}, promote=True)


def new_events(folder, since: float | None, limit: int):
    fresh = sorted((e for e in folder.events if since is None or e.ts > since), key=lambda e: e.ts)
    return fresh[:limit]


def _rows(examples) -> list[dict]:
    return [{"prompt": r["prompt"], "completion": r["completion"]} for r in (e.to_record() for e in examples)]


def gate_set(training_data: Path, size: int, seed: int):
    """A fixed, seeded sample of the validation split: the same rows for every round."""
    from finetune.build import load_split

    validation = load_split(training_data, "validation", ("understanding", "ranking"))
    if validation is None or len(validation) == 0:
        from shopwise.errors import UserFacingError
        raise UserFacingError(f"{training_data} has no validation examples to gate on")
    return validation.shuffle(seed=seed).select(range(min(2 * size, len(validation))))


def score_version(base: Path, adapter: Path, gate, size: int) -> dict:
    from evals.model_eval import gate_score
    from finetune.generation import LocalModel

    return gate_score(LocalModel.load(base, adapter), gate, size // 2 or 1)


def run_online_round(adapters_dir: Path, data_dir: Path, training_data: Path, base: Path,
                     config: OnlineConfig = OnlineConfig(), hosts: Sequence[AdapterHost] = (),
                     adapter_name: str = "shopwise-lora", train_config: TrainConfig | None = None,
                     scorer=score_version, embedder=None) -> dict:
    """Run one round; returns a report (new examples, scores, promoted or not, hot-load outcomes)."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from finetune.build import load_split, read_manifest
    from profiles.dataset import load_catalog_dataset
    from finetune.ranking_data import RankingBuilder
    from finetune.train import adapter_worked_examples, prepare_rows, train_lora, with_worked_examples, write_model_card
    from shopwise.errors import UserFacingError

    started = time.perf_counter()
    store = AdapterStore(adapters_dir)
    current = store.current()
    if current is None:
        raise UserFacingError(f"no current adapter in {adapters_dir}: train one with "
                              f"`shopwise finetune train ... --adapters-dir {adapters_dir}` first")
    manifest = read_manifest(training_data)
    # data built before the first stage existed listed candidates shuffled: keep its format
    recorded = {"candidate_order": "shuffled", **manifest["config"]}
    data_config = DataConfig(**{k: v for k, v in recorded.items() if k in DataConfig.__dataclass_fields__})
    folder = load_catalog_dataset(data_dir)
    fresh = new_events(folder, current.info.get("events_until"), config.max_new_examples)
    if not fresh:
        return {"new_events": 0, "promoted": False, "reason": "no events since the current adapter"}
    examples = RankingBuilder(folder, data_config).examples_from_new_events(fresh, config.seed)
    train_config = replace(train_config or TrainConfig(max_steps=config.max_steps, seed=config.seed),
                           worked_examples=adapter_worked_examples(current.path))
    tokenizer = AutoTokenizer.from_pretrained(str(base))
    new_rows = prepare_rows(_rows(examples), tokenizer, train_config) if examples else []
    replay_pool = load_split(training_data, "train")
    replay = []
    if replay_pool:
        replay = prepare_rows(with_worked_examples(replay_pool, training_data, train_config, embedder), tokenizer,
                              train_config, max(1, int(len(new_rows) * config.replay_share)))
    rows = new_rows + replay
    random.Random(config.seed).shuffle(rows)
    if not new_rows:
        return {"new_events": len(fresh), "promoted": False, "reason": "new events made no usable examples"}

    name, path = store.new_version_path()
    model = AutoModelForCausalLM.from_pretrained(str(base), dtype=torch.float32)
    result = train_lora(model, tokenizer, rows, path, train_config, resume_adapter=current.path)
    write_model_card(result, base, training_data, train_config, "online",
                     extra={"parent": current.name, "new_examples": len(new_rows), "replay_examples": len(replay)})

    gate = gate_set(training_data, config.gate_examples, config.seed)
    if train_config.worked_examples:           # both versions are asked the way they were trained
        gate = with_worked_examples(gate, training_data, train_config, embedder)
    if current.gate_score is None:
        store.update_info(current.name, **scorer(base, current.path, gate, config.gate_examples))
        current = store.get(current.name)
    scores = scorer(base, path, gate, config.gate_examples)
    promote = scores["gate_score"] >= current.gate_score - config.tolerance
    store.register(name, {**scores, "parent": current.name, "events_until": fresh[-1].ts,
                          "new_examples": len(new_rows), "replay_examples": len(replay)}, promote=promote)
    outcomes = hot_load(hosts, path, adapter_name) if promote else []
    report = {"new_events": len(fresh), "new_examples": len(new_rows), "replay_examples": len(replay),
              "version": name, "parent": current.name, "current_gate_score": current.gate_score,
              "new_gate_score": scores["gate_score"], "promoted": promote, "train_steps": result.steps,
              "train_seconds": round(result.wall_seconds, 1), "round_seconds": round(time.perf_counter() - started, 1),
              "hot_loaded": [o.__dict__ for o in outcomes]}
    log.info("online round: %s", report)
    return report
