"""Scoring a reply's first token over a few labels, in one forward pass and without decoding.

The LLM ranker (LlamaRec style) lists candidates under letters and reads, for each letter, the
log-probability that the reply starts with it. Shared by the in-process backends (the assistant's
`LocalChatModel` and the evaluations' `finetune.generation.LocalModel`).
"""

from __future__ import annotations

from typing import Sequence


def label_token_ids(tokenizer, labels: Sequence[str]) -> list[int]:
    ids = [tokenizer.encode(label, add_special_tokens=False) for label in labels]
    if any(len(i) != 1 for i in ids):
        raise ValueError("every candidate label must be a single token of this tokenizer")
    return [i[0] for i in ids]


def first_token_label_scores(model, tokenizer, inputs, labels_per_row: Sequence[Sequence[str]]) -> list[list[float]]:
    """Log-probability of each row's labels as the next token after its (left-padded) prompt."""
    import torch

    with torch.inference_mode():
        logits = model(**inputs).logits[:, -1, :].float()
    logprobs = torch.log_softmax(logits, dim=-1)
    return [row[label_token_ids(tokenizer, labels)].tolist() for row, labels in zip(logprobs, labels_per_row)]
