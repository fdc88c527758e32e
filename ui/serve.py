"""`shopwise serve` (REST API + web UI on one port) and `shopwise api-schema` (the OpenAPI file).

On the demo catalog, the first start creates demo keys (admin, agent, and shoppers for two demo
users), stores them hashed and writes the raw keys once to `<home>/demo-keys.txt` (mode 0600).
Access logs are JSON lines with hashed key and user ids; uvicorn's own access log (which would
print paths holding user ids) is off.
"""

from __future__ import annotations

import importlib.util
import logging
import os
from pathlib import Path

from shopwise.errors import UserFacingError

log = logging.getLogger(__name__)
DEMO_KEYS_FILE = "demo-keys.txt"


def register(groups) -> None:
    from agent.commands import add_assistant_arguments

    serve = groups.top.add_parser("serve", help="REST API and web UI on one port (demo catalog by default)")
    add_assistant_arguments(serve)
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8080)
    serve.add_argument("--rate", type=float, default=20.0, help="requests per second per API key (token bucket)")
    serve.add_argument("--burst", type=int, default=40, help="token bucket size per API key")
    serve.add_argument("--max-body-kb", type=int, default=64, help="largest request body accepted (413 beyond)")
    serve.add_argument("--worker-threads", type=int, default=None,
                       help="threads answering requests (default: the number of cores, at least 2)")
    serve.add_argument("--api-only", action="store_true", help="serve the REST API without the web UI")
    serve.set_defaults(handler=run_serve)
    schema = groups.top.add_parser("api-schema", help="write the REST API's OpenAPI schema (docs/openapi.json)")
    schema.add_argument("--out", type=Path, default=Path("docs/openapi.json"))
    schema.set_defaults(handler=run_api_schema)


def api_config_from_args(args):
    from ui.api.app import ApiConfig
    from ui.api.limits import LimitsConfig

    limits = LimitsConfig(max_body_bytes=args.max_body_kb * 1024, rate_per_s=args.rate, burst=args.burst)
    if args.worker_threads is not None and args.worker_threads < 1:
        raise UserFacingError("--worker-threads must be at least 1")
    threads = {} if args.worker_threads is None else {"worker_threads": args.worker_threads}
    return ApiConfig(limits=limits, **threads)


def configure_json_logs() -> None:
    """Access log lines go out as they are (already JSON); uvicorn's access log stays off."""
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(message)s"))
    access = logging.getLogger("shopwise.api.access")
    access.handlers[:] = [handler]
    access.propagate = False
    access.setLevel(logging.INFO)


def ensure_demo_keys(settings, keys, users: list[str]) -> Path | None:
    """Create demo keys once (admin, agent, a shopper for each of two demo users); None if they exist."""
    path = Path(settings.home) / DEMO_KEYS_FILE
    if path.exists() or any(k.label.startswith("demo ") for k in keys.list()):
        return None
    lines = [f"admin    {keys.create('admin', label='demo admin')}",
             f"agent    {keys.create('agent', label='demo agent')}"]
    for user in users[:2]:
        lines.append(f"shopper  {keys.create('shopper', user_id=user, label='demo shopper')}  user={user}")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write("# Shopwise demo API keys (shown only here; stored hashed). Use: Authorization: Bearer KEY\n")
        handle.write("\n".join(lines) + "\n")
    os.chmod(path, 0o600)
    return path


def web_ui_available() -> bool:
    return importlib.util.find_spec("ui.web.app") is not None


def build_server_app(services, keys, config, *, with_ui: bool = True):
    """The API app, with the web UI mounted at / when ui.web.app exists."""
    from ui.api.app import create_app

    app = create_app(services, keys, config)
    if with_ui and web_ui_available():
        os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        from ui.web.app import mount_web_ui

        app = mount_web_ui(app, services, keys)
        log.info("web UI mounted at /")
    else:
        log.info("serving the REST API alone (%s)", "--api-only" if not with_ui else "no ui.web.app module")
    return app


def run_serve(args, settings) -> int:
    import uvicorn

    from agent.session_setup import demo_users, services_from_args
    from ui.api.auth import KeyStore
    from ui.api.server import tune_process_for_serving

    configure_json_logs()
    services = services_from_args(args, settings)
    keys = KeyStore.from_settings(settings)
    if args.data is None and args.store is None:
        written = ensure_demo_keys(settings, keys, demo_users(settings, args))
        if written:
            print(f"demo API keys written to {written} (mode 0600)", flush=True)
        else:
            print(f"demo API keys: see {Path(settings.home) / DEMO_KEYS_FILE}", flush=True)
    app = build_server_app(services, keys, api_config_from_args(args), with_ui=not args.api_only)
    print(f"Shopwise on http://{args.host}:{args.port}  (API under /v1, docs at /docs; Ctrl-C to stop)", flush=True)
    tune_process_for_serving()
    uvicorn.run(app, host=args.host, port=args.port, access_log=False, log_level="warning")
    return 0


def schema_app():
    """An app over empty stand-ins: the schema depends only on the routes and models."""
    from ui.api.app import create_app

    class _Nothing:
        erasure_hooks: dict = {}

    class _Keys:
        def delete_for_user(self, _user_id):
            return 0

    nothing = _Nothing()
    nothing.erasure_hooks = {}
    return create_app(nothing, _Keys())


def run_api_schema(args, settings) -> int:
    from ui.api.app import openapi_json

    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(openapi_json(schema_app()), encoding="utf-8")
    print(f"wrote {args.out}")
    return 0


