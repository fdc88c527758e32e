""""Why these": which signals counted for each shown item, in words (from RankedItem.contributions)."""

from __future__ import annotations

from html import escape

SIGNAL_NAMES = {
    "search_match": "matches your request",
    "match": "matches your request",
    "query_match": "close to what you asked",
    "constraint_fit": "fits your wishes",
    "preference": "fits your wishes",
    "profile_affinity": "fits your taste",
    "sequence": "follows what you looked at lately",
    "co_purchase": "goes with things you bought",
    "popularity": "popular with shoppers",
    "rating": "well rated",
    "llm": "the assistant's judgement",
}
HIDDEN_SIGNALS = frozenset({"cascade", "bought_before"})   # a stage offset and a flag, not evidence
MIN_SHARE = 0.05


def signal_name(signal: str) -> str:
    return SIGNAL_NAMES.get(signal, signal.replace("_", " "))


def signal_shares(contributions: dict[str, float]) -> list[tuple[str, float]]:
    """(humanised signal, share of the positive evidence), largest first; signals named alike add up."""
    positive: dict[str, float] = {}
    for signal, value in contributions.items():
        if signal in HIDDEN_SIGNALS or not isinstance(value, (int, float)) or value <= 0:
            continue
        name = signal_name(signal)
        positive[name] = positive.get(name, 0.0) + float(value)
    total = sum(positive.values())
    if total <= 0:
        return []
    shares = sorted(((name, value / total) for name, value in positive.items()), key=lambda p: -p[1])
    return [(name, share) for name, share in shares if share >= MIN_SHARE]


def held_back(contributions: dict[str, float]) -> list[str]:
    """Signals that counted against the item (negative contributions), largest first."""
    negative = sorted((v, s) for s, v in contributions.items()
                      if s not in HIDDEN_SIGNALS and isinstance(v, (int, float)) and v < 0)
    return list(dict.fromkeys(signal_name(s) for _, s in negative))


def why_line(contributions: dict[str, float], top: int = 3) -> str:
    shares = signal_shares(contributions)[:top]
    if not shares:
        return "shown because it matches your request"
    return ", ".join(f"{name} ({share:.0%})" for name, share in shares)


def why_html(items) -> str:
    """The "why these" view: one line per shown RankedItem."""
    if not items:
        return '<div class="sw-whyview sw-muted">Ask for something to see why items are shown.</div>'
    rows = []
    for position, entry in enumerate(items, 1):
        against = held_back(entry.contributions)[:2]
        note = f'<span class="sw-against"> · less: {escape(", ".join(against))}</span>' if against else ""
        rows.append(f'<li data-item-id="{escape(entry.item.item_id, quote=True)}" value="{position}"><b>'
                    f'{escape(entry.item.title[:70])}</b><br><span class="sw-signals">'
                    f'{escape(why_line(entry.contributions))}</span>{note}</li>')
    return '<div class="sw-whyview"><ol>' + "".join(rows) + "</ol></div>"
