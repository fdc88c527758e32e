"""CLI: `shopwise eval ...` and `shopwise bench ...` suites registered here."""

from __future__ import annotations


def register(groups) -> None:
    pass
