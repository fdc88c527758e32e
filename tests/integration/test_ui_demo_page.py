"""The demo page answers over HTTP: a real Gradio server, called through its HTTP API."""

import os
import socket

import httpx
import pytest

from tests.agent_fixtures import ScriptedLLM, make_assistant, small_dataset, small_index  # noqa: F401

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def page(small_index, small_dataset):
    from ui.demo_app import build_demo, launch

    assistant = make_assistant(small_index, ScriptedLLM(["It is a Northpeak rain jacket."]),
                               reviews_folder=small_dataset)
    demo = build_demo(assistant, users=["u1"])
    port = free_port()
    launch(demo, "127.0.0.1", port, block=False)
    yield f"http://127.0.0.1:{port}/"
    demo.close()


def text_of(message) -> str:
    content = message["content"]
    if isinstance(content, list):       # Gradio 6 returns content as typed parts
        return "".join(part.get("text", "") for part in content if isinstance(part, dict))
    return content


@pytest.mark.slow
def test_the_page_serves_and_a_chat_turn_returns_items_and_reply(page):
    from gradio_client import Client

    assert httpx.get(page, timeout=30).status_code == 200
    client = Client(page, verbose=False)
    history, cards_html, textbox = client.predict("a waterproof rain jacket under 100", [], "anonymous", api_name="/chat")
    reply = text_of(history[-1])
    assert "picks for" in reply and "1." in reply
    assert cards_html.count('class="sw-card"') == 3
    assert "$" in cards_html and "sw-why" in cards_html and "writing why" not in cards_html
    assert textbox == ""
    # a bad message gets an answer too, and the page keeps working
    history, _, _ = client.predict("", [], "u1", api_name="/chat")
    assert "Please type" in text_of(history[-1])
