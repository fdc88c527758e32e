"""Building the configured chat model: the one place that turns an `LLMConfig` into a backend."""

from __future__ import annotations

from pathlib import Path

from agent.llm.config import LLMConfig
from agent.llm.interface import ChatModel
from agent.llm.model_files import resolve_model_dir


def build_chat_model(config: LLMConfig, model_cache: Path) -> ChatModel:
    if config.backend == "openai":
        from agent.llm.openai_http import OpenAIChatModel

        return OpenAIChatModel(config.url, config.model or served_model_name(config.url),
                               api_key=config.api_key, timeout_s=config.timeout_s,
                               max_retries=config.max_retries)
    from agent.llm.local import LocalChatModel

    return LocalChatModel(resolve_model_dir(config.model, model_cache), dtype=config.dtype,
                          threads=config.threads,
                          adapter=Path(config.adapter).expanduser() if config.adapter else None)


def served_model_name(url: str, timeout_s: float = 5.0) -> str:
    """The first model the server lists (vLLM serves one base model, plus its LoRA names)."""
    import httpx

    from agent.llm.interface import LLMUnavailable

    try:
        response = httpx.get(url.rstrip("/") + "/models", timeout=timeout_s)
        response.raise_for_status()
        return response.json()["data"][0]["id"]
    except Exception as error:
        raise LLMUnavailable(f"cannot list models at {url} ({type(error).__name__}); is the server "
                             "up? start one with `shopwise serve-llm`") from error
