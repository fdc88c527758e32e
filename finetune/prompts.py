"""Prompt templates of the four tasks, shared by training data, few-shot prompting, the ranker and evals.

Every example is a conversational prompt/completion pair (TRL's format): the prompt is a system
message plus the user message built here; the completion is one assistant message.
"""

from __future__ import annotations

import string
from typing import Sequence

from agent.understanding.prompt import SYSTEM_PROMPT as UNDERSTANDING_SYSTEM_PROMPT
from retrieval.catalog import Item
from retrieval.documents import key_attributes

TASKS = ("understanding", "ranking", "explanation", "dialogue")
LABELS = string.ascii_uppercase          # candidate index tokens: single tokens in SmolLM2's vocabulary

SYSTEM = {                               # understanding: the assistant's own prompt (agent.understanding.prompt)
    "understanding": UNDERSTANDING_SYSTEM_PROMPT,
    "ranking": ("You predict which candidate the shopper buys next, from what they bought before. "
                "Reply with the candidate's letter only."),
    "explanation": ("Write one sentence telling the shopper why this item may suit them. "
                    "Use only the facts and reviews given."),
    "dialogue": ("The shopper's request is too vague to search. Ask one short clarifying question "
                 "that offers real options from the catalog."),
}


def messages(task: str, user_text: str) -> list[dict]:
    return [{"role": "system", "content": SYSTEM[task]}, {"role": "user", "content": user_text}]


def short_title(item: Item, words: int) -> str:
    tokens = item.title.split()
    return " ".join(tokens[:words]) + (" ..." if len(tokens) > words else "")


# -- candidate ranking -------------------------------------------------------------------------
def ranking_user_text(history: Sequence[Item], candidates: Sequence[Item], title_words: int) -> str:
    bought = "\n".join(f"- {short_title(item, title_words)}" for item in history) or "- (nothing yet)"
    listed = "\n".join(f"{LABELS[i]}. {short_title(item, title_words)}" for i, item in enumerate(candidates))
    return f"Bought before, oldest first:\n{bought}\nCandidates:\n{listed}\nWhich one next?"


# -- grounded explanation ----------------------------------------------------------------------
def item_facts(item: Item) -> list[str]:
    facts = [f"Item: {item.title}"]
    if item.brand:
        facts.append(f"Brand: {item.brand}")
    if item.categories:
        facts.append("Category: " + " > ".join(item.categories[-2:]))
    if item.price is not None:
        facts.append(f"Price: {item.price:g}")
    attributes = key_attributes(item, limit=4)
    if attributes:
        facts.append("Facts: " + "; ".join(f"{name}: {value}" for name, value in attributes))
    if item.rating is not None:
        count = f" from {item.rating_count} ratings" if item.rating_count else ""
        facts.append(f"Rating: {item.rating:g} out of 5{count}")
    return facts


def explanation_user_text(item: Item, snippets: Sequence[str], profile: Sequence[str]) -> str:
    lines = item_facts(item)
    if snippets:
        lines.append("Reviews:\n" + "\n".join(f"- {s}" for s in snippets))
    if profile:
        lines.append("Shopper likes: " + ", ".join(profile))
    return "\n".join(lines)


# -- dialogue ----------------------------------------------------------------------------------
def dialogue_user_text(turn: str) -> str:
    return f"Shopper: {turn}"
