"""Where each part of a store folder lives (`shopwise ingest DIR --store PATH`)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class StoreLayout:
    root: Path

    @property
    def chroma(self) -> Path:
        return self.root / "chroma"

    @property
    def lexical(self) -> Path:
        return self.root / "bm25"

    @property
    def rejects(self) -> Path:
        return self.root / "rejects.jsonl"

    @property
    def report(self) -> Path:
        return self.root / "ingest-report.json"

    @property
    def manifest(self) -> Path:
        return self.root / "manifest.json"

    def exists(self) -> bool:
        return self.manifest.is_file()
