"""CLI subcommands of `finetune/` (registered by shopwise.cli): `finetune data|train|merge|online|
rollback|versions` and `eval model`. Heavy imports stay inside the handlers."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

EVAL_TASKS = ("understanding", "ranking", "explanation", "dialogue")   # evals.model_eval.EVALUATORS


def _threads(args) -> None:
    """Fewer torch threads than cores is faster when other jobs share the CPU (measured: 1 thread
    ran generation ~7x faster than 2 on a loaded 2-core machine)."""
    if getattr(args, "threads", None):
        import torch

        torch.set_num_threads(args.threads)


def _train_config(args):
    from finetune.config import LoraSettings, TrainConfig

    return TrainConfig(max_steps=args.max_steps, batch_size=args.batch_size, learning_rate=args.learning_rate,
                       max_length=args.max_length, lora=LoraSettings(r=args.lora_r, alpha=2 * args.lora_r,
                                                                    target_modules=args.lora_modules),
                       device=args.device, gradient_checkpointing=not args.no_gradient_checkpointing,
                       worked_examples=args.worked_examples, task_shares=args.task_shares)


def parse_task_shares(text: str) -> tuple[tuple[str, float], ...] | None:
    """`understanding=0.5,ranking=0.2,...` -> (("understanding", 0.5), ...); "data" -> None (the
    data's own proportions)."""
    if text.strip() == "data":
        return None
    shares = []
    for part in text.split(","):
        task, _, share = part.partition("=")
        if task.strip() not in EVAL_TASKS:
            raise argparse.ArgumentTypeError(f"unknown task {task.strip()!r}: choose from {', '.join(EVAL_TASKS)}")
        try:
            shares.append((task.strip(), float(share)))
        except ValueError:
            raise argparse.ArgumentTypeError(f"{part!r} is not TASK=SHARE") from None
    return tuple(shares)


def _add_train_flags(parser: argparse.ArgumentParser, steps: int) -> None:
    from finetune.config import TrainConfig

    defaults = TrainConfig()
    parser.add_argument("--base", help="base model folder (default: the bundled SmolLM2-135M-Instruct)")
    parser.add_argument("--max-steps", type=int, default=steps)
    parser.add_argument("--batch-size", type=int, default=defaults.batch_size)
    parser.add_argument("--learning-rate", type=float, default=defaults.learning_rate)
    parser.add_argument("--max-length", type=int, default=defaults.max_length)
    parser.add_argument("--lora-r", type=int, default=defaults.lora.r)
    parser.add_argument("--lora-modules", type=lambda text: tuple(m.strip() for m in text.split(",") if m.strip()),
                        default=defaults.lora.target_modules,
                        help="comma-separated module names LoRA adapts (e.g. q_proj,v_proj), or all-linear")
    parser.add_argument("--worked-examples", type=int, default=defaults.worked_examples,
                        help="similar training requests before each understanding prompt, as the assistant asks")
    parser.add_argument("--task-shares", type=parse_task_shares, default=defaults.task_shares,
                        help="share of each task among the training rows, e.g. understanding=0.5,ranking=0.2,"
                             "explanation=0.2,dialogue=0.1; 'data' keeps the data's own proportions")
    parser.add_argument("--device", choices=("auto", "cpu", "cuda"), default="auto")
    parser.add_argument("--no-gradient-checkpointing", action="store_true")
    parser.add_argument("--threads", type=int, help="torch CPU threads (default: torch's choice)")


def _data(args, settings) -> int:
    from finetune.build import build_training_data

    from finetune.config import DataConfig

    manifest = build_training_data(Path(args.data), Path(args.out), DataConfig(candidate_order=args.candidate_order),
                                   hold_out_newest_events=args.hold_out_events)
    print(json.dumps(manifest["counts"], indent=2))
    return 0


def _train(args, settings) -> int:
    from agent.llm.model_files import resolve_model_dir
    from finetune.build import read_manifest
    from finetune.train import merge_adapter, train_from_data

    _threads(args)
    data = Path(args.data)
    read_manifest(data)
    base = resolve_model_dir(args.base, settings.model_cache)
    config = _train_config(args)
    embedder = None
    if config.worked_examples:
        from retrieval.embeddings import build_embedder

        embedder = build_embedder(settings.embedder, settings.model_cache)
    result = train_from_data(data, base, Path(args.out), config, embedder=embedder)
    print(f"adapter written to {result.adapter}: {result.steps} steps in {result.wall_seconds:.0f} s "
          f"({result.steps_per_second:.3f} steps/s), loss {result.losses[0] if result.losses else float('nan'):.3f}"
          f" -> {result.losses[-1] if result.losses else float('nan'):.3f}")
    if args.merge_to:
        merge_adapter(base, result.adapter, Path(args.merge_to))
        print(f"merged model written to {args.merge_to}")
    if args.adapters_dir:
        from finetune.online import register_initial

        version = register_initial(Path(args.adapters_dir), result.adapter, data)
        print(f"registered as {version.name} (current) in {args.adapters_dir}")
    return 0


def _merge(args, settings) -> int:
    from agent.llm.model_files import resolve_model_dir
    from finetune.train import merge_adapter

    merge_adapter(resolve_model_dir(args.base, settings.model_cache), Path(args.adapter), Path(args.out))
    print(f"merged model written to {args.out}")
    return 0


def _online(args, settings) -> int:
    from agent.llm.model_files import resolve_model_dir
    from finetune.config import OnlineConfig
    from finetune.hot_load import VLLMAdapterHost
    from finetune.online import run_online_round

    _threads(args)
    hosts = [VLLMAdapterHost(url) for url in args.vllm_url or ()]
    config = OnlineConfig(max_steps=args.max_steps, gate_examples=args.gate_examples, tolerance=args.tolerance,
                          max_new_examples=args.max_new_events)
    from retrieval.embeddings import build_embedder

    report = run_online_round(Path(args.adapters_dir), Path(args.data), Path(args.training_data),
                              resolve_model_dir(args.base, settings.model_cache), config, hosts=hosts,
                              adapter_name=args.adapter_name,
                              embedder=build_embedder(settings.embedder, settings.model_cache))
    print(json.dumps(report, indent=2))
    return 0


def _rollback(args, settings) -> int:
    from finetune.adapters import AdapterStore
    from finetune.hot_load import VLLMAdapterHost, hot_load

    version = AdapterStore(Path(args.adapters_dir)).rollback(args.to)
    print(f"current adapter is now {version.name}")
    for outcome in hot_load([VLLMAdapterHost(url) for url in args.vllm_url or ()], version.path, args.adapter_name):
        print(f"{outcome.host}: {'loaded' if outcome.ok else 'failed: ' + str(outcome.error)}")
    return 0


def _versions(args, settings) -> int:
    from finetune.adapters import AdapterStore

    store = AdapterStore(Path(args.adapters_dir))
    current = store.current()
    for version in store.versions():
        mark = "*" if current and version.name == current.name else " "
        print(f"{mark} {version.name} gate={version.gate_score} promoted={version.info.get('promoted')}")
    return 0


def _tune_embedder(args, settings) -> int:
    from retrieval.embedder_tuning import EmbedderTuningConfig, run_embedder_tuning

    config = EmbedderTuningConfig(epochs=args.epochs, learning_rate=args.learning_rate, held_out_fraction=args.held_out,
                                  seed=args.seed, use_co_purchases=args.co_purchases)
    card = run_embedder_tuning(args.data, args.out, settings, config, base=args.base)
    print(f"wrote {args.out}: {card['steps']} steps in {card['wall_seconds']} s, loss {card['first_loss']} -> "
          f"{card['last_loss']}; {len(card['held_out_query_ids'])} queries held out for "
          f"`shopwise --embedder {args.out} eval retrieval --data {args.data}`")
    return 0


def _eval_model(args, settings) -> int:
    from evals.model_eval import run_model_eval
    from finetune.config import DataConfig

    _threads(args)
    payload = run_model_eval(Path(args.data), Path(args.json), settings, base=Path(args.base) if args.base else None,
                             adapter=Path(args.adapter) if args.adapter else None,
                             adapters_dir=Path(args.adapters_dir) if args.adapters_dir else None,
                             limit=args.limit, train_config=_train_config(args), methods=tuple(args.methods),
                             data_config=DataConfig(candidate_order=args.candidate_order),
                             tasks=tuple(args.tasks), titles_hidden_control=args.titles_hidden_control)
    for method, metrics in payload["methods"].items():
        print(method, json.dumps({k: round(v, 4) for k, v in metrics.items()}))
    return 0


def _add_candidate_order_flag(parser) -> None:
    from finetune.config import CANDIDATE_ORDERS, DataConfig

    parser.add_argument("--candidate-order", choices=CANDIDATE_ORDERS, default=DataConfig.candidate_order,
                        help="how ranking prompts list the candidates: the first stage's order (history-match, "
                             "LlamaRec style) or shuffled")


def register(groups) -> None:
    from finetune.config import OnlineConfig

    finetune = groups.top.add_parser("finetune", help="training data, LoRA fine-tuning, online updates")
    sub = finetune.add_subparsers(dest="finetune_command", metavar="STEP", required=True)

    data = sub.add_parser("data", help="build supervised examples (HF datasets) from a dataset folder")
    data.add_argument("--data", required=True, help="dataset folder (items.jsonl, events.jsonl, ...)")
    data.add_argument("--out", required=True, help="output folder for train/validation/test datasets")
    data.add_argument("--hold-out-events", type=int, default=0,
                      help="leave the newest N events out, for online rounds to learn from later")
    _add_candidate_order_flag(data)
    data.set_defaults(handler=_data)

    train = sub.add_parser("train", help="LoRA SFT of the base model on `finetune data` output")
    train.add_argument("--data", required=True, help="a `finetune data` output folder")
    train.add_argument("--out", required=True, help="adapter folder to write")
    train.add_argument("--merge-to", help="also write base+adapter merged into this folder (for serving)")
    train.add_argument("--adapters-dir", help="register the adapter as the first current version here")
    _add_train_flags(train, steps=60)
    train.set_defaults(handler=_train)

    merge = sub.add_parser("merge", help="fold an adapter into the base model's weights")
    merge.add_argument("--adapter", required=True)
    merge.add_argument("--out", required=True)
    merge.add_argument("--base")
    merge.set_defaults(handler=_merge)

    online = sub.add_parser("online", help="learn from events newer than the current adapter; promote if not worse")
    online.add_argument("--adapters-dir", required=True, help="versioned adapter store")
    online.add_argument("--data", required=True, help="dataset folder whose events.jsonl has the new events")
    online.add_argument("--training-data", required=True, help="`finetune data` folder (replay and gate set)")
    online.add_argument("--base")
    online.add_argument("--max-steps", type=int, default=12)
    online.add_argument("--gate-examples", type=int, default=40)
    online.add_argument("--max-new-events", type=int, default=OnlineConfig.max_new_examples,
                        help="new events learned from in this round (the oldest first; the rest wait)")
    online.add_argument("--tolerance", type=float, default=0.0)
    online.add_argument("--vllm-url", action="append", help="hot-load a promoted adapter into this vLLM server")
    online.add_argument("--adapter-name", default="shopwise-lora", help="name the adapter is served under")
    online.add_argument("--threads", type=int)
    online.set_defaults(handler=_online)

    rollback = sub.add_parser("rollback", help="make the previous (or a named) adapter version current again")
    rollback.add_argument("--adapters-dir", required=True)
    rollback.add_argument("--to", help="version name (default: the one promoted before the current)")
    rollback.add_argument("--vllm-url", action="append")
    rollback.add_argument("--adapter-name", default="shopwise-lora")
    rollback.set_defaults(handler=_rollback)

    embedder = sub.add_parser("embedder", help="tune the search embedder on a folder's intents (held-out query split)")
    embedder.add_argument("--data", type=Path, required=True, help="dataset folder (queries.jsonl and/or sessions)")
    embedder.add_argument("--out", type=Path, required=True, help="sentence-transformers folder to write")
    embedder.add_argument("--base", type=Path, help="model to start from (default: the search embedder in use)")
    embedder.add_argument("--epochs", type=int, default=1)
    embedder.add_argument("--learning-rate", type=float, default=5e-5)
    embedder.add_argument("--held-out", type=float, default=0.2, help="fraction of queries kept out of training")
    embedder.add_argument("--seed", type=int, default=0)
    embedder.add_argument("--co-purchases", action="store_true", help="also train on items bought in one session")
    embedder.set_defaults(handler=_tune_embedder)

    versions = sub.add_parser("versions", help="list adapter versions")
    versions.add_argument("--adapters-dir", required=True)
    versions.set_defaults(handler=_versions)

    model = groups.eval.add_parser("model", help="zero-shot vs few-shot vs fine-tuned on held-out examples")
    model.add_argument("--data", required=True, help="dataset folder")
    model.add_argument("--json", required=True, help="result JSON (Markdown and PNG written beside it)")
    model.add_argument("--adapter", help="evaluate this adapter instead of training one with the recipe")
    model.add_argument("--adapters-dir", help="also evaluate every online version in this store")
    model.add_argument("--limit", type=int, default=48, help="held-out examples per task")
    model.add_argument("--methods", nargs="+", default=["zero-shot", "few-shot", "fine-tuned"],
                       choices=["zero-shot", "few-shot", "fine-tuned", "fine-tuned-bare"],
                       help="fine-tuned: the adapter asked as the assistant asks it (understanding with worked "
                            "examples); fine-tuned-bare: the adapter on bare prompts")
    model.add_argument("--tasks", nargs="+", default=list(EVAL_TASKS), choices=list(EVAL_TASKS),
                       help="tasks to evaluate (understanding and ranking carry the bars)")
    model.add_argument("--titles-hidden-control", action="store_true",
                       help="also rank each model method's prompts with every candidate's title hidden: a "
                            "method that scores the same there ranks by the list's order, not the items")
    _add_candidate_order_flag(model)
    _add_train_flags(model, steps=60)
    model.set_defaults(handler=_eval_model)
