"""From CLI arguments to a ready assistant: which catalog (demo, --data, --store) and which model."""

from __future__ import annotations

import logging
from pathlib import Path

from agent.builder import build_assistant
from agent.explanation.reviews import ReviewSnippets
from agent.turn.assistant import ShoppingAssistant, TurnConfig
from shopwise.config import Settings
from shopwise.errors import UserFacingError

log = logging.getLogger(__name__)


def catalog_store(settings: Settings, data: Path | None, store: Path | None, embedder) -> tuple[Path, Path | None]:
    """(store folder, dataset folder for reviews): --store as is, --data or the demo catalog indexed once."""
    from retrieval.dataset_cache import cached_store
    from shopwise.demo.catalog import demo_dataset

    if store is not None:
        if not store.is_dir():
            raise UserFacingError(f"{store} is not a store folder: create one with `shopwise ingest DIR --store {store}`")
        return store, None
    folder = data if data is not None else demo_dataset(settings.home)
    if not folder.is_dir():
        raise UserFacingError(f"{folder} is not a dataset folder (it needs an items.jsonl)")
    return cached_store(folder, settings, embedder), folder


def services_from_args(args, settings: Settings):
    """The application's clients for the chat, demo and serve commands (see shopwise.services)."""
    from agent.commands import llm_config_from_args
    from shopwise.services import build_services

    return build_services(settings, data=args.data, store=args.store, llm=llm_config_from_args(args),
                          llm_understanding=args.llm_understanding, llm_ranking=args.llm_ranking,
                          items_shown=args.items)


def assistant_from_args(args, settings: Settings) -> ShoppingAssistant:
    return services_from_args(args, settings).assistant


def demo_users(settings: Settings, args) -> list[str]:
    """Shopper ids offered by the demo page: the dataset's users.jsonl (the demo's by default)."""
    import json

    from shopwise.demo.catalog import demo_dataset

    if args.store is not None:
        return []
    folder = args.data if args.data is not None else demo_dataset(settings.home)
    path = folder / "users.jsonl"
    if not path.is_file():
        return []
    users = []
    for line in path.read_text(encoding="utf-8").splitlines()[:50]:
        try:
            users.append(str(json.loads(line)["user_id"]))
        except (ValueError, KeyError, TypeError):
            continue
    return users
