"""CLI subcommands of `ui/`: `shopwise demo` (registered by shopwise.cli)."""

from __future__ import annotations

import os


def register(groups) -> None:
    from agent.commands import add_assistant_arguments

    demo = groups.top.add_parser("demo", help="the shopping assistant as a web page (Gradio), on the demo catalog by default")
    add_assistant_arguments(demo)
    demo.add_argument("--host", default="127.0.0.1")
    demo.add_argument("--port", type=int, default=7860)
    demo.set_defaults(handler=run_demo)


def run_demo(args, settings) -> int:
    # Gradio reads these when it is imported: no telemetry, no hub look-ups.
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from agent.session_setup import assistant_from_args, demo_users
    from ui.demo_app import build_demo, launch

    assistant = assistant_from_args(args, settings)
    print(f"Shopwise demo on http://{args.host}:{args.port} (Ctrl-C to stop)", flush=True)
    launch(build_demo(assistant, demo_users(settings, args)), args.host, args.port)
    return 0
