"""Evaluation and benchmark runs on disk: the JSON that `shopwise eval ...` / `shopwise bench ...`
write, with the Markdown table and PNG chart beside it (evals/report.py).

The page lists what a scan of the report folders found and opens runs by their position in that
list, never by a path typed in the browser.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path

MAX_REPORTS = 200


@dataclass(frozen=True)
class ReportRun:
    json_path: Path
    kind: str              # eval | bench
    title: str
    modified: float

    @property
    def markdown_path(self) -> Path:
        return self.json_path.with_suffix(".md")

    @property
    def chart_path(self) -> Path:
        return self.json_path.with_suffix(".png")

    def label(self) -> str:
        when = time.strftime("%Y-%m-%d %H:%M", time.gmtime(self.modified))
        return f"{self.kind}: {self.title} ({self.json_path.name}, {when})"


def default_report_dirs(settings, cwd: Path | None = None, extra: list[Path] = ()) -> list[Path]:
    """Where runs are written: the README's `var/eval` and `var/bench` (beside the working directory
    and beside the Shopwise home), `<home>/reports`, and any folders given."""
    cwd = cwd or Path.cwd()
    home = Path(settings.home)
    candidates = [*extra, cwd / "var" / "eval", cwd / "var" / "bench", home / "reports",
                  home.parent / "var" / "eval", home.parent / "var" / "bench"]
    return list(dict.fromkeys(p.resolve() for p in candidates))


def _title(json_path: Path, payload) -> str:
    md = json_path.with_suffix(".md")
    if md.is_file():
        first = md.read_text(encoding="utf-8", errors="replace").lstrip().splitlines()[:1]
        if first and first[0].startswith("#"):
            return first[0].lstrip("# ").strip()
    if isinstance(payload, dict) and "task" in payload:
        return f"{payload['task']} on {payload.get('dataset', '?')}"
    return json_path.stem


def find_reports(folders: list[Path]) -> list[ReportRun]:
    """Runs under the folders (one level of subfolders too), newest first. A JSON counts as a run
    when a Markdown table or a PNG chart of the same name sits beside it."""
    runs = []
    for folder in folders:
        if not folder.is_dir():
            continue
        for json_path in sorted([*folder.glob("*.json"), *folder.glob("*/*.json")]):
            if not (json_path.with_suffix(".md").is_file() or json_path.with_suffix(".png").is_file()):
                continue
            try:
                payload = json.loads(json_path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue
            kind = "eval" if isinstance(payload, dict) and "methods" in payload else "bench"
            runs.append(ReportRun(json_path, kind, _title(json_path, payload), json_path.stat().st_mtime))
    runs = list({r.json_path: r for r in runs}.values())
    return sorted(runs, key=lambda r: -r.modified)[:MAX_REPORTS]


def report_markdown(run: ReportRun) -> str:
    """The run's Markdown table, or a table built from its JSON when the .md is missing."""
    if run.markdown_path.is_file():
        return run.markdown_path.read_text(encoding="utf-8", errors="replace")
    payload = json.loads(run.json_path.read_text(encoding="utf-8"))
    if not isinstance(payload, dict):
        return "(no table)"
    rows = "\n".join(f"| {k} | {v} |" for k, v in payload.items() if not isinstance(v, (dict, list)))
    return f"# {run.title}\n\n| figure | value |\n| --- | ---: |\n{rows}\n"
