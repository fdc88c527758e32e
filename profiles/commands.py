"""CLI subcommands of `profiles/` (registered by shopwise.cli)."""

from __future__ import annotations


def register(groups) -> None:
    """Add this folder's subcommands to `groups.top`, `groups.eval` or `groups.bench`."""
