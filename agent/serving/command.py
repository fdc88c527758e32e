"""`shopwise serve-llm`: start vLLM for the bundled (or given) model, print its URL, run until Ctrl-C."""

from __future__ import annotations

import logging
import signal
import sys
from pathlib import Path

from agent.llm.model_files import resolve_model_dir
from agent.serving.vllm_server import DEFAULT_VENV, VllmServeConfig, VllmServer, ensure_environment
from shopwise.errors import UserFacingError

log = logging.getLogger(__name__)


def parse_loras(values: list[str]) -> tuple[tuple[str, Path], ...]:
    loras = []
    for value in values:
        name, sep, path = value.partition("=")
        if not sep or not name or not path:
            raise UserFacingError(f"--lora needs NAME=PATH, got {value!r}")
        folder = Path(path).expanduser().resolve()
        if not (folder / "adapter_config.json").is_file():
            raise UserFacingError(f"{folder} is not a LoRA adapter folder (no adapter_config.json)")
        loras.append((name, folder))
    return tuple(loras)


def serve(args, settings) -> int:
    config = VllmServeConfig(model_dir=resolve_model_dir(args.model, settings.model_cache),
                             loras=parse_loras(args.lora), host=args.host, port=args.port)
    python = ensure_environment(args.venv or DEFAULT_VENV)
    log_file = args.log or settings.home / "logs" / "vllm.log"
    log_file.parent.mkdir(parents=True, exist_ok=True)
    server = VllmServer(python, config, log_file=log_file)
    print(f"starting vLLM for {config.model_dir.name} (about a minute; log: {log_file})", file=sys.stderr)
    server.start()
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    try:
        server.wait_ready()
        names = [config.served_name] + [name for name, _ in config.loras]
        print(f"vLLM is serving {', '.join(names)} at {server.url}")
        print(f"chat through it: shopwise chat --llm-url {server.url}"
              + (f" --model {config.loras[0][0]}" if config.loras else ""), flush=True)
        server.process.wait()
        raise UserFacingError(f"vLLM stopped (exit code {server.process.returncode}); see {log_file}")
    except KeyboardInterrupt:
        print("stopping vLLM", file=sys.stderr)
        return 0
    finally:
        server.stop()
