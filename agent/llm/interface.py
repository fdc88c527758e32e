"""The one small interface every chat-model backend implements: stream text, or return JSON.

Backends: `LocalChatModel` (transformers in this process, optional LoRA adapters) and
`OpenAIChatModel` (any OpenAI-compatible server, e.g. vLLM, through langchain-openai). The chat
turn, the benchmarks and the fine-tuning work only see this protocol.
"""

from __future__ import annotations

from typing import Iterator, Protocol, TypedDict


class Message(TypedDict):
    role: str          # "system" | "user" | "assistant"
    content: str


class LLMUnavailable(RuntimeError):
    """The model cannot answer (server down, timed out, crashed); the message says what to do."""


class ChatModel(Protocol):
    name: str

    def stream(self, messages: list[Message], *, max_tokens: int, stop: tuple[str, ...] = ()) -> Iterator[str]:
        """Greedy completion of the chat, yielded as text pieces as soon as they are decoded."""

    def complete_json(self, messages: list[Message], schema: dict, *, max_tokens: int) -> str:
        """A completion meant to be a JSON object of `schema` (constrained where the backend can)."""


def collect(pieces: Iterator[str]) -> str:
    return "".join(pieces)
