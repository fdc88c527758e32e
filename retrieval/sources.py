"""Finding the catalog files in a dataset folder and turning their lines into items.

Two layouts are understood: the dataset folder of DATA.md (`items.jsonl[.gz]`) and Amazon
Reviews 2023 (`meta_<Category>.jsonl[.gz]`). A folder may hold several catalog files; their
items are read in a stable order (sorted names) so that "first occurrence wins" is repeatable.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

from retrieval.amazon import meta_to_item_fields
from retrieval.catalog import Item, RecordError, parse_item
from retrieval.jsonl import read_lines

NATIVE_ITEMS = ("items.jsonl", "items.jsonl.gz")


@dataclass(frozen=True)
class CatalogFile:
    path: Path
    layout: str              # "native" | "amazon-meta"

    def to_fields(self, raw) -> dict:
        return raw if self.layout == "native" else meta_to_item_fields(raw)


@dataclass(frozen=True)
class ParsedLine:
    path: Path
    line: int
    item: Item | None = None
    error: str | None = None
    notes: tuple[str, ...] = ()
    size: int = 0


def find_catalog_files(source: Path) -> list[CatalogFile]:
    """Catalog files in `source` (a dataset folder or a single file), or [] if there are none."""
    if source.is_file():
        layout = "amazon-meta" if source.name.startswith("meta_") else "native"
        return [CatalogFile(source, layout)]
    files = [CatalogFile(source / name, "native") for name in NATIVE_ITEMS if (source / name).is_file()]
    files += [CatalogFile(path, "amazon-meta") for path in sorted(source.glob("meta_*.jsonl*"))
              if path.name.endswith((".jsonl", ".jsonl.gz"))]
    return files


def parse_catalog_file(catalog_file: CatalogFile, start_line: int = 1,
                       parse: Callable[..., Item] = parse_item) -> Iterator[ParsedLine]:
    """Every line of one catalog file as an item or an error; never raises on bad data."""
    for line in read_lines(catalog_file.path, start_line):
        if line.error is not None:
            yield ParsedLine(line.path, line.number, error=line.error, size=line.size)
            continue
        notes: list[str] = []
        try:
            item = parse(catalog_file.to_fields(line.value), notes)
        except RecordError as error:
            yield ParsedLine(line.path, line.number, error=str(error), size=line.size)
            continue
        yield ParsedLine(line.path, line.number, item=item, notes=tuple(notes), size=line.size)
