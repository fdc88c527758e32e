"""`shopwise profile USER`: the fused profile in words, each part with its evidence."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

from rich.console import Console

from shopwise.errors import UserFacingError


def describe(profile, catalog: dict) -> list[str]:
    lines = [f"{profile.events} events"
             + (f", last {datetime.fromtimestamp(profile.last_ts, timezone.utc):%Y-%m-%d}" if profile.last_ts else "")]
    if profile.is_cold:
        lines.append("cold start: recommendations come from the conversation and popularity")
    for title, tally in (("categories", profile.categories), ("brands", profile.brands)):
        shares = tally.shares(5)
        if shares:
            lines.append(f"top {title}: " + ", ".join(f"{name} ({share:.0%})" for name, share in shares))
    band = profile.price.band()
    if band:
        lines.append(f"price band: {band[0]:.2f} - {band[2]:.2f} (typical {band[1]:.2f})")
    items = profile.items.shares(3)
    if items:
        lines.append("strongest items: " + "; ".join(
            f"{catalog[i].title[:50] if i in catalog else i} ({share:.0%})" for i, share in items))
    for opinion in profile.aspects[:8]:
        item_id, sentence = opinion.evidence[0]
        lines.append(f"{opinion.stance} {opinion.aspect!r} ({opinion.mentions} mentions, polarity "
                     f"{opinion.polarity:+.2f}): \"{sentence[:120]}\" [{item_id}]")
    if profile.demographics:
        lines.append("demographics: " + ", ".join(f"{k}={v}" for k, v in profile.demographics.items()))
    if profile.stated:
        lines.append("stated preferences: " + ", ".join(f"{k}={v}" for k, v in profile.stated.items()))
    return lines


def print_profile(user_id: str, data_dir: Path, settings) -> int:
    from agent.ranking.item_space import build_item_space
    from agent.ranking.runtime import import_folder
    from profiles.dataset import load_dataset
    from profiles.review_model import build_review_lexicon
    from profiles.service import ProfileService
    from profiles.store import EventStore
    from retrieval.embeddings import build_embedder

    data = load_dataset(data_dir)
    store = EventStore.from_settings(settings)
    if not store.counts()["events"] and data.events:
        import_folder(store, data)
    if not store.knows(user_id):
        raise UserFacingError(f"no shopper {user_id!r} in the store: import a folder with `shopwise users import DIR`")
    embedder = build_embedder(settings.embedder, settings.model_cache)
    space = build_item_space(data.items, embedder, settings.cache_dir)
    lexicon, report = build_review_lexicon(store.all_reviews(), data.items, embedder, settings.cache_dir)
    service = ProfileService(store, data.items, lambda i: space.vectors[space.index[i]] if i in space.index else None,
                             lexicon)
    console = Console()
    console.print(f"[bold]profile of {user_id}[/]")
    for line in describe(service.profile(user_id), data.items):
        console.print("  " + line)
    if report is not None:
        console.print(f"  [dim](review sentiment model: accuracy {report.accuracy:.3f}, balanced "
                      f"{report.balanced_accuracy:.3f}, majority class {report.majority_accuracy:.3f})[/]")
    return 0
