"""A chat model running in this process through transformers, with optional LoRA adapters.

Generation runs greedily in a worker thread and is streamed through `TextIteratorStreamer`.
LoRA adapters (peft) can be loaded and switched at run time — the hook online fine-tuning
uses to swap in a fresh adapter without restarting the assistant.
"""

from __future__ import annotations

import json
import logging
import threading
from pathlib import Path
from typing import Iterator

from agent.llm.interface import LLMUnavailable, Message

log = logging.getLogger(__name__)


class LocalChatModel:
    def __init__(self, model_dir: Path, *, dtype: str = "bfloat16", threads: int = 2,
                 adapter: Path | None = None, adapter_name: str = "default"):
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer

        torch.set_num_threads(threads)
        self.model_dir = Path(model_dir)
        self.name = self.model_dir.name
        self.tokenizer = AutoTokenizer.from_pretrained(str(self.model_dir))
        self.model = AutoModelForCausalLM.from_pretrained(
            str(self.model_dir), dtype=getattr(torch, dtype)).eval()
        self.active_adapter: str | None = None
        self._lock = threading.Lock()       # one generation at a time: the weights are shared
        if adapter is not None:
            self.load_adapter(adapter, adapter_name)

    # -- adapters ------------------------------------------------------------------------------
    def load_adapter(self, path: str | Path, name: str = "default", activate: bool = True) -> None:
        """Load (or replace) the LoRA adapter `name` from a peft folder, and use it if `activate`."""
        from peft import PeftModel

        path = Path(path)
        if not (path / "adapter_config.json").is_file():
            raise FileNotFoundError(f"{path} is not a LoRA adapter folder (no adapter_config.json)")
        with self._lock:
            if not isinstance(self.model, PeftModel):
                self.model = PeftModel.from_pretrained(self.model, str(path), adapter_name=name).eval()
            else:
                if name in self.model.peft_config:
                    self.model.delete_adapter(name)
                self.model.load_adapter(str(path), adapter_name=name)
            if activate:
                self.model.set_adapter(name)
                self.active_adapter = name
        log.info("LoRA adapter %r loaded from %s", name, path)

    def use_adapter(self, name: str | None) -> None:
        """Switch to adapter `name`, or back to the base model with None."""
        self.active_adapter = name
        if name is not None:
            self.model.set_adapter(name)

    # -- generation ----------------------------------------------------------------------------
    def _inputs(self, messages: list[Message]):
        # A trailing assistant message is a prefix the model continues ("It ..."), not a finished turn.
        prefill = bool(messages) and messages[-1]["role"] == "assistant"
        return self.tokenizer.apply_chat_template(
            list(messages), add_generation_prompt=not prefill, continue_final_message=prefill,
            return_tensors="pt", return_dict=True)

    def stream(self, messages: list[Message], *, max_tokens: int, stop: tuple[str, ...] = (),
               allowed_tokens=None) -> Iterator[str]:
        """Greedy text pieces as they come; `allowed_tokens` constrains decoding (a
        `prefix_allowed_tokens_fn`, see agent.llm.json_constraint)."""
        from transformers import TextIteratorStreamer

        inputs = self._inputs(messages)
        streamer = TextIteratorStreamer(self.tokenizer, skip_prompt=True, skip_special_tokens=True,
                                        timeout=120)
        failure: list[BaseException] = []
        cancelled = threading.Event()       # set when the reader stops early (stop string, closed)

        def generate() -> None:
            from transformers import StoppingCriteria, StoppingCriteriaList

            class Cancelled(StoppingCriteria):
                def __call__(self, input_ids, scores, **kwargs):
                    return cancelled.is_set()

            try:
                with self._lock, self._adapter_scope():
                    self.model.generate(**inputs, streamer=streamer, max_new_tokens=max_tokens,
                                        do_sample=False, pad_token_id=self.tokenizer.eos_token_id,
                                        stopping_criteria=StoppingCriteriaList([Cancelled()]),
                                        prefix_allowed_tokens_fn=allowed_tokens)
            except BaseException as error:   # surfaced to the reader below
                failure.append(error)
                streamer.end()

        worker = threading.Thread(target=generate, daemon=True)
        worker.start()
        text = ""
        try:
            for piece in streamer:
                if failure:
                    break
                cut = _stop_at(text + piece, stop)
                if cut is not None:
                    if len(cut) > len(text):
                        yield cut[len(text):]
                    break
                text += piece
                if piece:
                    yield piece
        finally:
            cancelled.set()
            worker.join()
        if failure:
            raise LLMUnavailable(f"local model {self.name} failed: {failure[0]}") from failure[0]

    def complete_json(self, messages: list[Message], schema: dict, *, max_tokens: int) -> str:
        """Decoding constrained to one JSON object of `schema`, as vLLM's `response_format` does;
        only a reply cut by `max_tokens` can be invalid."""
        from agent.llm.json_constraint import json_schema_prefix_fn

        text = "".join(self.stream(messages, max_tokens=max_tokens,
                                   allowed_tokens=json_schema_prefix_fn(self.tokenizer, schema)))
        return first_json_object(text) or text

    def label_scores(self, chats: list[list[Message]], labels_per_chat: list[list[str]]) -> list[list[float]]:
        """Log-probability of each label as the reply's first token (one forward pass per chat, no
        decoding): the LLM ranker's scores."""
        from agent.llm.label_scores import first_token_label_scores

        scores: list[list[float]] = []
        with self._lock, self._adapter_scope():
            for chat, labels in zip(chats, labels_per_chat):
                scores += first_token_label_scores(self.model, self.tokenizer, self._inputs(chat), [labels])
        return scores

    def _adapter_scope(self):
        import contextlib

        if self.active_adapter is None and hasattr(self.model, "disable_adapter"):
            return self.model.disable_adapter()
        return contextlib.nullcontext()


def _stop_at(text: str, stop: tuple[str, ...]) -> str | None:
    cuts = [text.index(s) for s in stop if s and s in text]
    return text[:min(cuts)] if cuts else None


def first_json_object(text: str) -> str | None:
    """The first balanced {...} in `text` that parses as JSON, or None."""
    decoder = json.JSONDecoder()
    start = text.find("{")
    while start != -1:
        try:
            value, end = decoder.raw_decode(text[start:])
            if isinstance(value, dict):
                return text[start:start + end]
        except json.JSONDecodeError:
            pass
        start = text.find("{", start + 1)
    return None
