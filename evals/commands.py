"""CLI: `shopwise eval retrieval`, `shopwise bench ingest`, `shopwise bench search`.

Each takes `--data DIR` (any dataset folder) and builds what it needs, caching the index by the
folder's content; `--json OUT` writes the figures, with a Markdown table and PNG chart beside.
"""

from __future__ import annotations

import json
from pathlib import Path

from rich.console import Console


def register(groups) -> None:
    retrieval = groups.eval.add_parser("retrieval", help="bm25 / dense / hybrid / shopwise on queries.jsonl")
    retrieval.add_argument("--data", type=Path, required=True, help="dataset folder with items and queries")
    retrieval.add_argument("--json", type=Path, help="write results here (+ .md and .png beside)")
    retrieval.add_argument("--methods", default="bm25,dense,hybrid,shopwise")
    retrieval.add_argument("--held-out-of", type=Path, metavar="MODEL",
                           help="score only the queries this tuned embedder held out (baselines on its split)")
    retrieval.set_defaults(handler=run_eval_retrieval)

    ingest = groups.bench.add_parser("ingest", help="catalog import speed, embedder alone as the ceiling")
    ingest.add_argument("--data", type=Path, required=True)
    ingest.add_argument("--json", type=Path)
    ingest.add_argument("--baseline-backend", default="torch", help="embedder backend timed beside (or 'none')")
    ingest.set_defaults(handler=run_bench_ingest)

    search = groups.bench.add_parser("search", help="search latency p50/p99 with and without filters")
    search.add_argument("--data", type=Path, required=True)
    search.add_argument("--json", type=Path)
    search.add_argument("--queries", type=int, default=300)
    search.set_defaults(handler=run_bench_search)

    api = groups.bench.add_parser("api", help="REST API under load: recommendations and chat items-first, 1 vs N clients")
    api.add_argument("--data", type=Path, required=True)
    api.add_argument("--json", type=Path, required=True)
    api.add_argument("--clients", type=int, default=20)
    api.add_argument("--seconds", type=float, default=20.0, help="length of each measured phase")
    api.add_argument("--users", type=int, default=200, help="synthetic shoppers when the folder has no events")
    api.set_defaults(handler=run_bench_api)


def _open_cached_index(folder: Path, settings):
    from retrieval.dataset_cache import cached_store
    from retrieval.embeddings import build_embedder
    from retrieval.service import open_index

    embedder = build_embedder(settings.embedder, settings.model_cache)
    return open_index(cached_store(folder, settings, embedder), settings, embedder=embedder)


def _print_figures(title: str, figures: dict) -> None:
    console = Console()
    console.print(f"[bold]{title}[/]")
    for key, value in figures.items():
        console.print(f"  {key:45s} {value:.3f}" if isinstance(value, float) else f"  {key:45s} {value}")


def run_eval_retrieval(args, settings) -> int:
    from evals.queries import load_queries
    from evals.report import write_eval_report
    from evals.retrieval_eval import dataset_name, evaluate_retrieval
    from retrieval.index import METHODS
    from shopwise.errors import UserFacingError

    methods = tuple(m.strip() for m in args.methods.split(",") if m.strip())
    unknown = set(methods) - set(METHODS)
    if unknown:
        raise UserFacingError(f"unknown methods {sorted(unknown)}; choose from {METHODS}")
    queries, learned = _honest_queries(args, settings, load_queries(args.data))
    index = _open_cached_index(args.data, settings)
    payload = evaluate_retrieval(index, queries, dataset_name(args.data), methods, learned=learned)
    table = {m: {k: round(v, 4) for k, v in r.items()} for m, r in payload["methods"].items()}
    _print_figures(f"retrieval on {payload['dataset']} ({len(queries)} queries)",
                   {f"{m} {k}": v for m, r in table.items() for k, v in r.items()})
    if "default_ndcg@10_over_bm25" in payload:
        Console().print(f"  default / bm25 NDCG@10 = {payload['default_ndcg@10_over_bm25']:.2f}x")
    if args.json:
        md, png = write_eval_report(args.json, payload)
        Console().print(f"wrote {args.json}, {md}, {png}")
    return 0


def _honest_queries(args, settings, queries):
    """The queries this run may score: a tuned embedder's held-out ones where it learned from this folder."""
    from evals.retrieval_eval import dataset_name
    from retrieval.dataset_cache import dataset_fingerprint
    from retrieval.embedder_tuning import queries_to_evaluate, read_tuning_card
    from retrieval.embeddings import resolve_model_path
    from shopwise.errors import UserFacingError

    fingerprint = dataset_fingerprint(args.data)
    card = read_tuning_card(resolve_model_path(settings.embedder))
    queries, learned = queries_to_evaluate(queries, card, fingerprint, dataset_name(args.data))
    if args.held_out_of:
        split_card = read_tuning_card(args.held_out_of)
        if split_card is None or split_card.get("dataset_fingerprint") != fingerprint:
            raise UserFacingError(f"{args.held_out_of} is not an embedder tuned on this folder "
                                  "(no shopwise_tuning.json for this content): it has no held-out split here")
        queries, _ = queries_to_evaluate(queries, split_card, fingerprint, dataset_name(args.data))
        learned += f"; scored on the {len(queries)} queries {args.held_out_of.name} held out"
    if not queries:
        raise UserFacingError("no query left to score: the tuned embedder held none of this folder's queries out")
    return queries, learned


def run_bench_ingest(args, settings) -> int:
    from evals.report import write_bench_report
    from evals.retrieval_bench import bench_ingest

    baseline = None if args.baseline_backend == "none" else args.baseline_backend
    figures = bench_ingest(args.data, settings, baseline_backend=baseline)
    _print_figures(f"ingest {figures['dataset']}", figures)
    if args.json:
        speeds = {k: v for k, v in figures.items() if k.endswith("items_per_s")}
        write_bench_report(args.json, figures, f"ingest {figures['dataset']}", chart={"items/s": speeds})
    return 0


def run_bench_search(args, settings) -> int:
    from evals.report import write_bench_report
    from evals.retrieval_bench import bench_search

    index = _open_cached_index(args.data, settings)
    figures = bench_search(index, args.data, args.queries)
    _print_figures(f"search {figures['dataset']}", figures)
    if args.json:
        latencies = {k: v for k, v in figures.items() if k.endswith(("p50_ms", "p99_ms"))}
        write_bench_report(args.json, figures, f"search latency {figures['dataset']}", chart={"ms": latencies})
    return 0


def run_bench_api(args, settings) -> int:
    from evals.api_bench import run_api_bench

    return run_api_bench(args.data, args.json, settings, clients=args.clients, seconds=args.seconds, users=args.users)
