"""Line-by-line JSONL reading that never stops at a bad line.

Each physical line becomes either a decoded value or a `LineError` with the reason; the caller
decides what a valid record is. `.jsonl` and `.jsonl.gz` read the same way.
"""

from __future__ import annotations

import gzip
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, Iterator

MAX_LINE_BYTES = 32 * 1024 * 1024


@dataclass(frozen=True)
class Line:
    path: Path
    number: int          # 1-based, as editors show it
    value: Any = None
    error: str | None = None
    size: int = 0        # bytes, for progress


def open_binary(path: Path) -> BinaryIO:
    return gzip.open(path, "rb") if path.name.endswith(".gz") else open(path, "rb")


def _decode(raw: bytes) -> tuple[Any, str | None]:
    if len(raw) > MAX_LINE_BYTES:
        return None, f"line is {len(raw):,} bytes, over the {MAX_LINE_BYTES:,}-byte limit"
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        return None, f"not valid UTF-8 (byte {error.start})"
    try:
        return json.loads(text), None
    except json.JSONDecodeError as error:
        return None, f"broken JSON: {error.msg} at column {error.colno}"
    except RecursionError:
        return None, "broken JSON: nested too deeply"


def read_lines(path: Path, start_line: int = 1) -> Iterator[Line]:
    """Yield every non-blank line of `path` from `start_line` on, decoded or with its error."""
    try:
        with open_binary(path) as handle:
            for number, raw in enumerate(handle, start=1):
                if number < start_line or not raw.strip():
                    continue
                value, error = _decode(raw.strip())
                yield Line(path=path, number=number, value=value, error=error, size=len(raw))
    except (OSError, EOFError, gzip.BadGzipFile) as error:
        # A truncated .gz still yields the lines before the damage.
        yield Line(path=path, number=0, error=f"file unreadable past this point: {error}")
