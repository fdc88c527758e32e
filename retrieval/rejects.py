"""The rejects report: every line that could not be used, with file, line number and reason."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import TextIO


class RejectsReport:
    """Appends one JSON line per rejected (or repaired) input line; counts reasons for a summary."""

    def __init__(self, path: Path):
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._handle: TextIO = open(path, "w", encoding="utf-8")
        self.rejected = 0
        self.repaired = 0
        self.reasons: Counter[str] = Counter()

    def reject(self, file: Path, line: int, reason: str) -> None:
        self.rejected += 1
        self.reasons[reason.split(":")[0]] += 1
        self._write({"file": str(file), "line": line, "status": "rejected", "reason": reason})

    def repair(self, file: Path, line: int, notes: tuple[str, ...]) -> None:
        self.repaired += 1
        self._write({"file": str(file), "line": line, "status": "imported with repairs", "reason": "; ".join(notes)})

    def _write(self, record: dict) -> None:
        self._handle.write(json.dumps(record, ensure_ascii=False) + "\n")

    def close(self) -> None:
        self._handle.close()

    def __enter__(self) -> "RejectsReport":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
