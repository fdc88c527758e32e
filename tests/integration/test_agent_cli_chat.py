"""`shopwise chat` end to end in a terminal: the demo catalog generated and indexed on first run,
a request, a follow-up, bad input, a request in words the catalog does not use, and a clean exit."""

import subprocess
import sys

import pytest

pytestmark = pytest.mark.slow


def test_chat_on_the_demo_catalog_out_of_the_box(tmp_path):
    script = ("a waterproof rain jacket under 150\ncheaper\n\nJe cherche un casque\n"
              "something for my mom, she likes cooking\nmy feet hurt when I jog\nquit\n")
    result = subprocess.run(
        [sys.executable, "-m", "shopwise.cli", "--home", str(tmp_path / "home"), "--embedder-backend", "torch",
         "chat", "--no-llm"], input=script, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    out = result.stdout
    assert out.count("picks for") >= 2                      # the request and the follow-up
    assert "up to 150" in out
    assert "Please type what you are looking for" in out    # the empty line
    assert "I understand English best" in out
    # no cooking or jogging in the demo catalog: the nearest product types are offered (real MiniLM)
    assert "The nearest I have: coffee makers under " in out
    assert "The nearest I have: running shoes under " in out
    assert (tmp_path / "home" / "demo" / "catalog" / "items.jsonl").is_file()
