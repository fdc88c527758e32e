"""Explanations built only from the record: the fallback for every sentence the guard rejects,
and the reply's fixed parts (intro, item lines, clarifying questions)."""

from __future__ import annotations

from agent.explanation.facts import ItemFacts, format_price
from agent.understanding.constraints import Constraints
from agent.understanding.understand import UNKNOWN_WORDS
from retrieval.documents import fold


def template_explanation(facts: ItemFacts, constraints: Constraints) -> str:
    item = facts.item
    parts: list[str] = []
    if item.brand:
        parts.append(f"made by {item.brand}")
    wanted = {fold(name) for name in constraints.attributes}
    used = set()
    for name, value in facts.attributes:
        if fold(name) in wanted:
            parts.append(f"{name} {value}")
            used.add(name)
    if item.rating is not None:
        count = f" from {item.rating_count} ratings" if item.rating_count else ""
        parts.append(f"rated {item.rating:.1f} of 5{count}")
    for name, value in facts.attributes:
        if name not in used and len(parts) < 4:
            parts.append(f"{name} {value}")
    sentence = "It is " + _join(parts) + "." if parts else "It matches what you asked for."
    if facts.snippets:
        sentence += f' A reviewer says: "{facts.snippets[0]}"'
    return sentence


def _join(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def item_line(rank: int, facts: ItemFacts) -> str:
    item = facts.item
    price = f" — {format_price(item.price, item.currency)}" if item.price is not None else ""
    return f"{rank}. {item.title}{price}"


def details_lines(facts: ItemFacts, attributes: int = 6, snippets: int = 2) -> list[str]:
    """The record's details for one item, each line a fact from the record or a review quote."""
    item = facts.item
    lines = []
    if item.brand or item.categories:
        lines.append(" · ".join(p for p in (item.brand, " > ".join(item.categories)) if p))
    if facts.attributes:
        lines.append("; ".join(f"{name}: {value}" for name, value in facts.attributes[:attributes]))
    if item.rating is not None:
        count = f" from {item.rating_count:,} reviews" if item.rating_count else ""
        lines.append(f"Rated {item.rating:g} of 5{count}.")
    lines += [f'A reviewer: "{snippet}"' for snippet in facts.snippets[:snippets]]
    return lines


def describe_constraints(constraints: Constraints, skip_category: bool = False) -> str:
    parts = []
    if constraints.category and not skip_category:
        parts.append(constraints.category)
    if constraints.brands:
        parts.append("by " + " or ".join(constraints.brands))
    if constraints.exclude_brands:
        parts.append("not " + " or ".join(constraints.exclude_brands))
    if constraints.price_min is not None and constraints.price_max is not None:
        parts.append(f"{constraints.price_min:g}–{constraints.price_max:g}")
    elif constraints.price_max is not None:
        parts.append(f"up to {constraints.price_max:g}")
    elif constraints.price_min is not None:
        parts.append(f"from {constraints.price_min:g}")
    if constraints.min_rating is not None:
        parts.append(f"rated {constraints.min_rating:g}+")
    for name, value in constraints.attributes.items():
        parts.append(f"{name}: {'yes' if value is True else 'no' if value is False else value}")
    return ", ".join(parts)


def intro(need: str | None, constraints: Constraints, count: int) -> str:
    what = need or constraints.category or "your request"
    conditions = describe_constraints(constraints, skip_category=what == constraints.category)
    suffix = f" ({conditions})" if conditions else ""
    return f"Here {'is' if count == 1 else 'are'} {count} pick{'s' if count != 1 else ''} for {what}{suffix}:"


def nothing_found(need: str | None, constraints: Constraints) -> str:
    conditions = describe_constraints(constraints)
    what = need or "that"
    return (f"I found nothing in the catalog for {what}" + (f" with {conditions}" if conditions else "")
            + ". Try loosening a condition (a higher price limit, another brand) or describe it differently.")


def clarifying_question(reason: str | None, examples: list[str]) -> str:
    """The reply to a message that cannot be searched; `examples` are requests the shopper could
    send (for unknown words, the catalog's product types nearest to what they wrote)."""
    if reason == UNKNOWN_WORDS:
        nearest = f" The nearest I have: {', '.join(examples[:3])}." if examples else ""
        return ("I could not match that to anything in this catalog (I understand English best)."
                + nearest + " What kind of product are you looking for?")
    hint = f" For example: {', '.join(examples[:3])}." if examples else ""
    return "What are you shopping for? Tell me the kind of product, and a budget or brand if you have one." + hint
