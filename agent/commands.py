"""CLI subcommands of `agent/`: `chat`, `serve-llm` and `bench chat` (registered by shopwise.cli)."""

from __future__ import annotations

import argparse
from pathlib import Path


def register(groups) -> None:
    chat = groups.top.add_parser("chat", help="chat with the shopping assistant in the terminal (streaming)")
    add_assistant_arguments(chat)
    chat.add_argument("--user", help="shopper id (personalises ranking where profiles exist)")
    chat.set_defaults(handler=run_chat)

    serve = groups.top.add_parser("serve-llm", help="start vLLM's OpenAI-compatible server for the chat model")
    serve.add_argument("--model", help="Hugging Face model folder (default: the bundled SmolLM2-135M-Instruct)")
    serve.add_argument("--lora", action="append", default=[], metavar="NAME=PATH",
                       help="serve a LoRA adapter under NAME (repeatable)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8011)
    serve.add_argument("--venv", type=Path, help="vLLM environment (default ~/.shopwise/vllm-venv, created on first use)")
    serve.add_argument("--log", type=Path, help="write the server's log here (default: <home>/logs/vllm.log)")
    serve.set_defaults(handler=run_serve_llm)

    bench = groups.bench.add_parser("chat", help="latency and guard figures of scripted chat turns")
    bench.add_argument("--data", type=Path, required=True, help="dataset folder (e.g. ../shared/data/icecat-electronics)")
    bench.add_argument("--json", type=Path, required=True, help="write results here (+ .md and .png beside it)")
    bench.add_argument("--llm-url", help="benchmark through this OpenAI-compatible server instead of in-process")
    bench.add_argument("--serve-vllm", action="store_true", help="start a vLLM server for the run, and stop it after")
    bench.add_argument("--model", help="local model folder (default: the bundled model)")
    bench.add_argument("--llm-understanding", action="store_true", help="also ask the LLM for constraints (slower)")
    bench.add_argument("--limit", type=int, help="run only the first N scripted turns")
    bench.add_argument("--no-llm", action="store_true", help="template explanations only (measures the rest)")
    bench.set_defaults(handler=run_bench_chat)


def add_assistant_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data", type=Path, help="dataset folder to chat over (default: the demo catalog)")
    parser.add_argument("--store", type=Path, help="an already ingested store folder instead of --data")
    parser.add_argument("--llm-url", help="OpenAI-compatible server, e.g. http://127.0.0.1:8011/v1 (from serve-llm)")
    parser.add_argument("--model", help="local HF model folder, or the served model/LoRA name with --llm-url")
    parser.add_argument("--adapter", help="LoRA adapter folder for the local model")
    parser.add_argument("--no-llm", action="store_true", help="no language model: explanations from templates only")
    parser.add_argument("--llm-understanding", action="store_true",
                        help="ask the LLM for constraints as JSON too (rules always run)")
    parser.add_argument("--llm-ranking", action="store_true",
                        help="let the LLM re-rank the top candidates for shoppers with a history (LlamaRec style)")
    parser.add_argument("--items", type=int, default=3, help="items shown per answer")


def llm_config_from_args(args, environ=None):
    import os

    from agent.llm.config import LLMConfig
    from shopwise.errors import UserFacingError

    if getattr(args, "no_llm", False):
        return None
    base = LLMConfig.from_env(os.environ if environ is None else environ)
    url = args.llm_url or base.url
    try:
        return LLMConfig(backend="openai" if url else "local", url=url, model=args.model or base.model,
                         adapter=getattr(args, "adapter", None) or base.adapter, timeout_s=base.timeout_s)
    except ValueError as error:
        raise UserFacingError(str(error)) from error


def run_chat(args, settings) -> int:
    from agent.terminal_chat import chat_loop

    return chat_loop(args, settings)


def run_serve_llm(args, settings) -> int:
    from agent.serving.command import serve

    return serve(args, settings)


def run_bench_chat(args, settings) -> int:
    from agent.bench.chat_bench import run

    return run(args, settings)
