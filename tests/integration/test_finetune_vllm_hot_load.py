"""A new adapter version is hot-loaded into a running vLLM server (runtime LoRA loading, in place
under the same name) and the next request is answered by it, with no restart."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from tests.conftest import REAL_MODEL_CACHE

pytestmark = pytest.mark.slow
PROMPT = "A shopper asks for a light rain jacket. Recommend"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _random_adapter(base: Path, out: Path, seed: int) -> Path:
    """A LoRA adapter with random (non-zero) weights on the layers the shipped recipe adapts
    (every linear layer): enough to change what the model writes."""
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM

    from finetune.config import LoraSettings

    torch.manual_seed(seed)
    model = AutoModelForCausalLM.from_pretrained(str(base))
    peft_model = get_peft_model(model, LoraConfig(r=8, lora_alpha=64, target_modules=LoraSettings().peft_target_modules,
                                                  init_lora_weights=False, task_type="CAUSAL_LM"))
    peft_model.save_pretrained(str(out))
    return out


def _complete(client, url: str) -> str:
    response = client.post(f"{url}/completions", json={"model": "shopwise-lora", "prompt": PROMPT,
                                                       "max_tokens": 8, "temperature": 0.0})
    response.raise_for_status()
    return response.json()["choices"][0]["text"]


def test_promoted_adapter_answers_the_next_request_without_restart(tmp_path):
    import httpx

    from agent.llm.model_files import bundled_model_dir
    from agent.serving.vllm_server import DEFAULT_VENV, VllmServeConfig, VllmServer
    from finetune.hot_load import VLLMAdapterHost

    python = DEFAULT_VENV / "bin" / "python"
    if not (DEFAULT_VENV / ".shopwise-vllm-ready").is_file():
        pytest.skip(f"no vLLM environment at {DEFAULT_VENV}: run scripts/setup_vllm.sh first")
    base = bundled_model_dir(REAL_MODEL_CACHE)
    first = _random_adapter(base, tmp_path / "v0001", seed=1)
    second = _random_adapter(base, tmp_path / "v0002", seed=2)
    config = VllmServeConfig(model_dir=base, loras=(("shopwise-lora", first),), port=_free_port())
    with VllmServer(python, config, log_file=tmp_path / "vllm.log") as server, httpx.Client(timeout=120) as client:
        before = _complete(client, server.url)
        host = VLLMAdapterHost(server.url, client)
        host.load_adapter(second, "shopwise-lora")
        after = _complete(client, server.url)
        host.load_adapter(first, "shopwise-lora")          # rollback: the first version answers again
        again = _complete(client, server.url)
        assert server.process.poll() is None                  # the same process served all three
    assert after != before and again == before
