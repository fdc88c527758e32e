"""`shopwise demo`'s page serves over HTTP: the web app in local demo mode (no KeyStore), launched
the way the command launches it, over the small fixture catalog."""

import os

import httpx
import pytest

from tests.agent_fixtures import ScriptedLLM, make_assistant, small_dataset, small_index  # noqa: F401
from tests.web_fixtures import free_port

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")


@pytest.fixture
def page(small_index, small_dataset, settings):
    from profiles.store import EventStore
    from shopwise.services import AppServices
    from ui.web.app import build_web_ui, launch_web_ui

    assistant = make_assistant(small_index, ScriptedLLM(["It is a Northpeak rain jacket."]),
                               reviews_folder=small_dataset)
    services = AppServices(settings, small_index, assistant, EventStore.from_settings(settings), None, small_dataset)
    blocks = build_web_ui(services, None, demo_users=["u1"], report_dirs=[])
    port = free_port()
    launch_web_ui(blocks, "127.0.0.1", port, block=False)
    yield f"http://127.0.0.1:{port}/"
    blocks.close()


@pytest.mark.slow
def test_the_demo_page_serves_the_shop_console_and_reports(page):
    assert httpx.get(page, timeout=30).status_code == 200
    config = httpx.get(page + "config", timeout=30).json()
    ids = {c.get("props", {}).get("elem_id") for c in config["components"]}
    assert {"sw-message", "sw-send", "sw-demo-user", "sw-card-0", "sw-chips", "sw-console", "sw-reports"} <= ids
    assert "sw-key" not in ids                    # no sign-in in the local demo
    picker = next(c for c in config["components"] if c.get("props", {}).get("elem_id") == "sw-demo-user")
    assert [choice[0] for choice in picker["props"]["choices"]] == ["anonymous", "u1"]
    assert ".sw-card" in config.get("css", "") or ".sw-card" in httpx.get(page, timeout=30).text
