"""The one explanation prompt: what the assistant asks its model for each shown item, and the format
`finetune data` trains explanations on (so an adapter meets at serving time the prompt it learned).

The reply is prefilled with "It": the model continues one sentence about the item, from the facts
listed (record, key attributes, review snippets, what the shopper asked for and, when known, what
they like). Training completions are whole sentences starting "It ...", which tokenize exactly as
the prefilled turn continued.
"""

from __future__ import annotations

from typing import Sequence

from agent.explanation.facts import ItemFacts, format_price
from agent.llm.interface import Message

SYSTEM_PROMPT = ("You are a shopping assistant. In one short sentence, say why the product suits the "
                 "shopper. Use only the facts listed; never add numbers, brands or features.")
PREFIX = "It"


def explanation_user_text(facts: ItemFacts, need: str | None, constraints_text: str = "",
                          profile: Sequence[str] = ()) -> str:
    item = facts.item
    lines = [f"Shopper wants: {need or 'a recommendation'}" + (f" ({constraints_text})" if constraints_text else ""),
             f"Product: {item.title[:160]}"]
    if item.brand:
        lines.append(f"Brand: {item.brand}")
    if item.price is not None:
        lines.append(f"Price: {format_price(item.price, item.currency)}")
    if item.rating is not None:
        count = f" from {item.rating_count} ratings" if item.rating_count else ""
        lines.append(f"Rating: {item.rating:g} of 5{count}")
    if facts.attributes:
        lines.append("Facts: " + "; ".join(f"{n}: {v}" for n, v in facts.attributes))
    lines += [f'Review: "{snippet}"' for snippet in facts.snippets]
    if profile:
        lines.append("Shopper likes: " + ", ".join(profile))
    return "\n".join(lines)


def explanation_messages(facts: ItemFacts, need: str | None, constraints_text: str = "",
                         profile: Sequence[str] = ()) -> list[Message]:
    """The chat the assistant sends: system, facts, and the reply prefilled with "It"."""
    return [{"role": "system", "content": SYSTEM_PROMPT},
            {"role": "user", "content": explanation_user_text(facts, need, constraints_text, profile)},
            {"role": "assistant", "content": PREFIX}]
