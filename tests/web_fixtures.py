"""Fixtures for the web page's tests: the demo shop built fast (hashing embedder, a small ranker,
a scripted LLM), served by a real uvicorn server on a free port, and Debian's Chromium."""

from __future__ import annotations

import os
import socket
import threading
import time
from pathlib import Path

import pytest

from tests.agent_fixtures import ScriptedLLM
from tests.fakes import HashingEmbedder

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage"]
ARTIFACTS = Path(__file__).resolve().parents[1] / "var" / "artifacts" / "browser"


class SlowLLM(ScriptedLLM):
    """A scripted model that takes its time per word, so a test can see cards before the text."""

    def __init__(self, replies=None, seconds_per_word: float = 0.05):
        super().__init__(replies)
        self.seconds_per_word = seconds_per_word

    def stream(self, messages, *, max_tokens, stop=()):
        for piece in super().stream(messages, max_tokens=max_tokens, stop=stop):
            time.sleep(self.seconds_per_word)
            yield piece


def build_demo_services(home: Path, llm=None):
    """AppServices over the demo catalog (360 items, 8 shoppers with events and reviews), personalised,
    built in seconds: hashing embedder, a small sequential model, the given (fake) LLM."""
    import torch

    from agent.builder import build_assistant
    from agent.explanation.reviews import ReviewSnippets
    from agent.ranking.model import RankerTrainingConfig
    from agent.ranking.runtime import build_runtime
    from agent.ranking.sequential import SequentialConfig
    from agent.turn.assistant import TurnConfig
    from agent.turn.conversation_store import ConversationStore
    from profiles.store import EventStore
    from retrieval.service import ingest_into_store, open_index
    from shopwise.config import EmbedderConfig, Settings
    from shopwise.demo.catalog import demo_dataset
    from shopwise.services import AppServices, personal_ranking

    torch.set_num_threads(1)
    settings = Settings(home=home, embedder=EmbedderConfig())
    folder = demo_dataset(home)
    embedder = HashingEmbedder()
    ingest_into_store(folder, home / "store", settings, embedder=embedder, show_progress=False)
    index = open_index(home / "store", settings, embedder=embedder)
    events = EventStore.from_settings(settings)
    runtime = build_runtime(settings, folder, store=events, embedder=embedder,
                            training=RankerTrainingConfig(sequential=SequentialConfig(epochs=3, hidden=16, max_len=5)))
    ranker, sources = personal_ranking(runtime)
    assistant = build_assistant(index, llm if llm is not None else ScriptedLLM(), reviews=ReviewSnippets.from_folder(folder),
                                ranker=ranker, sources=sources, config=TurnConfig(items_shown=3))
    return AppServices(settings, index, assistant, events, runtime, folder,
                       conversations=ConversationStore.from_settings(settings))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class WebServer:
    """The web UI served by uvicorn: with a KeyStore, inside the REST API's app exactly as
    `shopwise serve` builds it (API under /v1, UI at /); without one, alone (the local demo)."""

    def __init__(self, services, keys, **ui_options):
        import uvicorn
        from fastapi import FastAPI

        from ui.web.app import mount_web_ui

        if keys is not None and not ui_options:
            from ui.api.app import ApiConfig
            from ui.serve import build_server_app

            app = build_server_app(services, keys, ApiConfig())
        else:
            app = mount_web_ui(FastAPI(), services, keys, **ui_options)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> "WebServer":
        self.thread.start()
        deadline = time.time() + 60
        while not self.server.started:
            if time.time() > deadline or not self.thread.is_alive():
                raise RuntimeError("the web server did not start")
            time.sleep(0.1)
        return self

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=20)


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium through Playwright (never a downloaded browser)."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} not found: scripts/setup.sh installs Debian's chromium with apt-get")
    sync_api = pytest.importorskip("playwright.sync_api", reason="the test extras (pip install -e .[test]) add playwright")
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


def screenshot(page, test: str, step: str) -> Path:
    """Save the page as a test artifact: var/artifacts/browser/<test>/<step>.png."""
    path = ARTIFACTS / test / f"{step}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(path), full_page=True)
    return path
