"""A local causal LM (optionally with a LoRA adapter) for batched greedy generation and for
scoring candidate label tokens in one forward pass. Used by evaluation and the LLM ranker."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Sequence

log = logging.getLogger(__name__)


def pick_device(preference: str = "auto") -> str:
    import torch

    if preference == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    return preference


class LocalModel:
    def __init__(self, model, tokenizer, device: str = "cpu"):
        self.model = model.eval()
        self.tokenizer = tokenizer
        self.device = device
        self.tokenizer.padding_side = "left"          # generation continues right after each prompt
        if self.tokenizer.pad_token is None:
            self.tokenizer.pad_token = self.tokenizer.eos_token

    @classmethod
    def load(cls, base: Path, adapter: Path | None = None, device: str = "auto") -> "LocalModel":
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer

        device = pick_device(device)
        tokenizer = AutoTokenizer.from_pretrained(str(base))
        model = AutoModelForCausalLM.from_pretrained(str(base), dtype=torch.float32).to(device)
        if adapter is not None:
            from peft import PeftModel

            model = PeftModel.from_pretrained(model, str(adapter)).merge_and_unload()
        return cls(model, tokenizer, device)

    def _encode(self, chats: Sequence[list[dict]]):
        texts = [self.tokenizer.apply_chat_template(chat, tokenize=False, add_generation_prompt=True) for chat in chats]
        return self.tokenizer(texts, return_tensors="pt", padding=True, add_special_tokens=False).to(self.device)

    def generate(self, chats: Sequence[list[dict]], max_new_tokens: int = 96, batch_size: int = 8,
                 json_schema: dict | None = None) -> list[str]:
        """Greedy replies; with `json_schema`, decoding is constrained to one object of it (as the
        assistant decodes, in-process and on vLLM)."""
        import torch

        from tqdm.auto import tqdm

        from agent.llm.json_constraint import json_schema_prefix_fn

        outputs: list[str] = []
        for start in tqdm(range(0, len(chats), batch_size), desc="generating", unit="batch", leave=False):
            batch = self._encode(chats[start:start + batch_size])
            allowed = json_schema_prefix_fn(self.tokenizer, json_schema) if json_schema is not None else None
            with torch.inference_mode():
                tokens = self.model.generate(**batch, max_new_tokens=max_new_tokens, do_sample=False,
                                             pad_token_id=self.tokenizer.pad_token_id,
                                             prefix_allowed_tokens_fn=allowed)
            new = tokens[:, batch["input_ids"].shape[1]:]
            outputs += [text.strip() for text in self.tokenizer.batch_decode(new, skip_special_tokens=True)]
        return outputs

    def label_token_ids(self, labels: Sequence[str]) -> list[int]:
        from agent.llm.label_scores import label_token_ids

        return label_token_ids(self.tokenizer, labels)

    def label_scores(self, chats: Sequence[list[dict]], labels_per_chat: Sequence[Sequence[str]],
                     batch_size: int = 4) -> list[list[float]]:
        """Log-probabilities of each label token as the first answer token: one forward pass per chat."""
        from tqdm.auto import tqdm

        from agent.llm.label_scores import first_token_label_scores

        scores: list[list[float]] = []
        for start in tqdm(range(0, len(chats), batch_size), desc="scoring", unit="batch", leave=False,
                          disable=len(chats) <= batch_size):
            batch = self._encode(chats[start:start + batch_size])
            scores += first_token_label_scores(self.model, self.tokenizer, batch,
                                               labels_per_chat[start:start + batch_size])
        return scores
