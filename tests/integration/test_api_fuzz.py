"""Property-based fuzz of the OpenAPI schema against the real server on a real port (schemathesis):
no response is a 5xx and every response matches the schema (status, content type, body, headers).
Runs with an admin key (every route reachable) and with a shopper key (the 403 paths)."""

from __future__ import annotations

import pytest
import schemathesis  # a pinned test dependency: missing means a broken install, never a skip
from hypothesis import HealthCheck, given, settings
from schemathesis import checks

from shopwise.config import EmbedderConfig, Settings
from tests.fakes import HashingEmbedder
from tests.profiles_fixtures import write_tiny_shop

pytestmark = pytest.mark.slow
CHECKS = [checks.not_a_server_error, checks.status_code_conformance, checks.content_type_conformance,
          checks.response_schema_conformance, checks.response_headers_conformance]


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    from shopwise.services import build_services
    from ui.api.app import ApiConfig, create_app
    from ui.api.auth import KeyStore
    from ui.api.limits import LimitsConfig
    from ui.api.server import running_server

    root = tmp_path_factory.mktemp("fuzz")
    config = Settings(home=root / "home", embedder=EmbedderConfig())
    services = build_services(config, data=write_tiny_shop(root / "shop"), embedder=HashingEmbedder())
    keys = KeyStore.from_settings(config)
    app = create_app(services, keys, ApiConfig(limits=LimitsConfig(rate_per_s=1000, burst=1000)))
    admin, shopper = keys.create("admin"), keys.create("shopper", user_id="u3")
    with running_server(app) as url:
        yield {"url": url, "admin": admin, "shopper": shopper}


FUZZ = settings(max_examples=50, deadline=None, derandomize=True, database=None,
                suppress_health_check=list(HealthCheck))


def operations(url: str):
    loaded = schemathesis.openapi.from_url(url + "/openapi.json")
    return [result.ok() for result in loaded.get_all_operations()]


@pytest.mark.parametrize("role", ["admin", "shopper"])
def test_schema_fuzz_no_5xx_and_conforming(live, role):
    headers = {"Authorization": f"Bearer {live[role]}"}
    seen = set()
    for operation in operations(live["url"]):
        @given(case=operation.as_strategy())
        @FUZZ
        def fuzz(case):
            response = case.call_and_validate(base_url=live["url"], headers=headers, checks=CHECKS, timeout=30)
            seen.add((operation.method.upper(), operation.path, response.status_code))

        fuzz()
    paths = {path for _, path, _ in seen}
    assert len(paths) == 9, paths                                    # every route was exercised
    assert any(status == 200 for *_, status in seen) and all(status < 500 for *_, status in seen)
