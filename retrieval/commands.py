"""CLI: `shopwise ingest DIR --store PATH` and `shopwise search "QUERY" [filters]`."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from rich.console import Console
from rich.table import Table


def register(groups) -> None:
    ingest = groups.top.add_parser("ingest", help="import a catalog (dataset folder or Amazon Reviews 2023 files)")
    ingest.add_argument("source", type=Path, help="dataset folder, or a meta_<Category>.jsonl[.gz] file")
    ingest.add_argument("--store", type=Path, help="store folder (default: <home>/store)")
    ingest.add_argument("--json", type=Path, help="write the import report here as well")
    ingest.set_defaults(handler=run_ingest)

    search = groups.top.add_parser("search", help="hybrid product search with hard filters")
    search.add_argument("query")
    search.add_argument("--store", type=Path)
    search.add_argument("-k", type=int, default=10)
    search.add_argument("--method", default="shopwise", choices=("bm25", "dense", "hybrid", "shopwise"))
    add_filter_arguments(search)
    search.add_argument("--json", action="store_true", help="print hits as JSON lines")
    search.set_defaults(handler=run_search)


def add_filter_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--price-min", type=float)
    parser.add_argument("--price-max", type=float)
    parser.add_argument("--brand", action="append", default=[], help="keep only this brand (repeatable)")
    parser.add_argument("--exclude-brand", action="append", default=[], help="drop this brand (repeatable)")
    parser.add_argument("--category", action="append", default=[], help="any level of the category path")
    parser.add_argument("--min-rating", type=float)
    parser.add_argument("--attr", action="append", default=[], metavar="NAME=VALUE",
                        help="attribute equality, e.g. --attr colour=black --attr touchscreen=true")


def parse_attribute(text: str):
    if "=" not in text:
        raise argparse.ArgumentTypeError(f"--attr needs NAME=VALUE, got {text!r}")
    name, value = (part.strip() for part in text.split("=", 1))
    lowered = value.lower()
    if lowered in {"true", "yes"}:
        return name, True
    if lowered in {"false", "no"}:
        return name, False
    try:
        return name, float(value)
    except ValueError:
        return name, value


def filters_from_args(args: argparse.Namespace):
    from retrieval.filters import Filters
    from shopwise.errors import UserFacingError

    try:
        return Filters(price_min=args.price_min, price_max=args.price_max, brands=tuple(args.brand),
                       exclude_brands=tuple(args.exclude_brand), categories=tuple(args.category),
                       min_rating=args.min_rating,
                       attributes=tuple(parse_attribute(a) for a in args.attr))
    except (ValueError, argparse.ArgumentTypeError) as error:
        raise UserFacingError(str(error)) from error


def run_ingest(args, settings) -> int:
    from retrieval.service import ingest_into_store

    store = args.store or settings.default_store
    report = ingest_into_store(args.source, store, settings)
    console = Console(stderr=True)
    console.print(f"[bold]{report.items_imported:,}[/] items imported into {store} "
                  f"({report.items_embedded:,} embedded, {report.items_unchanged:,} unchanged) "
                  f"in {report.seconds:.1f} s, {report.items_per_s:.0f} items/s")
    if report.lines_rejected or report.lines_repaired:
        console.print(f"[yellow]{report.lines_rejected:,} lines rejected, {report.lines_repaired:,} repaired[/]: "
                      f"see {report.rejects_file}")
        for reason, count in list(report.reject_reasons.items())[:8]:
            console.print(f"  {count:>6,}  {reason}")
    if args.json:
        args.json.write_text(json.dumps(report.to_dict(), indent=2))
    return 0


def run_search(args, settings) -> int:
    from retrieval.service import open_index

    index = open_index(args.store or settings.default_store, settings)
    hits = index.search(args.query, filters_from_args(args), k=args.k, method=args.method)
    if args.json:
        for hit in hits:
            print(json.dumps({"item_id": hit.item_id, "title": hit.item.title, "score": hit.score,
                              "dense_score": hit.dense_score, "dense_rank": hit.dense_rank,
                              "lexical_score": hit.lexical_score, "lexical_rank": hit.lexical_rank,
                              "price": hit.item.price, "brand": hit.item.brand}))
        return 0
    table = Table(title=f"{len(hits)} results for {args.query!r} ({args.method})")
    for column in ("#", "item", "title", "brand", "price", "rating", "score", "dense", "bm25"):
        table.add_column(column)
    for rank, hit in enumerate(hits, 1):
        item = hit.item
        table.add_row(str(rank), item.item_id, item.title[:70], item.brand or "",
                      "" if item.price is None else f"{item.price:.2f}",
                      "" if item.rating is None else f"{item.rating:.1f}", f"{hit.score:.4f}",
                      _side(hit.dense_score, hit.dense_rank), _side(hit.lexical_score, hit.lexical_rank))
    Console().print(table)
    return 0


def _side(score, rank) -> str:
    return "-" if score is None else f"{score:.3f} (#{rank})"
