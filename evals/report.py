"""Writing benchmark and evaluation results: JSON for scripts, Markdown and PNG for people.

Evaluation suites share one schema: {"task", "dataset", "default", "methods": {method: {metric:
value}}, ...extra}. Speed benchmarks write flat JSON with self-explaining keys. Every writer puts a
`.md` table and a `.png` chart beside the JSON.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Mapping


def _markdown_table(methods: Mapping[str, Mapping[str, float]], default: str | None) -> str:
    metrics = list(dict.fromkeys(m for values in methods.values() for m in values))
    lines = ["| method | " + " | ".join(metrics) + " |", "| --- |" + " ---: |" * len(metrics)]
    for name, values in methods.items():
        label = f"**{name}** (default)" if name == default else name
        cells = [f"{values[m]:.4f}" if isinstance(values.get(m), (int, float)) else "" for m in metrics]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _comparisons_table(comparisons: list[dict]) -> str:
    """Paired differences (evals.paired): method minus baseline on the same rows, 95% interval."""
    lines = ["## Paired differences (same rows, 95% bootstrap interval)", "",
             "| metric | method | baseline | rows | difference | 95% interval | verdict |",
             "| --- | --- | --- | ---: | ---: | --- | --- |"]
    for c in comparisons:
        lines.append(f"| {c['metric']} | {c['method']} | {c['baseline']} | {c['rows']} | {c['mean_difference']:+.4f} "
                     f"| [{c['ci95_low']:+.4f}, {c['ci95_high']:+.4f}] | {c['verdict']} |")
    return "\n".join(lines)


def _bar_chart(path: Path, methods: Mapping[str, Mapping[str, float]], title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    metrics = list(dict.fromkeys(m for values in methods.values() for m in values))
    width = 0.8 / max(len(methods), 1)
    figure, axes = plt.subplots(figsize=(max(6, 1.6 * len(metrics)) + 2, 4))    # + room for the legend
    positions = np.arange(len(metrics))
    for offset, (name, values) in enumerate(methods.items()):
        heights = [float(values.get(m, 0.0) or 0.0) for m in metrics]
        bars = axes.bar(positions + offset * width, heights, width, label=name)
        axes.bar_label(bars, fmt="%.3f", fontsize=7, rotation=90, padding=2)
    axes.set_xticks(positions + width * (len(methods) - 1) / 2, metrics)
    axes.set_title(title)
    axes.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1))     # beside the bars, never on them
    axes.margins(y=0.2)
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    plt.close(figure)


def write_eval_report(json_path: Path, payload: dict) -> tuple[Path, Path]:
    """Write an evaluation result (task/dataset/default/methods schema) as JSON, Markdown and PNG."""
    json_path.parent.mkdir(parents=True, exist_ok=True)
    json_path.write_text(json.dumps(payload, indent=2))
    title = f"{payload['task']} on {payload['dataset']}"
    if isinstance(payload.get("queries"), int):
        title += f" ({payload['queries']} queries)"
    md_path, png_path = json_path.with_suffix(".md"), json_path.with_suffix(".png")
    notes = "\n".join(f"- {key}: {value}" for key, value in payload.items()
                      if key not in {"task", "dataset", "default", "methods"} and not isinstance(value, (dict, list)))
    sections = [f"# {title}", _markdown_table(payload["methods"], payload.get("default")), notes]
    if payload.get("comparisons"):
        sections.append(_comparisons_table(payload["comparisons"]))
    md_path.write_text("\n\n".join(sections) + "\n")
    _bar_chart(png_path, payload["methods"], title)
    return md_path, png_path


def write_bench_report(json_path: Path, figures: dict, title: str,
                       chart: Mapping[str, Mapping[str, float]] | None = None) -> tuple[Path, Path]:
    """Write flat benchmark figures as JSON and a Markdown list, with a chart of `chart` groups."""
    json_path.parent.mkdir(parents=True, exist_ok=True)
    json_path.write_text(json.dumps(figures, indent=2))
    md_path, png_path = json_path.with_suffix(".md"), json_path.with_suffix(".png")
    rows = "\n".join(f"| {key} | {value:.3f} |" if isinstance(value, float) else f"| {key} | {value} |"
                     for key, value in figures.items())
    md_path.write_text(f"# {title}\n\n| figure | value |\n| --- | ---: |\n{rows}\n")
    numbers = {k: v for k, v in figures.items() if isinstance(v, (int, float)) and not isinstance(v, bool)}
    _bar_chart(png_path, chart or {"figures": numbers}, title)
    return md_path, png_path
