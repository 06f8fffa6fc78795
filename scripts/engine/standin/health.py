"""Stop the host when the engine that started it is gone (as Pulumi's plugins do).

Every plugin pings the engine's standard gRPC health service; any answer other than success or
UNIMPLEMENTED means the CLI has exited (or was killed) and the plugin ends instead of lingering.
"""

from __future__ import annotations

import threading
from typing import Callable

import grpc

_CHECK = "/grpc.health.v1.Health/Check"
_INTERVAL = 10.0  # seconds between checks (Pulumi's own hosts wait 5 minutes; orphans cost CI memory)
_watched: set[str] = set()
_lock = threading.Lock()


def watch_engine(address: str, on_gone: Callable[[], None]) -> None:
    """Check `address` in a daemon thread; call `on_gone` once when it stops answering."""
    with _lock:
        if address in _watched:
            return
        _watched.add(address)
    threading.Thread(target=_loop, args=(address, on_gone), daemon=True, name="engine-health").start()


def _loop(address: str, on_gone: Callable[[], None]) -> None:
    channel = grpc.insecure_channel(address)
    # An empty HealthCheckRequest (service "") serialises to zero bytes: no generated stub needed.
    check = channel.unary_unary(_CHECK)
    stop = threading.Event()
    while not stop.wait(_INTERVAL):
        try:
            check(b"", timeout=_INTERVAL)
        except grpc.RpcError as err:
            if err.code() != grpc.StatusCode.UNIMPLEMENTED:
                on_gone()
                return
