"""Which chat model answers, and how it is reached: one typed object, parsed at the entry point."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

LLM_BACKENDS = ("local", "openai")


@dataclass(frozen=True)
class LLMConfig:
    """`backend="local"` runs `model` (None: the bundled SmolLM2-135M-Instruct) in this process;
    `backend="openai"` talks to an OpenAI-compatible server at `url` (vLLM from `shopwise serve-llm`).
    """

    backend: str = "local"
    model: str | None = None            # local: HF folder; openai: served model (or LoRA) name
    adapter: str | None = None          # local only: a LoRA adapter folder loaded on start
    url: str | None = None              # openai: base URL, e.g. http://127.0.0.1:8011/v1
    api_key: str = "EMPTY"
    timeout_s: float = 30.0
    max_retries: int = 2
    dtype: str = "bfloat16"             # local: bf16 decodes ~1.5x faster than fp32 on AVX2 CPUs
    threads: int = 2

    def __post_init__(self) -> None:
        if self.backend not in LLM_BACKENDS:
            raise ValueError(f"LLM backend must be one of {LLM_BACKENDS}, got {self.backend!r}")
        if self.backend == "openai" and not self.url:
            raise ValueError("the openai backend needs a server URL (--llm-url http://HOST:PORT/v1)")
        if self.dtype not in ("bfloat16", "float32"):
            raise ValueError(f"dtype must be bfloat16 or float32, got {self.dtype!r}")

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> "LLMConfig":
        """SHOPWISE_LLM_URL switches to the HTTP backend; SHOPWISE_LLM_MODEL names the model."""
        url = env.get("SHOPWISE_LLM_URL") or None
        return cls(backend="openai" if url else "local", url=url,
                   model=env.get("SHOPWISE_LLM_MODEL") or None,
                   adapter=env.get("SHOPWISE_LLM_ADAPTER") or None,
                   timeout_s=float(env.get("SHOPWISE_LLM_TIMEOUT", cls.timeout_s)))
