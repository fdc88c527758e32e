"""`shopwise eval model`: the assistant's model on held-out `finetune data` examples, as base
zero-shot, few-shot (similar training examples in the prompt) and fine-tuned (LoRA adapter, and
each online version, asked as the assistant asks it: understanding with worked examples; also
`fine-tuned-bare`, the adapter on bare prompts), on four tasks:

- understanding: valid-JSON rate (parses and fits the `Constraints` schema) and constraint F1 over
  (field, value) pairs (the free-text `need` is left out);
- ranking: NDCG@10 of the target among its 20 candidates (one forward pass, letter verbalizer);
  optionally beside each model method's titles-hidden control (the same prompts with every
  candidate's title "N/A"): a method that scores the same there ranks by the list's order alone;
- explanation: faithfulness (every number and content word of the sentence is in the given facts);
- dialogue: share of replies that are a question offering at least one real catalog option.

Every generated reply is also written, with its request, the expected answer and its scores, to
`<report>.replies.jsonl` beside the report, so that a figure can be traced to the replies behind it.
"""

from __future__ import annotations

import json
import logging
import random
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

from pydantic import ValidationError

from agent.understanding.constraints import Constraints
from agent.understanding.llm_extraction import MAX_JSON_TOKENS
from evals.metrics import mean, ndcg_at
from evals.paired import compare_methods
from finetune.prompts import LABELS, hide_candidate_titles

log = logging.getLogger(__name__)
FINE_TUNED_BARE = "fine-tuned-bare"      # the adapter on bare prompts: what it learned without examples
TITLES_HIDDEN = " (titles hidden)"       # suffix of a method's titles-hidden ranking control
MAX_NEW_TOKENS = {"understanding": 96, "explanation": 64, "dialogue": 40}   # free decoding
_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_WORD = re.compile(r"[a-z][a-z']+")
# Connective words a faithful sentence may use beyond the facts (the explanation template's own words).
_FRAME = set("""a an the and or but of in on for to with by from as at is are be it its this that these those
has have had was were will can may might your you yours their they them which who what very also so just
rated out shoppers shopper reviewer reviewers says said say matches match interest interests great good nice
item product fits suit suits because like likes liked love loves would could should one""".split())


# -- request understanding -----------------------------------------------------------------------
def stop_at_json_end(text: str) -> str:
    """A reply that starts with a JSON object, cut right after that object's closing brace: a stop
    at the closing brace, so a model that keeps talking after the object still answered. Replies
    that do not start with `{` or never close it are returned unchanged (the agent's
    `first_json_object` is more lenient and also skips prose before the object)."""
    stripped = text.strip()
    if not stripped.startswith("{"):
        return stripped
    depth, in_string, escaped = 0, False, False
    for index, char in enumerate(stripped):
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0:
                return stripped[:index + 1]
    return stripped


def parse_constraints(text: str) -> Constraints | None:
    """The reply as `Constraints`, or None when it is not one JSON object of the schema (decoding
    stops at the object's closing brace, see `stop_at_json_end`)."""
    try:
        value = json.loads(stop_at_json_end(text))
    except (json.JSONDecodeError, ValueError):
        return None
    if not isinstance(value, dict):
        return None
    try:
        return Constraints.model_validate(value)
    except ValidationError:
        return None


def _fold(value) -> str:
    return " ".join(str(value).lower().split())


def constraint_pairs(constraints: Constraints) -> set[tuple[str, str]]:
    pairs: set[tuple[str, str]] = set()
    if constraints.category:
        pairs.add(("category", _fold(constraints.category)))
    for name in ("price_min", "price_max", "min_rating"):
        value = getattr(constraints, name)
        if value is not None:
            pairs.add((name, f"{float(value):g}"))
    pairs |= {("brand", _fold(b)) for b in constraints.brands}
    pairs |= {("exclude_brand", _fold(b)) for b in constraints.exclude_brands}
    pairs |= {(f"attribute:{_fold(k)}", _fold(v)) for k, v in constraints.attributes.items()}
    pairs |= {("soft", _fold(s)) for s in constraints.soft_preferences}
    return pairs


def pair_f1(predicted: set, gold: set) -> float:
    if not predicted and not gold:
        return 1.0
    overlap = len(predicted & gold)
    if overlap == 0:
        return 0.0
    precision, recall = overlap / len(predicted), overlap / len(gold)
    return 2 * precision * recall / (precision + recall)


def understanding_scores(reply: str, gold_json: str) -> tuple[bool, float]:
    """(valid JSON of the schema, constraint F1); an invalid reply counts as predicting nothing."""
    gold = constraint_pairs(Constraints.model_validate_json(gold_json))
    predicted = parse_constraints(reply)
    return predicted is not None, pair_f1(constraint_pairs(predicted) if predicted else set(), gold)


# -- ranking -------------------------------------------------------------------------------------
def ranking_ndcg(scores: Sequence[float], candidates: Sequence[str], target: str, k: int = 10) -> float:
    """NDCG@k of `target` when candidates are sorted by score (ties keep the listed order)."""
    order = sorted(range(len(candidates)), key=lambda i: -scores[i])
    return ndcg_at([candidates[i] for i in order], {target: 1.0}, k)


# -- explanation ---------------------------------------------------------------------------------
def faithfulness(sentence: str, source: str) -> tuple[bool, float]:
    """(faithful, support): support is the share of the sentence's numbers and content words found
    in the source; faithful means every number is there and at least 80% of content words are."""
    source_folded = source.lower()
    source_words = set(_WORD.findall(source_folded))
    numbers = _NUMBER.findall(sentence)
    words = [w.removesuffix("'s") for w in _WORD.findall(sentence.lower())]
    words = [w for w in words if w not in _FRAME and len(w) > 2]
    supported_numbers = [n for n in numbers if n in _NUMBER.findall(source)]
    supported_words = [w for w in words if w in source_words or w.rstrip("s") in source_words]
    claims = len(numbers) + len(words)
    if claims == 0:
        return False, 0.0                  # an empty or content-free reply explains nothing
    support = (len(supported_numbers) + len(supported_words)) / claims
    word_share = len(supported_words) / len(words) if words else 1.0
    return len(supported_numbers) == len(numbers) and word_share >= 0.8, support


# -- dialogue ------------------------------------------------------------------------------------
def grounded_question(reply: str, options: Sequence[str]) -> bool:
    folded = reply.lower()
    return "?" in reply and any(option.lower() in folded for option in options)


# -- running a method ----------------------------------------------------------------------------
RowValues = dict[str, list[float]]          # metric -> its value on each row, in the rows' order
PerRowScores = Sequence[dict[str, float]]   # one row's scores (metric -> value) per row


@dataclass(frozen=True)
class Method:
    name: str
    model: object                      # finetune.generation.LocalModel
    prompter: object | None = None     # FewShotPrompter for few-shot, None for zero-shot prompts
    # understanding is decoded freely (what the model learned) and constrained to the schema
    # (what the assistant does); the online gate only needs the first
    json_decodings: tuple[str, ...] = ("free", "constrained")
    # where generated replies are recorded (`record_replies`); None: not kept
    replies: list[dict] | None = field(default=None, compare=False)


def record_replies(method: Method, task: str, rows: list[dict], replies: Sequence[str],
                   scores: PerRowScores, decoding: str = "free") -> None:
    """Keep each reply with its request, the expected answer and its scores (when the method keeps them)."""
    if method.replies is None:
        return
    for number, (row, reply, row_scores) in enumerate(zip(rows, replies, scores)):
        method.replies.append({"method": method.name, "task": task, "decoding": decoding, "row": number,
                               "request": row["prompt"][-1]["content"], "expected": row["completion"][0]["content"],
                               "reply": reply, **row_scores})


def _chat(method: Method, row: dict) -> list[dict]:
    if method.prompter is None:
        return row["prompt"]
    return method.prompter.messages(row["task"], row["prompt"][-1]["content"], query=row["query"])


def evaluate_understanding(method: Method, rows: list[dict]) -> RowValues:
    """Free decoding (what the model learned) and schema-constrained decoding (what the assistant
    does: lm-format-enforcer in-process, `response_format` on vLLM, with the assistant's token budget;
    the constrained reply ends at the object's closing brace, so the budget only matters when it is long)."""
    chats = [_chat(method, r) for r in rows]
    results = {}
    decodings = {"free": ("", None, MAX_NEW_TOKENS["understanding"]),
                 "constrained": ("_constrained", Constraints.decoding_schema(), MAX_JSON_TOKENS)}
    for name in method.json_decodings:
        suffix, schema, budget = decodings[name]
        replies = method.model.generate(chats, budget, json_schema=schema)
        scored = [understanding_scores(reply, row["completion"][0]["content"]) for reply, row in zip(replies, rows)]
        results[f"valid_json_rate{suffix}"] = [float(v) for v, _ in scored]
        results[f"constraint_f1{suffix}"] = [f for _, f in scored]
        record_replies(method, "understanding", rows, replies,
                       [{"valid_json": float(v), "constraint_f1": f} for v, f in scored], name)
    return results


def evaluate_ranking(method: Method, rows: list[dict]) -> RowValues:
    metas = [json.loads(row["meta"]) for row in rows]
    labels = [list(LABELS[:len(meta["candidates"])]) for meta in metas]
    scores = method.model.label_scores([_chat(method, r) for r in rows], labels)
    return {"ranking_ndcg_at_10": [ranking_ndcg(s, m["candidates"], m["target"]) for s, m in zip(scores, metas)]}


def evaluate_ranking_titles_hidden(method: Method, rows: list[dict]) -> RowValues:
    """`evaluate_ranking` on the same rows with the candidates' titles hidden (`hide_candidate_titles`;
    few-shot keeps the worked examples chosen for the real request, which are selected by history)."""
    hidden = [{**row, "prompt": [*row["prompt"][:-1], {**row["prompt"][-1],
                                                        "content": hide_candidate_titles(row["prompt"][-1]["content"])}]}
              for row in rows]
    return evaluate_ranking(method, hidden)


def evaluate_explanation(method: Method, rows: list[dict]) -> RowValues:
    replies = method.model.generate([_chat(method, r) for r in rows], MAX_NEW_TOKENS["explanation"])
    scored = [faithfulness(reply, row["prompt"][-1]["content"]) for reply, row in zip(replies, rows)]
    record_replies(method, "explanation", rows, replies, [{"faithful": float(f), "support": v} for f, v in scored])
    return {"explanation_faithful_rate": [float(f) for f, _ in scored],
            "explanation_support": [s for _, s in scored]}


def evaluate_dialogue(method: Method, rows: list[dict]) -> RowValues:
    replies = method.model.generate([_chat(method, r) for r in rows], MAX_NEW_TOKENS["dialogue"])
    hits = [grounded_question(reply, json.loads(row["meta"])["options"]) for reply, row in zip(replies, rows)]
    record_replies(method, "dialogue", rows, replies, [{"grounded_question": float(h)} for h in hits])
    return {"dialogue_grounded_question_rate": [float(h) for h in hits]}


EVALUATORS = {"understanding": evaluate_understanding, "ranking": evaluate_ranking,
              "explanation": evaluate_explanation, "dialogue": evaluate_dialogue}


def sample_rows(dataset, task: str, limit: int, seed: int = 7) -> list[dict]:
    rows = [row for row in dataset if row["task"] == task]
    random.Random(seed).shuffle(rows)
    return rows[:limit]


def means(values: RowValues) -> dict[str, float]:
    return {metric: mean(row_values) for metric, row_values in values.items()}


def evaluate_method(method: Method, dataset, limit: int, tasks: Sequence[str] = tuple(EVALUATORS),
                    timings: dict[str, float] | None = None) -> dict[str, float]:
    """The method's mean metrics on up to `limit` held-out rows per task (see `evaluate_method_rows`)."""
    return means(evaluate_method_rows(method, dataset, limit, tasks, timings))


def evaluate_method_rows(method: Method, dataset, limit: int, tasks: Sequence[str] = tuple(EVALUATORS),
                         timings: dict[str, float] | None = None) -> RowValues:
    """The method's per-row metrics on up to `limit` held-out rows per task (the same rows for
    every method: `sample_rows` is seeded); `timings` (optional) receives
    `{method}_{task}_seconds_per_example` (wall time of the whole task over its rows)."""
    results: RowValues = {}
    for task in tasks:
        rows = sample_rows(dataset, task, limit)
        if rows:
            log.info("%s: %s on %d examples", method.name, task, len(rows))
            started = time.perf_counter()
            results.update(EVALUATORS[task](method, rows))
            if timings is not None:
                timings[f"{method.name}_{task}_seconds_per_example"] = round((time.perf_counter() - started) / len(rows), 3)
    return results


def random_ranking_ndcg(dataset, limit: int, seed: int = 7) -> list[float]:
    """The random-order reference on the same rows, per row (expected mean ~0.22 for 20 candidates)."""
    rng = random.Random(seed)
    rows = sample_rows(dataset, "ranking", limit)
    values = []
    for row in rows:
        meta = json.loads(row["meta"])
        values.append(ranking_ndcg([rng.random() for _ in meta["candidates"]], meta["candidates"], meta["target"]))
    return values


def listed_order_ndcg(dataset, limit: int) -> list[float]:
    """The first stage alone on the same rows, per row: candidates ranked in the order the prompt
    lists them (`DataConfig.candidate_order`), the reference the LLM re-ranks."""
    rows = sample_rows(dataset, "ranking", limit)
    values = []
    for row in rows:
        meta = json.loads(row["meta"])
        candidates = meta["candidates"]
        values.append(ranking_ndcg([-float(i) for i in range(len(candidates))], candidates, meta["target"]))
    return values


def gate_score(model, dataset, limit: int) -> dict[str, float]:
    """The online promotion gate: fine-tuned prompts on a fixed validation sample; the score is
    the mean of constraint F1 and ranking NDCG@10 (both in [0, 1], higher is better)."""
    metrics = evaluate_method(Method("gate", model, json_decodings=("free",)), dataset, limit,
                              tasks=("understanding", "ranking"))
    parts = [metrics[k] for k in ("constraint_f1", "ranking_ndcg_at_10") if k in metrics]
    return {**metrics, "gate_score": mean(parts)}


# -- the `shopwise eval model` command ---------------------------------------------------------------
def _cached_training_data(data_dir: Path, cache: Path, data_config) -> Path:
    from finetune.build import build_training_data
    from retrieval.dataset_cache import dataset_fingerprint

    from finetune.examples import DATA_FORMAT

    out = cache / f"data-{dataset_fingerprint(data_dir)}-{_config_key(data_config)}-f{DATA_FORMAT}"
    if not (out / "manifest.json").is_file():
        build_training_data(data_dir, out, data_config)
    return out


def _config_key(config) -> str:
    from dataclasses import asdict

    from finetune.examples import stable_hash

    return stable_hash(json.dumps(asdict(config), sort_keys=True, default=str))[:10]


def _cached_adapter(data: Path, base: Path, cache: Path, train_config, embedder) -> Path:
    from finetune.examples import stable_hash
    from finetune.train import train_from_data

    out = cache / f"adapter-{data.name}-{stable_hash(str(base))[:8]}-{_config_key(train_config)}"
    if not (out / "adapter_config.json").is_file():
        train_from_data(data, base, out, train_config, embedder=embedder)
    return out


def served_prompts(prompter, adapter: Path):
    """An adapter is asked the way the assistant asks it: understanding with worked examples (as
    many as it was trained with, else the assistant's default), the other tasks on bare prompts."""
    from finetune.train import served_understanding_shots

    return prompter.limited_to({"understanding": served_understanding_shots(adapter)})


def run_model_eval(data_dir: Path, json_out: Path, settings, *, base: Path | None = None,
                   adapter: Path | None = None, adapters_dir: Path | None = None, limit: int = 48,
                   train_config=None, data_config=None, methods: Sequence[str] = ("zero-shot", "few-shot", "fine-tuned"),
                   tasks: Sequence[str] = tuple(EVALUATORS), titles_hidden_control: bool = False) -> dict:
    """Build (or reuse) the training data and the adapter, evaluate every method, write the report;
    `titles_hidden_control` also ranks each model method's prompts with the titles hidden."""
    from agent.llm.model_files import resolve_model_dir
    from evals.report import write_eval_report
    from finetune.adapters import AdapterStore
    from finetune.build import load_split
    from retrieval.dataset_cache import dataset_fingerprint
    from finetune.config import DataConfig, TrainConfig
    from finetune.fewshot import FewShotPrompter
    from finetune.generation import LocalModel
    from finetune.train import adapter_worked_examples
    from retrieval.embeddings import build_embedder

    data_config = data_config or DataConfig()
    train_config = train_config or TrainConfig()
    base = resolve_model_dir(str(base) if base else None, settings.model_cache)
    cache = settings.cache_dir / "finetune"
    data = _cached_training_data(data_dir, cache, data_config)
    test = load_split(data, "test")
    if test is None:
        from shopwise.errors import UserFacingError
        raise UserFacingError(f"{data_dir} gave no held-out examples: it needs more items or events")
    per_row: dict[str, RowValues] = {}
    replies: list[dict] = []
    facts: dict[str, object] = {"base_model": base.name, "examples_per_task": limit,
                                "source_digest": dataset_fingerprint(data_dir)}
    if "ranking" in tasks:
        per_row["random"] = {"ranking_ndcg_at_10": random_ranking_ndcg(test, limit)}
        per_row["first-stage"] = {"ranking_ndcg_at_10": listed_order_ndcg(test, limit)}
        facts["candidate_order"] = data_config.candidate_order

    def measure(method: Method) -> None:
        """Score one method and write the report, so a long run that is stopped keeps what it measured."""
        per_row[method.name] = evaluate_method_rows(method, test, limit, tasks, facts)
        write(False)
        if titles_hidden_control and "ranking" in tasks:
            log.info("%s: ranking with the candidates' titles hidden", method.name)
            per_row[method.name + TITLES_HIDDEN] = evaluate_ranking_titles_hidden(
                method, sample_rows(test, "ranking", limit))
            write(False)

    def write(complete: bool) -> dict:
        tuned = [name for name in ("fine-tuned", FINE_TUNED_BARE) if name in per_row]
        comparisons = compare_methods(per_row, comparison_pairs(list(per_row)))
        payload = {"task": "model", "dataset": data_dir.name,
                   "default": tuned[0] if tuned else next(iter(per_row)),
                   "methods": {name: means(values) for name, values in per_row.items()}, **facts,
                   "comparisons": [c.as_dict() for c in comparisons], "per_row": per_row, "complete": complete}
        write_eval_report(json_out, payload)
        replies_path(json_out).write_text("".join(json.dumps(reply) + "\n" for reply in replies))
        return payload

    embedder = build_embedder(settings.embedder, settings.model_cache)
    prompter = FewShotPrompter.from_training_data(data, embedder)
    base_model = LocalModel.load(base)
    if "zero-shot" in methods:
        measure(Method("zero-shot", base_model, replies=replies))
    if "few-shot" in methods:
        measure(Method("few-shot", base_model, prompter, replies=replies))
    del base_model
    if "fine-tuned" in methods or FINE_TUNED_BARE in methods:
        adapter = adapter or _cached_adapter(data, base, cache, train_config, embedder)
        summary = adapter / "training_summary.json"
        trained = json.loads(summary.read_text()) if summary.is_file() else {}
        facts.update(train_steps=trained.get("steps"), train_wall_seconds=trained.get("wall_seconds"),
                     train_steps_per_second=trained.get("steps_per_second"),
                     adapter_worked_examples=adapter_worked_examples(adapter))
        tuned = LocalModel.load(base, adapter)
        if "fine-tuned" in methods:
            measure(Method("fine-tuned", tuned, served_prompts(prompter, adapter), replies=replies))
        if FINE_TUNED_BARE in methods:
            measure(Method(FINE_TUNED_BARE, tuned, replies=replies))
    if adapters_dir is not None:
        for version in AdapterStore(adapters_dir).versions():
            measure(Method(f"online-{version.name}", LocalModel.load(base, version.path),
                           served_prompts(prompter, version.path), replies=replies))
    return write(True)


def replies_path(json_out: Path) -> Path:
    """Where `run_model_eval` writes every generated reply: `<report>.replies.jsonl`."""
    return json_out.with_suffix(".replies.jsonl")


def comparison_pairs(names: Sequence[str]) -> list[tuple[str, str]]:
    """(method, baseline) pairs worth a paired test: each step of zero-shot -> few-shot ->
    fine-tuned against the one before and fine-tuned against zero-shot, every model method against
    the first stage it re-ranks (ranking only: the first stage has no other metric), and each
    online version against the fine-tuned adapter; each method against its titles-hidden control."""
    ladder = [name for name in ("zero-shot", "few-shot", "fine-tuned") if name in names]
    pairs = list(zip(ladder[1:], ladder[:-1]))
    if len(ladder) == 3:
        pairs.append(("fine-tuned", "zero-shot"))
    models = [name for name in names if name not in ("random", "first-stage") and not name.endswith(TITLES_HIDDEN)]
    pairs += [(name, "first-stage") for name in models if "first-stage" in names]
    pairs += [(name, "fine-tuned") for name in names if name.startswith("online-") and "fine-tuned" in names]
    pairs += [(name, name + TITLES_HIDDEN) for name in models if name + TITLES_HIDDEN in names]
    return pairs
