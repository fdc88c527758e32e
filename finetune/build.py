"""`finetune data`: every task's examples from one dataset folder, saved as Hugging Face datasets.

Output folder: `train/`, `validation/`, `test/` (datasets `save_to_disk`, one row per example,
columns task/prompt/completion/query/group/meta) and `manifest.json` (source, counts, the time
up to which events were used, so online rounds know which events are new).
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict
from pathlib import Path

from finetune.config import DataConfig
from finetune.dialogue_data import DialogueBuilder
from finetune.examples import DATA_FORMAT, SPLITS, Example
from finetune.explanation_data import ExplanationBuilder
from finetune.ranking_data import RankingBuilder
from finetune.understanding_data import UnderstandingBuilder
from profiles.dataset import Dataset as DatasetFolder
from profiles.dataset import load_catalog_dataset
from retrieval.dataset_cache import dataset_fingerprint

log = logging.getLogger(__name__)
MANIFEST = "manifest.json"


def events_cutoff(folder: DatasetFolder, hold_out_newest: int) -> float | None:
    """The time up to which events are used, leaving the newest `hold_out_newest` for online rounds."""
    if hold_out_newest <= 0 or not folder.events:
        return None
    times = sorted(e.ts for e in folder.events)
    return times[-hold_out_newest - 1] if hold_out_newest < len(times) else times[0] - 1


def build_examples(folder: DatasetFolder, config: DataConfig, events_until: float | None = None) -> list[Example]:
    ranking = RankingBuilder(folder, config)
    builders = (UnderstandingBuilder(folder.items.values(), config), ExplanationBuilder(folder, config, ranking.user_split),
                DialogueBuilder(folder, config))
    examples = ranking.build(events_until) if folder.events else []
    for builder in builders:
        examples.extend(builder.build())
    return examples


def save_examples(examples: list[Example], out: Path) -> dict[str, dict[str, int]]:
    from datasets import Dataset

    counts: dict[str, dict[str, int]] = {}
    for split in SPLITS:
        rows = [e.to_record() for e in examples if e.split == split]
        counts[split] = {task: sum(1 for r in rows if r["task"] == task) for task in sorted({r["task"] for r in rows})}
        Dataset.from_list(rows or [], features=None).save_to_disk(str(out / split)) if rows else \
            (out / split).mkdir(parents=True, exist_ok=True)
    return counts


def build_training_data(data_dir: Path, out: Path, config: DataConfig = DataConfig(),
                        hold_out_newest_events: int = 0) -> dict:
    folder = load_catalog_dataset(data_dir)
    until = events_cutoff(folder, hold_out_newest_events)
    examples = build_examples(folder, config, until)
    out.mkdir(parents=True, exist_ok=True)
    counts = save_examples(examples, out)
    manifest = {"source": str(data_dir.resolve()), "dataset": folder.name, "format": DATA_FORMAT,
                "source_digest": dataset_fingerprint(data_dir),
                "events_until": until, "held_out_newest_events": hold_out_newest_events,
                "skipped_lines": len(folder.rejected), "counts": counts, "config": asdict(config)}
    (out / MANIFEST).write_text(json.dumps(manifest, indent=2))
    log.info("wrote %d examples to %s: %s", len(examples), out, counts)
    return manifest


def load_split(data: Path, split: str, tasks: tuple[str, ...] | None = None):
    """One split as a `datasets.Dataset` (optionally only some tasks); empty splits give None."""
    from datasets import load_from_disk

    path = data / split
    if not (path / "dataset_info.json").is_file():
        return None
    dataset = load_from_disk(str(path))
    if tasks is not None:
        dataset = dataset.filter(lambda row: row["task"] in tasks)
    return dataset


def read_manifest(data: Path) -> dict:
    path = data / MANIFEST
    if not path.is_file():
        from shopwise.errors import UserFacingError
        raise UserFacingError(f"{data} has no {MANIFEST}: build it first with `shopwise finetune data --data DIR --out {data}`")
    return json.loads(path.read_text())
