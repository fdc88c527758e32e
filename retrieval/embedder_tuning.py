"""Contrastive tuning of the item/query embedder on a shop's own behaviour.

`shopwise finetune embedder --data DIR --out MODEL` continues training the bundled MiniLM (or any
sentence-transformers folder) with in-batch negatives (MultipleNegativesRankingLoss) on

- (intent, item) pairs: each query of `queries.jsonl` (a shop's search log or intent set) with its
  relevant items, and
- (item, item) pairs, when asked for: items bought together in one session (`events`,
  `session_id`); off by default, since on bundlerec-electronic they made the dense side worse.

A fixed fraction of the queries is held out, and nothing that would let training see a held-out
query's relevant items *together* is used: no training query relevant to two of them, no
co-purchase pair of two of them. `shopwise eval retrieval --embedder MODEL` on the same folder
then scores only the held-out queries (the split is in the model's `shopwise_tuning.json`), so the
figure says how the tuned search does on intents it has not seen.
"""

from __future__ import annotations

import json
import logging
import random
import shutil
import time
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from itertools import combinations
from pathlib import Path
from typing import Iterable

from evals.queries import EvalQuery
from profiles.dataset import Dataset
from retrieval.documents import item_text

log = logging.getLogger(__name__)
TUNING_CARD = "shopwise_tuning.json"
BASKET_EVENT_TYPES = ("purchase", "cart")
SPLIT_RULE = ("held-out queries: no training query is relevant to two items of one held-out query, "
              "and no two items of one held-out query are a training co-purchase pair")


@dataclass(frozen=True)
class EmbedderTuningConfig:
    """CPU-sane defaults: one pass over the pairs takes minutes for a few thousand items."""

    epochs: int = 1
    batch_size: int = 32
    learning_rate: float = 5e-5
    warmup_ratio: float = 0.1          # of the steps
    max_seq_length: int = 64          # the index embeds item texts cut at 64 word pieces too
    held_out_fraction: float = 0.2
    seed: int = 0
    use_queries: bool = True
    use_co_purchases: bool = False    # measured: co-purchase pairs made the dense side worse on bundlerec

    def __post_init__(self):
        if not 0.0 <= self.held_out_fraction < 1.0:
            raise ValueError("held_out_fraction must be in [0, 1)")
        if self.epochs < 1 or self.batch_size < 2:
            raise ValueError("epochs must be >= 1 and batch_size >= 2 (in-batch negatives)")


@dataclass(frozen=True)
class QuerySplit:
    training: list[EvalQuery]
    held_out: list[EvalQuery]
    withheld: int          # training queries left out because they would reveal a held-out pair


@dataclass
class TuningData:
    pairs: list[tuple[str, str]]          # (anchor text, positive text)
    split: QuerySplit
    query_pairs: int
    co_purchase_pairs: int
    withheld_co_purchase_pairs: int


@dataclass
class TuningResult:
    model: Path
    steps: int
    wall_seconds: float
    losses: list[float] = field(default_factory=list)


def _item_pairs(item_ids: Iterable[str]) -> set[tuple[str, str]]:
    return set(combinations(sorted(set(item_ids)), 2))


def split_queries(queries: list[EvalQuery], fraction: float, seed: int) -> QuerySplit:
    """Hold out `fraction` of the queries (seeded); drop training queries that share a pair with them."""
    order = sorted(queries, key=lambda q: q.query_id)
    random.Random(seed).shuffle(order)
    cut = round(len(order) * fraction)
    held_out, rest = order[:cut], order[cut:]
    protected = held_out_item_pairs(held_out)
    training = [q for q in rest if not _item_pairs(q.relevant) & protected]
    return QuerySplit(training=training, held_out=held_out, withheld=len(rest) - len(training))


def held_out_item_pairs(held_out: list[EvalQuery]) -> set[tuple[str, str]]:
    pairs: set[tuple[str, str]] = set()
    for query in held_out:
        pairs |= _item_pairs(query.relevant)
    return pairs


def baskets(data: Dataset) -> list[list[str]]:
    """Items bought or carted together: one basket per (user, session), in the file's order."""
    grouped: dict[tuple[str, str], list[str]] = defaultdict(list)
    for event in data.events:
        if event.session_id and event.type in BASKET_EVENT_TYPES and event.item_id in data.items:
            grouped[(event.user_id, event.session_id)].append(event.item_id)
    return [list(dict.fromkeys(items)) for items in grouped.values() if len(set(items)) > 1]


def build_tuning_data(data: Dataset, queries: list[EvalQuery], config: EmbedderTuningConfig) -> TuningData:
    split = split_queries(queries, config.held_out_fraction, config.seed)
    protected = held_out_item_pairs(split.held_out)
    texts = {item_id: item_text(item) for item_id, item in data.items.items()}
    pairs: list[tuple[str, str]] = []
    if config.use_queries:
        pairs += [(q.text, texts[i]) for q in split.training for i in sorted(q.relevant) if i in texts]
    query_pairs = len(pairs)
    withheld = 0
    if config.use_co_purchases:
        seen: set[tuple[str, str]] = set()
        for basket in baskets(data):
            for pair in combinations(sorted(basket), 2):
                if pair in protected:
                    withheld += 1
                elif pair not in seen:
                    seen.add(pair)
                    pairs.append((texts[pair[0]], texts[pair[1]]))
    random.Random(config.seed).shuffle(pairs)
    return TuningData(pairs=pairs, split=split, query_pairs=query_pairs,
                      co_purchase_pairs=len(pairs) - query_pairs, withheld_co_purchase_pairs=withheld)


def tune_embedder(base: Path, pairs: list[tuple[str, str]], out: Path, config: EmbedderTuningConfig,
                  show_progress: bool = True) -> TuningResult:
    """Train `base` on (anchor, positive) pairs with in-batch negatives; save a sentence-transformers folder to `out`."""
    import tempfile

    from datasets import Dataset as HfDataset
    from sentence_transformers import SentenceTransformer, SentenceTransformerTrainer
    from sentence_transformers.base.sampler import BatchSamplers
    from sentence_transformers.sentence_transformer.losses import MultipleNegativesRankingLoss
    from sentence_transformers.sentence_transformer.training_args import SentenceTransformerTrainingArguments

    from shopwise.errors import UserFacingError

    if len(pairs) < config.batch_size:
        raise UserFacingError(f"only {len(pairs)} training pairs: tuning needs at least a batch "
                              f"({config.batch_size}); the folder needs queries.jsonl (or sessions in its events, with co-purchases on)")
    model = SentenceTransformer(str(base), device="cpu", local_files_only=True)
    model.max_seq_length = config.max_seq_length
    train = HfDataset.from_dict({"anchor": [a for a, _ in pairs], "positive": [p for _, p in pairs]})
    total_steps = config.epochs * -(-len(pairs) // config.batch_size)
    with tempfile.TemporaryDirectory(prefix="shopwise-embedder-") as scratch:
        args = SentenceTransformerTrainingArguments(
            output_dir=scratch, num_train_epochs=config.epochs, per_device_train_batch_size=config.batch_size,
            learning_rate=config.learning_rate, warmup_steps=config.warmup_ratio, seed=config.seed,
            batch_sampler=BatchSamplers.NO_DUPLICATES, save_strategy="no", report_to=[],
            logging_steps=max(1, min(10, total_steps // 10)),
            use_cpu=True, dataloader_num_workers=0, disable_tqdm=not show_progress)
        trainer = SentenceTransformerTrainer(model=model, args=args, train_dataset=train,
                                             loss=MultipleNegativesRankingLoss(model))
        started = time.perf_counter()
        trainer.train()
        wall = time.perf_counter() - started
    model.save(str(out))
    losses = [entry["loss"] for entry in trainer.state.log_history if "loss" in entry]
    return TuningResult(model=out, steps=trainer.state.global_step, wall_seconds=wall, losses=losses)


def write_tuning_card(result: TuningResult, data: Dataset, fingerprint: str, tuning: TuningData,
                      base: Path, config: EmbedderTuningConfig) -> dict:
    """`shopwise_tuning.json` (read by `eval retrieval`) and a README.md model card."""
    card = {
        "base_model": str(base), "dataset": data.name, "dataset_fingerprint": fingerprint,
        "held_out_query_ids": sorted(q.query_id for q in tuning.split.held_out),
        "split_rule": SPLIT_RULE, "training_queries": len(tuning.split.training),
        "withheld_training_queries": tuning.split.withheld, "query_pairs": tuning.query_pairs,
        "co_purchase_pairs": tuning.co_purchase_pairs,
        "withheld_co_purchase_pairs": tuning.withheld_co_purchase_pairs,
        "steps": result.steps, "wall_seconds": round(result.wall_seconds, 1),
        "first_loss": result.losses[0] if result.losses else None,
        "last_loss": result.losses[-1] if result.losses else None, "losses": result.losses,
        "config": asdict(config),
    }
    (result.model / TUNING_CARD).write_text(json.dumps(card, indent=2))
    lines = [f"# {base.name}, tuned on {data.name}", "",
             "Trained by `shopwise finetune embedder` (sentence-transformers, MultipleNegativesRankingLoss "
             "with in-batch negatives) on intent-to-item pairs"
             f"{' and items bought together' if config.use_co_purchases else ''}.", "",
             f"Split: {SPLIT_RULE}. `shopwise eval retrieval --embedder` on {data.name} scores only the "
             f"{len(tuning.split.held_out)} held-out queries.", "", "| fact | value |", "| --- | --- |"]
    for key in ("base_model", "dataset", "dataset_fingerprint", "training_queries", "withheld_training_queries",
                "query_pairs", "co_purchase_pairs", "withheld_co_purchase_pairs", "steps", "wall_seconds",
                "first_loss", "last_loss"):
        lines.append(f"| {key} | {card[key]} |")
    (result.model / "README.md").write_text("\n".join(lines) + "\n")
    return card


def read_tuning_card(model: Path) -> dict | None:
    path = Path(model) / TUNING_CARD
    return json.loads(path.read_text()) if path.is_file() else None


def queries_to_evaluate(queries: list[EvalQuery], card: dict | None, fingerprint: str,
                        dataset: str) -> tuple[list[EvalQuery], str]:
    """The queries an honest evaluation may use with this embedder, and why.

    A model tuned on this very folder is scored on its held-out queries only; one tuned on another
    folder (or not tuned) on all of them. A folder of the same name whose content changed since
    tuning is refused: which of its queries the model saw can no longer be told.
    """
    from shopwise.errors import UserFacingError

    if card is None:
        return queries, "nothing: the index is built from items.jsonl only"
    if card.get("dataset_fingerprint") != fingerprint:
        if card.get("dataset") == dataset:
            raise UserFacingError(f"the embedder was tuned on an earlier version of {dataset}: tune it again "
                                  "on this folder, or evaluate it on another one")
        return queries, f"nothing: the embedder was tuned on other data ({card.get('dataset')})"
    held_out = set(card["held_out_query_ids"])
    kept = [q for q in queries if q.query_id in held_out]
    return kept, f"the embedder was tuned on this folder; only its {len(kept)} held-out queries are scored ({SPLIT_RULE})"


def run_embedder_tuning(folder: Path, out: Path, settings, config: EmbedderTuningConfig,
                        base: Path | None = None, show_progress: bool = True) -> dict:
    """The `finetune embedder` command: read the folder, split, train, write the model and its card."""
    from evals.queries import load_queries_if_any
    from profiles.dataset import load_catalog_dataset
    from retrieval.dataset_cache import dataset_fingerprint
    from retrieval.embeddings import resolve_model_path

    data = load_catalog_dataset(folder)
    queries = load_queries_if_any(folder)
    tuning = build_tuning_data(data, queries, config)
    log.info("%s: %d pairs (%d intent-item, %d co-purchase); %d queries held out",
             data.name, len(tuning.pairs), tuning.query_pairs, tuning.co_purchase_pairs, len(tuning.split.held_out))
    base = base or resolve_model_path(settings.embedder)
    # The split travels with the weights: a model folder without its card would be evaluated on
    # every query, the ones it learned included. So both are written aside and moved in together.
    out = Path(out)
    partial = out.with_name(out.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    result = tune_embedder(base, tuning.pairs, partial, config, show_progress)
    card = write_tuning_card(result, data, dataset_fingerprint(folder), tuning, base, config)
    shutil.rmtree(out, ignore_errors=True)
    partial.rename(out)
    return card
