"""A real uvicorn server in a background thread on a free port (benchmarks and tests)."""

from __future__ import annotations

import socket
import threading
import time
from contextlib import contextmanager
from typing import Iterator


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]


@contextmanager
def running_server(app, host: str = "127.0.0.1", port: int | None = None, timeout_s: float = 30.0) -> Iterator[str]:
    """Serve `app` until the block ends; yields the base URL."""
    import uvicorn

    port = port or free_port(host)
    server = uvicorn.Server(uvicorn.Config(app, host=host, port=port, access_log=False, log_level="warning",
                                           lifespan="off"))
    thread = threading.Thread(target=server.run, name="shopwise-api", daemon=True)
    thread.start()
    deadline = time.monotonic() + timeout_s
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError(f"the API server did not start on {host}:{port}")
        time.sleep(0.02)
    try:
        yield f"http://{host}:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
