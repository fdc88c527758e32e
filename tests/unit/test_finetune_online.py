"""Online rounds: new events -> continued training -> gate -> promote only if not worse; versions
kept, rollback, hot-loading into every host. Runs on a tiny random-weight model."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest

from finetune.adapters import AdapterStore
from finetune.config import LoraSettings, OnlineConfig, TrainConfig
from finetune.hot_load import VLLMAdapterHost, hot_load
from finetune.tiny_model import build_tiny_model
from tests.conftest import REAL_MODEL_CACHE
from tests.unit.test_finetune_data import _toy_folder

TINY_TRAIN = TrainConfig(max_steps=2, batch_size=2, max_length=640, warmup_steps=0, logging_steps=1,
                         lora=LoraSettings(r=2, alpha=4, dropout=0.0))


class RecordingHost:
    def __init__(self, fail: bool = False):
        self.loaded: list[tuple[Path, str]] = []
        self.fail = fail

    def load_adapter(self, path: Path, name: str) -> None:
        if self.fail:
            raise RuntimeError("backend is down")
        self.loaded.append((Path(path), name))


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """A toy dataset whose newest 40 events are held out, a tiny base model and a first adapter."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from agent.llm.model_files import bundled_model_dir
    from finetune.build import build_training_data, load_split
    from finetune.online import register_initial
    from finetune.train import prepare_rows, train_lora

    root = tmp_path_factory.mktemp("online")
    source = _toy_folder(root / "data", users=40)
    manifest = build_training_data(source, root / "training", hold_out_newest_events=40)
    base = build_tiny_model(bundled_model_dir(REAL_MODEL_CACHE), root / "base")
    tokenizer = AutoTokenizer.from_pretrained(str(base))
    rows = prepare_rows(load_split(root / "training", "train"), tokenizer, TINY_TRAIN, 4)
    train_lora(AutoModelForCausalLM.from_pretrained(str(base)), tokenizer, rows, root / "first", TINY_TRAIN, device="cpu")
    return {"root": root, "source": source, "training": root / "training", "base": base,
            "first": root / "first", "events_until": manifest["events_until"]}


def _store(world, tmp_path) -> Path:
    from finetune.online import register_initial

    register_initial(tmp_path / "adapters", world["first"], world["training"])
    return tmp_path / "adapters"


def _scorer(scores: dict[str, float]):
    """Gate scores by version folder name: the gate's decision is what is under test here."""
    def score(base, adapter, gate, size):
        assert len(gate) > 0
        return {"gate_score": scores[Path(adapter).name]}
    return score


def _round(world, adapters: Path, scores: dict[str, float], hosts=()):
    from finetune.online import run_online_round

    return run_online_round(adapters, world["source"], world["training"], world["base"], OnlineConfig(max_steps=2),
                            hosts=hosts, train_config=TINY_TRAIN, scorer=_scorer(scores))


def test_a_worse_adapter_is_kept_but_not_promoted(world, tmp_path):
    adapters = _store(world, tmp_path)
    host = RecordingHost()
    report = _round(world, adapters, {"v0001": 0.5, "v0002": 0.4}, hosts=[host])
    store = AdapterStore(adapters)
    assert report["new_events"] == 40 and report["new_examples"] > 0 and report["replay_examples"] > 0
    assert report["promoted"] is False and store.current().name == "v0001"
    assert (adapters / "versions" / "v0002" / "adapter_config.json").is_file()
    assert store.get("v0002").info["promoted"] is False and host.loaded == []


def test_a_better_adapter_is_promoted_hot_loaded_and_can_be_rolled_back(world, tmp_path):
    adapters = _store(world, tmp_path)
    good, broken = RecordingHost(), RecordingHost(fail=True)
    report = _round(world, adapters, {"v0001": 0.5, "v0002": 0.5}, hosts=[broken, good])   # equal is not worse
    store = AdapterStore(adapters)
    assert report["promoted"] is True and store.current().name == "v0002"
    assert good.loaded == [(adapters / "versions" / "v0002", "shopwise-lora")]
    assert [o["ok"] for o in report["hot_loaded"]] == [False, True]
    summary = json.loads((adapters / "versions" / "v0002" / "training_summary.json").read_text())
    assert summary["parent"] == "v0001" and summary["new_examples"] == report["new_examples"]
    assert store.current().info["events_until"] > world["events_until"]
    # the next round has nothing new to learn from
    assert _round(world, adapters, {})["new_events"] == 0
    assert store.rollback().name == "v0001" and store.current().name == "v0001"
    assert sorted(v.name for v in store.versions()) == ["v0001", "v0002"]


def test_a_round_keeps_the_adapters_worked_example_format(world, tmp_path, fake_embedder):
    """An adapter trained with worked examples continues with them, and the gate asks both
    versions in that format."""
    from finetune.online import run_online_round
    from finetune.train import SUMMARY, adapter_worked_examples

    adapters = _store(world, tmp_path)
    current = AdapterStore(adapters).current().path
    (current / SUMMARY).write_text(json.dumps({"config": {"worked_examples": 2}}))
    asked = []

    def scorer(base, adapter, gate, size):
        asked.extend(gate)
        return {"gate_score": 0.5}

    run_online_round(adapters, world["source"], world["training"], world["base"], OnlineConfig(max_steps=2),
                     train_config=TINY_TRAIN, scorer=scorer, embedder=fake_embedder)
    understanding = [row for row in asked if row["task"] == "understanding"]
    assert understanding and all(len(row["prompt"]) == 2 + 2 * 2 for row in understanding)
    assert all(len(row["prompt"]) == 2 for row in asked if row["task"] == "ranking")
    assert adapter_worked_examples(adapters / "versions" / "v0002") == 2


def test_online_round_needs_a_current_adapter(world, tmp_path):
    from shopwise.errors import UserFacingError

    with pytest.raises(UserFacingError, match="train one"):
        _round(world, tmp_path / "nothing", {})


def test_rollback_without_history_is_a_clear_error(tmp_path):
    from shopwise.errors import UserFacingError

    store = AdapterStore(tmp_path)
    store.register("v0001", {}, promote=True)
    with pytest.raises(UserFacingError, match="nothing to roll back"):
        store.rollback()


class _VllmStub(BaseHTTPRequestHandler):
    """Answers like vLLM's load endpoint and records each request body."""
    received: list[dict] = []
    status = 200

    def do_POST(self):  # noqa: N802 - http.server's naming
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        type(self).received.append({"path": self.path, **body})
        self.send_response(self.status)
        self.end_headers()
        self.wfile.write(b"Success" if self.status == 200 else b"adapter not found")

    def log_message(self, *args):
        pass


def test_vllm_host_posts_an_in_place_load_and_reports_refusals(tmp_path):
    server = HTTPServer(("127.0.0.1", 0), _VllmStub)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_port}/v1"
        VLLMAdapterHost(url).load_adapter(tmp_path / "v2", "shopwise-lora")
        assert _VllmStub.received[-1] == {"path": "/v1/load_lora_adapter", "lora_name": "shopwise-lora",
                                          "lora_path": str((tmp_path / "v2").resolve()), "load_inplace": True}
        _VllmStub.status = 400
        outcomes = hot_load([VLLMAdapterHost(url)], tmp_path / "v3", "shopwise-lora")
        assert not outcomes[0].ok and "HTTP 400" in outcomes[0].error
    finally:
        _VllmStub.status = 200
        server.shutdown()
