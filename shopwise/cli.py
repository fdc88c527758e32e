"""The `shopwise` command: one entry point, subcommands registered by each concept's folder.

Each module in COMMAND_MODULES exposes `register(groups)` and adds its subcommands with a
`handler(args, settings) -> int`. Registration imports nothing heavy; handlers import what they
need when they run.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from dataclasses import dataclass, replace

from shopwise.config import EMBEDDER_BACKENDS, ChromaConfig, Settings
from shopwise.errors import UserFacingError

COMMAND_MODULES = (
    "retrieval.commands",
    "profiles.commands",
    "agent.commands",
    "finetune.commands",
    "ui.commands",
    "evals.commands",
)


@dataclass
class CommandGroups:
    """The subparser collections a module may add commands to."""

    top: argparse._SubParsersAction
    eval: argparse._SubParsersAction
    bench: argparse._SubParsersAction


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="shopwise", description=__doc__.splitlines()[0])
    parser.add_argument("--home", help="state folder (default $SHOPWISE_HOME or ~/.shopwise)")
    parser.add_argument("--embedder", help="sentence-transformers model path (default: bundled MiniLM)")
    parser.add_argument("--embedder-backend", choices=EMBEDDER_BACKENDS)
    parser.add_argument("--chroma-host", help="use a Chroma server instead of the embedded store")
    parser.add_argument("--chroma-port", type=int)
    parser.add_argument("-v", "--verbose", action="store_true")
    top = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    eval_group = top.add_parser("eval", help="offline evaluation suites").add_subparsers(
        dest="suite", metavar="SUITE", required=True)
    bench_group = top.add_parser("bench", help="speed benchmarks").add_subparsers(
        dest="bench", metavar="BENCH", required=True)
    groups = CommandGroups(top=top, eval=eval_group, bench=bench_group)
    for module_name in COMMAND_MODULES:
        importlib.import_module(module_name).register(groups)
    return parser


def settings_from_args(args: argparse.Namespace) -> Settings:
    settings = Settings.from_env()
    if args.home:
        from pathlib import Path
        settings = settings.with_overrides(home=Path(args.home).expanduser())
    embedder = settings.embedder
    if args.embedder:
        embedder = replace(embedder, model=args.embedder)
    if args.embedder_backend:
        embedder = replace(embedder, backend=args.embedder_backend)
    chroma = settings.chroma
    if args.chroma_host:
        chroma = ChromaConfig(host=args.chroma_host, port=args.chroma_port or chroma.port,
                              collection=chroma.collection)
    return settings.with_overrides(embedder=embedder, chroma=chroma)


def configure_logging(verbose: bool) -> None:
    logging.basicConfig(level=logging.DEBUG if verbose else logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for noisy in ("chromadb", "httpx", "urllib3", "sentence_transformers", "bm25s"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    configure_logging(args.verbose)
    settings = settings_from_args(args)
    try:
        return int(args.handler(args, settings) or 0)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except UserFacingError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
