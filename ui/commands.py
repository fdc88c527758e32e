"""CLI subcommands of `ui/`: `shopwise demo`, `shopwise keys` (registered by shopwise.cli)."""

from __future__ import annotations

import os
import sys


def register(groups) -> None:
    from agent.commands import add_assistant_arguments

    demo = groups.top.add_parser("demo", help="the shopping assistant as a web page (Gradio), on the demo catalog by default")
    add_assistant_arguments(demo)
    demo.add_argument("--host", default="127.0.0.1")
    demo.add_argument("--port", type=int, default=7860)
    demo.set_defaults(handler=run_demo)
    register_keys(groups)
    from ui import serve

    serve.register(groups)


def register_keys(groups) -> None:
    keys = groups.top.add_parser("keys", help="REST API keys: create, list, revoke (stored hashed)")
    sub = keys.add_subparsers(dest="keys_command", metavar="ACTION", required=True)
    create = sub.add_parser("create", help="create a key and print it once")
    create.add_argument("--role", required=True, choices=("shopper", "agent", "admin"))
    create.add_argument("--user", help="the user id a shopper key is bound to (required for shoppers)")
    create.add_argument("--label", default="")
    create.set_defaults(handler=run_keys_create)
    listing = sub.add_parser("list", help="list keys (never their secrets)")
    listing.set_defaults(handler=run_keys_list)
    revoke = sub.add_parser("revoke", help="revoke a key by its id")
    revoke.add_argument("key_id")
    revoke.set_defaults(handler=run_keys_revoke)


def run_keys_create(args, settings) -> int:
    from shopwise.errors import UserFacingError
    from ui.api.auth import KeyStore

    try:
        raw = KeyStore.from_settings(settings).create(args.role, user_id=args.user, label=args.label)
    except ValueError as error:
        raise UserFacingError(str(error)) from error
    print(raw)
    return 0


def run_keys_list(args, settings) -> int:
    import time

    from ui.api.auth import KeyStore

    for info in KeyStore.from_settings(settings).list():
        created = time.strftime("%Y-%m-%d %H:%M", time.gmtime(info.created_ts))
        state = "revoked" if info.revoked else "active"
        print(f"{info.key_id}  {info.role:<7}  {info.user_id or '-':<20}  {state:<7}  {created}  {info.label}")
    return 0


def run_keys_revoke(args, settings) -> int:
    from shopwise.errors import UserFacingError
    from ui.api.auth import KeyStore

    if not KeyStore.from_settings(settings).revoke(args.key_id):
        raise UserFacingError(f"no active key {args.key_id!r} (see `shopwise keys list`)")
    print(f"revoked {args.key_id}")
    return 0


def run_demo(args, settings) -> int:
    # Gradio reads these when it is imported: no telemetry, no hub look-ups.
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from agent.session_setup import demo_users, services_from_args
    from ui.web.app import build_web_ui, launch_web_ui

    services = services_from_args(args, settings)
    # The local demo has no sign-in (a shopper picker, console and reports open): this machine only.
    if args.host not in ("127.0.0.1", "localhost", "::1"):
        print(f"warning: --host {args.host} opens the demo, customer-service console included, to the network "
              "without sign-in; `shopwise serve` asks for API keys", file=sys.stderr, flush=True)
    print(f"Shopwise demo on http://{args.host}:{args.port} (Ctrl-C to stop)", flush=True)
    launch_web_ui(build_web_ui(services, None, demo_users=demo_users(settings, args)), args.host, args.port)
    return 0
