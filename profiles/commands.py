"""CLI subcommands of `profiles/` (registered by shopwise.cli):

    shopwise users import DIR            events, reviews, users of a dataset folder into the store
    shopwise users event USER ITEM       append one live event (online update)
    shopwise users erase USER            remove a shopper everywhere
    shopwise profile USER --data DIR     readable profile summary
    shopwise train ranker --data DIR     learn the personalised ranker
    shopwise recommend --user U --data DIR [--k 10] [--query "..."]
    shopwise eval next-item|rank --data DIR --json OUT
    shopwise bench recommend --data DIR --json OUT
"""

from __future__ import annotations

import argparse
from pathlib import Path


def register(groups) -> None:
    users = groups.top.add_parser("users", help="shoppers' events, reviews and erasure").add_subparsers(
        dest="users_command", metavar="ACTION", required=True)
    importer = users.add_parser("import", help="import events.jsonl, reviews.jsonl, users.jsonl of a dataset folder")
    importer.add_argument("data", type=Path)
    importer.set_defaults(handler=run_import)
    event = users.add_parser("event", help="append one live event")
    event.add_argument("user")
    event.add_argument("item")
    event.add_argument("--type", default="click", choices=("view", "click", "cart", "purchase", "rate"))
    event.add_argument("--value", type=float)
    event.set_defaults(handler=run_event)
    erase = users.add_parser("erase", help="remove a shopper from events, reviews, profiles, caches")
    erase.add_argument("user")
    erase.set_defaults(handler=run_erase)

    profile = groups.top.add_parser("profile", help="print a shopper's profile with its evidence")
    profile.add_argument("user")
    _data_argument(profile, required=True)
    profile.set_defaults(handler=run_profile)

    train = groups.top.add_parser("train", help="train models").add_subparsers(
        dest="train_command", metavar="MODEL", required=True)
    ranker = train.add_parser("ranker", help="sequential model + learned signal weights (time-based split)")
    _data_argument(ranker, required=True)
    ranker.set_defaults(handler=run_train_ranker)

    recommend = groups.top.add_parser("recommend", help="personalised recommendations with each signal's share")
    recommend.add_argument("--user")
    recommend.add_argument("--k", type=int, default=10)
    recommend.add_argument("--query", default="")
    recommend.add_argument("--prefer", action="append", default=[], help="soft preference (repeatable)")
    _data_argument(recommend, required=True)
    from retrieval.commands import add_filter_arguments

    add_filter_arguments(recommend)
    recommend.add_argument("--json", action="store_true", help="print JSON lines")
    recommend.set_defaults(handler=run_recommend)

    for name, helptext, handler in (("next-item", "leave-one-out by time over the full catalog", run_eval_next_item),
                                    ("rank", "rank the target among candidates.jsonl negatives", run_eval_rank)):
        suite = groups.eval.add_parser(name, help=helptext)
        _data_argument(suite, required=True)
        suite.add_argument("--json", type=Path, required=True)
        suite.add_argument("--methods", default="pop,item-knn,bm25-history,sasrec,shopwise")
        suite.set_defaults(handler=handler)

    bench = groups.bench.add_parser("recommend", help="profile update and recommendation latency")
    _data_argument(bench, required=True)
    bench.add_argument("--json", type=Path, required=True)
    bench.add_argument("--users", type=int, default=200, help="synthetic shoppers when the folder has no events")
    bench.add_argument("--requests", type=int, default=300)
    bench.set_defaults(handler=run_bench_recommend)


def _data_argument(parser: argparse.ArgumentParser, required: bool) -> None:
    parser.add_argument("--data", type=Path, required=required, help="dataset folder (DATA.md layout)")


def _limit_threads() -> None:
    import torch

    torch.set_num_threads(1)     # small models: extra threads only contend for the cores


def run_import(args, settings) -> int:
    from rich.console import Console

    from agent.ranking.runtime import import_folder
    from profiles.dataset import load_dataset
    from profiles.store import EventStore

    data = load_dataset(args.data, with_items=False)
    counts = import_folder(EventStore.from_settings(settings), data)
    Console(stderr=True).print(f"imported {counts['events']:,} events, {counts['reviews']:,} reviews, "
                               f"{counts['users']:,} users; {len(data.rejected):,} lines rejected")
    for rejected in data.rejected[:10]:
        Console(stderr=True).print(f"  {rejected.path.name}:{rejected.line}: {rejected.reason}")
    return 0


def run_event(args, settings) -> int:
    import time

    from profiles.records import Event
    from profiles.store import EventStore

    EventStore.from_settings(settings).add_event(Event(args.user, args.item, args.type, time.time(), None, args.value))
    return 0


def run_erase(args, settings) -> int:
    from rich.console import Console

    from agent.ranking.runtime import drop_models_trained_on
    from profiles.erasure import erase_user
    from profiles.store import EventStore

    removed = erase_user(EventStore.from_settings(settings), args.user)
    models = drop_models_trained_on(settings, args.user)
    Console(stderr=True).print(f"erased: {removed}; {len(models)} cached models trained on this shopper deleted")
    return 0


def run_profile(args, settings) -> int:
    from profiles.summary import print_profile

    _limit_threads()
    return print_profile(args.user, args.data, settings)


def run_train_ranker(args, settings) -> int:
    from rich.console import Console

    from agent.ranking.model import RankerTrainingConfig, train_ranking_model
    from agent.ranking.runtime import ranker_path, save_model
    from agent.ranking.item_space import build_item_space
    from profiles.dataset import load_dataset
    from retrieval.embeddings import build_embedder

    _limit_threads()
    data = load_dataset(args.data)
    space = build_item_space(data.items, build_embedder(settings.embedder, settings.model_cache),
                             settings.cache_dir, show_progress=True)
    model = train_ranking_model(space, data.events, RankerTrainingConfig(), held_out=0, show_progress=True)
    path = ranker_path(settings, args.data)
    save_model(model, path, data.events)
    console = Console(stderr=True)
    console.print(f"ranker saved to {path}; learned weights:")
    for name, weight in sorted(zip(model.combiner.names, model.combiner.weights), key=lambda p: -abs(p[1])):
        console.print(f"  {name:>18} {weight:+.3f}")
    return 0


def run_recommend(args, settings) -> int:
    import json

    from rich.console import Console
    from rich.table import Table

    from agent.ranking.runtime import build_runtime
    from retrieval.commands import filters_from_args

    _limit_threads()
    runtime = build_runtime(settings, args.data)
    ranked = runtime.recommend(args.user, args.k, args.query, filters_from_args(args), tuple(args.prefer))
    if args.json:
        for entry in ranked:
            print(json.dumps({"item_id": entry.item.item_id, "title": entry.item.title, "score": entry.score,
                              "contributions": entry.contributions}))
        return 0
    signals = list(dict.fromkeys(s for entry in ranked for s in entry.contributions))
    table = Table(title=f"top {len(ranked)} for {'an anonymous shopper' if not args.user else args.user}"
                        + (f", query {args.query!r}" if args.query else ""))
    for column in ("#", "item", "title", "score", *signals):
        table.add_column(column.replace("_", " "), no_wrap=column == "title", max_width=44 if column == "title" else None)
    for rank, entry in enumerate(ranked, 1):
        table.add_row(str(rank), entry.item.item_id, entry.item.title[:44], f"{entry.score:+.2f}",
                      *(f"{entry.contributions.get(s, 0.0):+.2f}" for s in signals))
    console = Console()
    if not console.is_terminal:
        console = Console(width=220)
    console.print(table)
    return 0


def run_eval_next_item(args, settings) -> int:
    from evals.recommend_suites import run_suite

    _limit_threads()
    return run_suite("next-item", args.data, args.json, settings, _methods(args.methods))


def run_eval_rank(args, settings) -> int:
    from evals.recommend_suites import run_suite

    _limit_threads()
    return run_suite("rank", args.data, args.json, settings, _methods(args.methods))


def _methods(text: str) -> tuple[str, ...]:
    from evals.recommend_methods import METHODS
    from shopwise.errors import UserFacingError

    methods = tuple(m.strip() for m in text.split(",") if m.strip())
    unknown = [m for m in methods if m not in METHODS]
    if unknown or not methods:
        raise UserFacingError(f"unknown methods {unknown}: choose from {', '.join(METHODS)}")
    return methods


def run_bench_recommend(args, settings) -> int:
    from evals.recommend_bench import run_bench

    _limit_threads()
    return run_bench(args.data, args.json, settings, args.users, args.requests)
