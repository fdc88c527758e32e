"""The request-understanding prompt: one format for the assistant, its training data and its evals.

A LoRA adapter learns the exact prompt it was trained on, so the assistant asks with the same system
message, the same "Shopper: ..." user text and the same compact JSON reply that `finetune data`
writes; worked examples (few-shot) are earlier user/assistant turns of that same format.
"""

from __future__ import annotations

import json
from typing import Callable, Sequence

from agent.understanding.constraints import Constraints

SYSTEM_PROMPT = ("You turn a shopper's request into JSON with any of the keys need, category, price_min, "
                 "price_max, brands, exclude_brands, min_rating, attributes, soft_preferences. "
                 "Use only what the shopper said. Reply with JSON only.")

# A worked example: (user text, reply JSON), already in the prompt's format.
WorkedExample = tuple[str, str]
WorkedExamples = Callable[[str], Sequence[WorkedExample]]


def understanding_user_text(turns: Sequence[str]) -> str:
    return "\n".join(f"Shopper: {turn}" for turn in turns)


def constraints_json(constraints: Constraints) -> str:
    """The reply JSON: only the fields that carry information, so outputs stay short."""
    return json.dumps(constraints.model_dump(exclude_defaults=True), ensure_ascii=False)


def understanding_messages(message: str, examples: Sequence[WorkedExample] = ()) -> list[dict]:
    """System prompt, the worked examples as earlier turns, then the shopper's message."""
    chat = [{"role": "system", "content": SYSTEM_PROMPT}]
    for user_text, reply in examples:
        chat += [{"role": "user", "content": user_text}, {"role": "assistant", "content": reply}]
    chat.append({"role": "user", "content": understanding_user_text([message])})
    return chat
