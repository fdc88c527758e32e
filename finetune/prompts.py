"""Prompt templates of the four tasks, shared by training data, few-shot prompting, the ranker and evals.

Every example is a conversational prompt/completion pair (TRL's format): the prompt is a system
message plus the user message built here; the completion is one assistant message.
"""

from __future__ import annotations

import string
from typing import Sequence

from agent.explanation.prompt import SYSTEM_PROMPT as EXPLANATION_SYSTEM_PROMPT
from agent.understanding.prompt import SYSTEM_PROMPT as UNDERSTANDING_SYSTEM_PROMPT
from retrieval.catalog import Item

TASKS = ("understanding", "ranking", "explanation", "dialogue")
LABELS = string.ascii_uppercase          # candidate index tokens: single tokens in SmolLM2's vocabulary

SYSTEM = {                               # understanding, explanation: the assistant's own prompts
    "understanding": UNDERSTANDING_SYSTEM_PROMPT,
    "ranking": ("You predict which candidate the shopper buys next, from what they bought before. "
                "Reply with the candidate's letter only."),
    "explanation": EXPLANATION_SYSTEM_PROMPT,
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


HIDDEN_TITLE = "N/A"


def hide_candidate_titles(user_text: str) -> str:
    """A ranking prompt with every candidate's title replaced by "N/A", history and letters kept:
    the content-free input of contextual calibration (Zhao et al., 2021). A ranker that scores the
    same on it as on the real prompt ranks by the list's order, not by what the candidates are."""
    head, marker, tail = user_text.partition("\nCandidates:\n")
    if not marker:
        raise ValueError("not a ranking prompt: no candidate list")
    lines = tail.split("\n")
    hidden = [f"{line[:2]} {HIDDEN_TITLE}" if line[:1] in LABELS and line[1:3] == ". " else line for line in lines]
    return head + marker + "\n".join(hidden)


# -- dialogue ----------------------------------------------------------------------------------
def dialogue_user_text(turn: str) -> str:
    return f"Shopper: {turn}"
