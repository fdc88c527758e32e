"""Putting a promoted adapter into running servers without a restart.

vLLM (started with --enable-lora and VLLM_ALLOW_RUNTIME_LORA_UPDATING=True) loads an adapter at
run time through `POST /v1/load_lora_adapter`; `load_inplace` swaps a new version in under the
same name, so clients keep asking for the same model name and get the new weights. The in-process
backend is anything with `load_adapter(path, name)`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, Sequence

log = logging.getLogger(__name__)


class AdapterHost(Protocol):
    """Something serving the model that can swap in a LoRA adapter while it runs."""

    def load_adapter(self, path: Path, name: str) -> None: ...


class VLLMAdapterHost:
    """A running vLLM OpenAI-compatible server, reached through an `httpx.Client`."""

    def __init__(self, base_url: str, client=None, timeout: float = 120.0):
        import httpx

        self.base_url = base_url.rstrip("/").removesuffix("/v1")
        self.client = client or httpx.Client(timeout=timeout)

    def load_adapter(self, path: Path, name: str) -> None:
        response = self.client.post(f"{self.base_url}/v1/load_lora_adapter",
                                    json={"lora_name": name, "lora_path": str(Path(path).resolve()),
                                          "load_inplace": True})
        if response.status_code >= 400:
            raise RuntimeError(f"vLLM refused adapter {name!r}: HTTP {response.status_code} {response.text[:300]}")

    def __repr__(self) -> str:
        return f"vLLM at {self.base_url}"


@dataclass(frozen=True)
class HotLoadOutcome:
    host: str
    ok: bool
    error: str | None = None


def hot_load(hosts: Sequence[AdapterHost], path: Path, name: str) -> list[HotLoadOutcome]:
    """Load the adapter into every host; one host failing does not stop the others."""
    outcomes = []
    for host in hosts:
        try:
            host.load_adapter(path, name)
            outcomes.append(HotLoadOutcome(repr(host), True))
            log.info("hot-loaded adapter %s into %r", name, host)
        except Exception as error:   # noqa: BLE001 - each host's failure is reported, not raised
            log.warning("could not hot-load adapter %s into %r: %s", name, host, error)
            outcomes.append(HotLoadOutcome(repr(host), False, str(error)))
    return outcomes
