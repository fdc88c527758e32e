"""A chat model behind an OpenAI-compatible HTTP server (vLLM, or any such server).

Talks through langchain-openai with a timeout and retries; when the server cannot be reached
(or dies mid-stream) it raises `LLMUnavailable` with what to do next, so the turn can fall back
to template explanations and the session goes on.
"""

from __future__ import annotations

import logging
from typing import Iterator

from agent.llm.interface import LLMUnavailable, Message

log = logging.getLogger(__name__)
TOP_LOGPROBS = 20                  # vLLM's default --max-logprobs


class OpenAIChatModel:
    def __init__(self, url: str, model: str, *, api_key: str = "EMPTY", timeout_s: float = 30.0,
                 max_retries: int = 2, client=None):
        from langchain_openai import ChatOpenAI

        self.url = url.rstrip("/")
        self.name = model
        self.client = client or ChatOpenAI(
            base_url=self.url, api_key=api_key, model=model, temperature=0.0, timeout=timeout_s,
            max_retries=max_retries, streaming=True)

    def stream(self, messages: list[Message], *, max_tokens: int, stop: tuple[str, ...] = ()) -> Iterator[str]:
        payload, extra = _split_prefill(messages)
        try:
            for chunk in self.client.stream(payload, max_tokens=max_tokens, stop=list(stop) or None,
                                            extra_body=extra):
                if chunk.content:
                    yield chunk.content
        except Exception as error:     # openai/httpx errors of every kind mean the same here
            raise self._unavailable(error) from error

    def complete_json(self, messages: list[Message], schema: dict, *, max_tokens: int) -> str:
        """Schema-constrained decoding through `response_format` (vLLM's structured outputs)."""
        response_format = {"type": "json_schema",
                           "json_schema": {"name": "constraints", "schema": schema, "strict": True}}
        try:
            # In the request body, not as langchain's `response_format` (which parses, and raises on
            # a reply cut by max_tokens): a cut reply is just invalid JSON, which the caller handles.
            reply = self.client.invoke(list(messages), max_tokens=max_tokens,
                                       extra_body={"response_format": response_format})
        except Exception as error:
            raise self._unavailable(error) from error
        return reply.content if isinstance(reply.content, str) else str(reply.content)

    def label_scores(self, chats: list[list[Message]], labels_per_chat: list[list[str]]) -> list[list[float]]:
        """Log-probability of each label as the reply's first token, from the server's top
        `TOP_LOGPROBS` (vLLM's default cap): one one-token request per chat. A label outside the top
        list is less likely than all of them and gets the smallest listed log-probability."""
        scores: list[list[float]] = []
        for chat, labels in zip(chats, labels_per_chat):
            try:
                reply = self.client.root_client.chat.completions.create(
                    model=self.name, messages=list(chat), max_tokens=1, temperature=0.0,
                    logprobs=True, top_logprobs=TOP_LOGPROBS)
                listed = reply.choices[0].logprobs.content[0].top_logprobs
            except Exception as error:
                raise self._unavailable(error) from error
            scores.append(_label_logprobs({entry.token: entry.logprob for entry in listed}, labels))
        return scores

    def _unavailable(self, error: Exception) -> LLMUnavailable:
        log.warning("LLM server %s failed: %s", self.url, type(error).__name__)
        return LLMUnavailable(f"the LLM server at {self.url} did not answer ({type(error).__name__}: "
                              f"{str(error)[:200]}); start it with `shopwise serve-llm` or point "
                              "--llm-url at a running OpenAI-compatible server")


def _label_logprobs(top: dict[str, float], labels: list[str]) -> list[float]:
    by_label: dict[str, float] = {}
    for token, logprob in top.items():                 # "A" and " A" both answer A
        key = token.strip()
        by_label[key] = max(logprob, by_label.get(key, float("-inf")))
    floor = min(top.values()) if top else 0.0
    return [by_label.get(label, floor) for label in labels]


def _split_prefill(messages: list[Message]) -> tuple[list[Message], dict]:
    """A trailing assistant message is a prefix to continue (vLLM's continue_final_message)."""
    if messages and messages[-1]["role"] == "assistant":
        return list(messages), {"continue_final_message": True, "add_generation_prompt": False}
    return list(messages), {}
