"""A turn's trace for the customer-service console, read from its TurnRecord step records:
understood constraints, candidates with every signal's contribution, timings."""

from __future__ import annotations

from html import escape

from agent.turn.steps import TurnRecord
from ui.web.chips import chips
from ui.web.why import HIDDEN_SIGNALS, signal_name

TIMING_LABELS = (("items_ready_s", "items ready"), ("first_text_s", "first text"),
                 ("first_model_token_s", "first model token"), ("first_explanation_s", "first explanation"),
                 ("total_s", "whole turn"))


def _seconds(value: float | None) -> str:
    return "–" if value is None else f"{value * 1000:.0f} ms" if value < 1 else f"{value:.2f} s"


def understanding_html(record: TurnRecord) -> str:
    step = record.understanding
    labels = [c.label for c in chips(step.constraints)]
    parts = [f"<b>kind</b> {escape(step.kind)}" + (f" ({escape(step.followup)})" if step.followup else "")]
    if step.constraints.get("need"):
        parts.append(f"<b>need</b> {escape(str(step.constraints['need']))}")
    parts.append("<b>constraints</b> " + (", ".join(f'<span class="sw-chip-ro">{escape(l)}</span>' for l in labels)
                                           or "none"))
    if step.query:
        parts.append(f"<b>search query</b> {escape(step.query)}")
    if step.matched_phrases:
        parts.append("<b>matched</b> " + escape(", ".join(step.matched_phrases)))
    if step.llm_status != "off":
        parts.append(f"<b>LLM extraction</b> {escape(step.llm_status)}")
    parts += [f"<i>{escape(note)}</i>" for note in step.notes]
    return "<div class='sw-trace-understanding'>" + "<br>".join(parts) + "</div>"


def ranking_table(record: TurnRecord, catalog: dict) -> str:
    ranking = record.ranking
    if ranking is None or not ranking.item_ids:
        return "<p class='sw-muted'>No items ranked in this turn.</p>"
    signals = list(dict.fromkeys(s for parts in ranking.contributions for s in parts if s not in HIDDEN_SIGNALS))
    head = "".join(f"<th title='{escape(s, quote=True)}'>{escape(signal_name(s))}</th>" for s in signals)
    rows = []
    for position, (item_id, score, parts) in enumerate(zip(ranking.item_ids, ranking.scores, ranking.contributions), 1):
        item = catalog.get(item_id)
        title = item.title[:60] if item is not None else item_id
        cells = "".join(f"<td>{parts[s]:+.3f}</td>" if isinstance(parts.get(s), (int, float)) else "<td></td>"
                        for s in signals)
        rows.append(f"<tr data-item-id='{escape(item_id, quote=True)}'><td>{position}</td><td>{escape(title)}"
                    f"<br><small>{escape(item_id)}</small></td><td>{score:.3f}</td>{cells}</tr>")
    dropped = ""
    if ranking.dropped:
        dropped = "<p class='sw-muted'>dropped by the item guard: " + escape(
            ", ".join(f"{i} ({why})" for i, why in ranking.dropped[:10])) + "</p>"
    return (f"<p><b>ranker</b> {escape(ranking.ranker)}</p><div class='sw-scroll'><table class='sw-table'>"
            f"<thead><tr><th>#</th><th>item</th><th>score</th>{head}</tr></thead><tbody>{''.join(rows)}"
            f"</tbody></table></div>{dropped}")


def retrieval_html(record: TurnRecord) -> str:
    step = record.retrieval
    if step is None:
        return ""
    sources = ", ".join(f"{escape(name)} {count}" for name, count in step.by_source.items())
    filters = "; ".join(f"{escape(k)}={escape(_value(v))}" for k, v in step.filters.items()) or "none"
    failed = f"; <b>failed</b> {escape(', '.join(step.failed_sources))}" if step.failed_sources else ""
    return (f"<p><b>candidates</b> {step.candidates} ({sources}); <b>filters</b> {filters}{failed}; "
            f"{_seconds(step.seconds)}</p>")


def _value(value) -> str:
    """A filter's value as read: ("Velo", "Kestrel") -> Velo, Kestrel; (("waterproof", True),) -> waterproof: True."""
    if isinstance(value, (list, tuple)):
        if value and all(isinstance(v, (list, tuple)) and len(v) == 2 for v in value):
            return ", ".join(f"{k}: {v}" for k, v in value)
        return ", ".join(_value(v) for v in value)
    return str(value)


def timings_html(record: TurnRecord) -> str:
    timings = record.timings
    parts = [f"{label} {_seconds(getattr(timings, name))}" for name, label in TIMING_LABELS]
    generation = record.generation
    if generation is not None:
        parts.append(f"model {escape(generation.model or 'none')}: {generation.model_sentences} sentences kept, "
                     f"{generation.replaced_sentences} replaced")
        if generation.fallback_reason:
            parts.append(f"fallback: {escape(generation.fallback_reason)}")
    return "<p class='sw-timings'><b>timings</b> " + " · ".join(parts) + "</p>"


def trace_html(record: TurnRecord, catalog: dict, message: str | None = None) -> str:
    said = f" — “{escape(message[:120])}”" if message else ""
    return (f"<details class='sw-trace' open><summary><b>Turn {record.turn}</b>{said} · {escape(record.outcome)} · "
            f"{_seconds(record.timings.total_s)}</summary>{understanding_html(record)}{retrieval_html(record)}"
            f"{ranking_table(record, catalog)}{timings_html(record)}</details>")


def traces_html(turns: list[tuple[str, TurnRecord]], catalog: dict) -> str:
    """Every turn of the console's session, newest first."""
    if not turns:
        return "<p class='sw-muted'>Ask on the customer's behalf to see each turn's trace here.</p>"
    return "".join(trace_html(record, catalog, message) for message, record in reversed(turns))
