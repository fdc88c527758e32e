"""The LLM backends' contract parts that need no model: errors, JSON cutting, configuration."""

import socket
import time

import pytest

from agent.llm.config import LLMConfig
from agent.llm.interface import LLMUnavailable
from agent.llm.local import _stop_at, first_json_object
from agent.llm.openai_http import OpenAIChatModel


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_a_server_that_is_down_gives_a_clear_error_quickly():
    model = OpenAIChatModel(f"http://127.0.0.1:{closed_port()}/v1", "shopwise", timeout_s=2, max_retries=0)
    started = time.perf_counter()
    with pytest.raises(LLMUnavailable, match="serve-llm"):
        list(model.stream([{"role": "user", "content": "hi"}], max_tokens=5))
    with pytest.raises(LLMUnavailable, match="did not answer"):
        model.complete_json([{"role": "user", "content": "hi"}], {"type": "object"}, max_tokens=5)
    assert time.perf_counter() - started < 10


def test_first_json_object():
    assert first_json_object('Sure! {"brands": ["HP"]} and {"x": 1}') == '{"brands": ["HP"]}'
    assert first_json_object("{broken {\"a\": {\"b\": 2}}") == '{"a": {"b": 2}}'
    assert first_json_object("no json here") is None


def test_stop_strings_cut_the_text():
    assert _stop_at("It is red.\nMore", ("\n",)) == "It is red."
    assert _stop_at("It is red", ("\n",)) is None


def test_llm_config_validates_and_reads_the_environment():
    assert LLMConfig.from_env({}).backend == "local"
    remote = LLMConfig.from_env({"SHOPWISE_LLM_URL": "http://127.0.0.1:8011/v1", "SHOPWISE_LLM_MODEL": "lora1"})
    assert (remote.backend, remote.model) == ("openai", "lora1")
    with pytest.raises(ValueError, match="URL"):
        LLMConfig(backend="openai")
    with pytest.raises(ValueError):
        LLMConfig(backend="llama.cpp")


def test_vllm_command_has_the_cpu_settings(tmp_path):
    from agent.serving.command import parse_loras
    from agent.serving.vllm_server import VllmServeConfig, server_command, server_environment
    from shopwise.errors import UserFacingError

    adapter = tmp_path / "adapter"
    adapter.mkdir()
    (adapter / "adapter_config.json").write_text("{}")
    config = VllmServeConfig(model_dir=tmp_path, loras=parse_loras([f"mine={adapter}"]), port=9999)
    command = server_command(tmp_path / "python", config)
    assert command[1].endswith("launcher.py")
    assert ["--dtype", "float32"] == command[command.index("--dtype"):command.index("--dtype") + 2]
    assert "--enable-lora" in command and f"mine={adapter}" in command
    env = server_environment(config)
    assert env["VLLM_CPU_KVCACHE_SPACE"] == "1" and "VIRTUAL_ENV" not in env
    with pytest.raises(UserFacingError, match="NAME=PATH"):
        parse_loras(["just-a-path"])
    with pytest.raises(UserFacingError, match="adapter_config"):
        parse_loras([f"x={tmp_path}"])
