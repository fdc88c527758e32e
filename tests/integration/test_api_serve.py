"""`shopwise serve`: demo keys made once (hashed, file 0600), the web UI mounted beside the API on
one port, JSON access logs without raw ids or keys."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import time

import httpx
import pytest

from tests.api_fixtures import auth, build_world
from tests.fakes import HashingEmbedder

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")


def test_demo_keys_are_created_once_hashed_and_private(settings):
    from ui.api.auth import KeyStore
    from ui.serve import ensure_demo_keys

    keys = KeyStore.from_settings(settings)
    path = ensure_demo_keys(settings, keys, ["demo-ana", "demo-ben", "demo-cy"])
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    lines = [line.split() for line in path.read_text().splitlines() if not line.startswith("#")]
    assert [line[0] for line in lines] == ["admin", "agent", "shopper", "shopper"]
    principals = [keys.authenticate(line[1]) for line in lines]
    assert [p.role for p in principals] == ["admin", "agent", "shopper", "shopper"]
    assert [p.user_id for p in principals[2:]] == ["demo-ana", "demo-ben"]
    assert ensure_demo_keys(settings, keys, ["demo-ana"]) is None              # once
    assert len(keys.list()) == 4


@pytest.mark.slow
def test_serve_app_mounts_the_web_ui_beside_the_api(tmp_path, settings):
    from ui.api.server import running_server
    from ui.serve import build_server_app

    world = build_world(tmp_path, settings, HashingEmbedder())
    app = build_server_app(world.services, world.keys, None)
    with running_server(app) as url:
        page = httpx.get(url + "/", timeout=60)
        assert page.status_code == 200 and "text/html" in page.headers["content-type"]
        assert httpx.get(url + "/v1/search?q=camera", headers=auth(world.alice), timeout=30).status_code == 200
        assert httpx.get(url + "/v1/search?q=camera", timeout=30).status_code == 401
        assert httpx.get(url + "/healthz", timeout=30).json()["status"] == "ok"


@pytest.mark.slow
def test_shopwise_serve_on_the_demo_catalog(tmp_path):
    from ui.api.server import free_port

    home, port = tmp_path / "home", free_port()
    env = {**os.environ, "SHOPWISE_HOME": str(home), "HF_HUB_OFFLINE": "1"}
    server = subprocess.Popen([sys.executable, "-m", "shopwise.cli", "serve", "--no-llm", "--api-only",
                               "--port", str(port)], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 600
        while True:
            assert server.poll() is None, server.stdout.read()
            try:
                if httpx.get(url + "/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "serve did not start"
            time.sleep(1)
        keys_file = home / "demo-keys.txt"
        assert stat.S_IMODE(keys_file.stat().st_mode) == 0o600
        rows = [line.split() for line in keys_file.read_text().splitlines() if not line.startswith("#")]
        admin = next(row[1] for row in rows if row[0] == "admin")
        shopper, user = next((row[1], row[2].split("=", 1)[1]) for row in rows if row[0] == "shopper")
        assert httpx.get(url + f"/v1/users/{user}/profile", headers=auth(shopper), timeout=30).status_code == 200
        assert httpx.get(url + "/v1/search?q=jacket", headers=auth(admin), timeout=30).json()["items"]
        assert httpx.delete(url + f"/v1/users/{user}", headers=auth(rows[1][1]), timeout=30).status_code == 403
    finally:
        server.terminate()
        output, _ = server.communicate(timeout=30)
    assert "demo API keys written to" in output
    access = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    assert {entry["route"] for entry in access} >= {"/healthz", "/v1/search", "/v1/users/{user_id}/profile"}
    for secret in [row[1] for row in rows] + [user]:
        assert secret not in output.replace(f"user={user}", "")
