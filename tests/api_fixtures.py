"""The real REST app over the tiny shop (events, reviews, profiles) with a fake embedder."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from tests.profiles_fixtures import write_tiny_shop


@dataclass
class ApiWorld:
    app: object
    client: object
    services: object
    keys: object
    admin: str
    agent: str
    alice: str            # shopper key of u0
    bob: str              # shopper key of u1
    alice_id: str = "u0"
    bob_id: str = "u1"


def auth(key: str) -> dict:
    return {"Authorization": f"Bearer {key}"}


def build_world(tmp_path, settings, fake_embedder, config=None) -> ApiWorld:
    from fastapi.testclient import TestClient

    from shopwise.services import build_services
    from ui.api.app import create_app
    from ui.api.auth import KeyStore

    folder = write_tiny_shop(tmp_path / "shop")
    services = build_services(settings, data=folder, embedder=fake_embedder)
    keys = KeyStore.from_settings(settings)
    app = create_app(services, keys, config)
    return ApiWorld(app, TestClient(app), services, keys, keys.create("admin"), keys.create("agent"),
                    keys.create("shopper", user_id="u0"), keys.create("shopper", user_id="u1"))


@pytest.fixture
def world(tmp_path, settings, fake_embedder) -> ApiWorld:
    return build_world(tmp_path, settings, fake_embedder)


def sse_events(text: str) -> list[tuple[str, dict]]:
    import json

    events = []
    for block in text.strip().split("\n\n"):
        lines = dict(line.split(": ", 1) for line in block.splitlines() if ": " in line)
        events.append((lines["event"], json.loads(lines["data"])))
    return events
