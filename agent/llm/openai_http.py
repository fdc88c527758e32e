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

    def _unavailable(self, error: Exception) -> LLMUnavailable:
        log.warning("LLM server %s failed: %s", self.url, type(error).__name__)
        return LLMUnavailable(f"the LLM server at {self.url} did not answer ({type(error).__name__}: "
                              f"{str(error)[:200]}); start it with `shopwise serve-llm` or point "
                              "--llm-url at a running OpenAI-compatible server")


def _split_prefill(messages: list[Message]) -> tuple[list[Message], dict]:
    """A trailing assistant message is a prefix to continue (vLLM's continue_final_message)."""
    if messages and messages[-1]["role"] == "assistant":
        return list(messages), {"continue_final_message": True, "add_generation_prompt": False}
    return list(messages), {}
