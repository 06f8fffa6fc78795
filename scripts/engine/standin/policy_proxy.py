"""The Analyzer proxy between the engine and a Python policy pack.

Python policy packs (`pulumi_policy.PolicyPack`) learn the stack they analyse from environment
variables set before they start (PULUMI_PROJECT, PULUMI_STACK, PULUMI_DRY_RUN, PULUMI_CONFIG, ...),
but the engine only tells a plugin that through the `ConfigureStack` call after it has started. So,
as Pulumi's hosts do, the host first serves a small Analyzer of its own: it answers `Handshake`,
keeps what `ConfigureStack` says, and only then starts the pack with that environment; every other
call waits for the pack and is forwarded to it byte for byte (no message is decoded or changed).
"""

from __future__ import annotations

import json
import threading
from concurrent import futures
from typing import Any, Callable

import grpc

from pulumi.runtime.proto import analyzer_pb2

_SERVICE = "/pulumirpc.Analyzer/"
_START_TIMEOUT = 300.0  # seconds a forwarded call waits for the pack to start (a cold venv is slow)


class PolicyProxy:
    """A local Analyzer server on 127.0.0.1 that fronts one policy pack process."""

    def __init__(self) -> None:
        self._config: analyzer_pb2.AnalyzerStackConfigureRequest | None = None
        self._config_known = threading.Event()
        self._ready = threading.Event()
        self._channel: grpc.Channel | None = None
        self._error: str | None = None
        self._server = grpc.server(futures.ThreadPoolExecutor(max_workers=8))
        self._server.add_generic_rpc_handlers([_Handler(self._call)])
        self.port = self._server.add_insecure_port("127.0.0.1:0")
        self._server.start()

    def await_configuration(self, is_active: Callable[[], bool]) -> analyzer_pb2.AnalyzerStackConfigureRequest | None:
        """The engine's stack configuration; None when it asked something else first."""
        while not self._config_known.wait(0.5):
            if not is_active():
                return None
        return self._config

    def attach(self, port: int) -> None:
        """Connect to the started pack, hand it the configuration, and release waiting calls."""
        channel = grpc.insecure_channel(f"127.0.0.1:{port}")
        if self._config is not None:
            try:
                channel.unary_unary(_SERVICE + "ConfigureStack")(self._config.SerializeToString(), timeout=60)
            except grpc.RpcError as err:
                if err.code() != grpc.StatusCode.UNIMPLEMENTED:  # older packs lack ConfigureStack
                    self.fail(f"policy pack configuration failed: {err.details()}")
                    return
        self._channel = channel
        self._ready.set()

    @property
    def attached(self) -> bool:
        """Whether the pack printed its port and the proxy is connected to it."""
        return self._channel is not None

    def fail(self, reason: str) -> None:
        """The pack could not start: every waiting and future call fails with `reason`."""
        self._error = reason
        self._ready.set()

    def stop(self) -> None:
        """Stop serving (the pack has exited)."""
        if self._channel is not None:
            self._channel.close()
        self._server.stop(grace=1)

    def _call(self, method: str, request: bytes, context: grpc.ServicerContext) -> bytes:
        if method == "Handshake":
            return b""  # an empty AnalyzerHandshakeResponse
        if method == "ConfigureStack":
            if not self._config_known.is_set():
                self._config = analyzer_pb2.AnalyzerStackConfigureRequest.FromString(request)
                self._config_known.set()
            return b""  # an empty AnalyzerStackConfigureResponse
        self._config_known.set()  # e.g. `policy publish` asks for info without configuring a stack
        if not self._ready.wait(_START_TIMEOUT) or self._channel is None:
            context.abort(grpc.StatusCode.UNAVAILABLE, f"policy pack not started: {self._error or 'timed out'}")
        try:
            return self._channel.unary_unary(_SERVICE + method)(request, timeout=_deadline(context))
        except grpc.RpcError as err:
            context.abort(err.code(), err.details() or "")
            raise  # unreachable: abort raises


def _deadline(context: grpc.ServicerContext) -> float | None:
    """The caller's remaining time; None when it set no deadline (gRPC then reports ~2**63 s,
    which as a client timeout would expire at once)."""
    remaining = context.time_remaining()
    return None if remaining is None or remaining > 10**6 else remaining


def stack_environment(config: analyzer_pb2.AnalyzerStackConfigureRequest | None) -> dict[str, str]:
    """The variables `python -m pulumi.policy` reads to know its stack (as Pulumi's hosts set them)."""
    if config is None:
        return {}
    env = {
        "PULUMI_ORGANIZATION": config.organization,
        "PULUMI_PROJECT": config.project,
        "PULUMI_STACK": config.stack,
        "PULUMI_DRY_RUN": "true" if config.dry_run else "false",
    }
    if config.config:
        env["PULUMI_CONFIG"] = json.dumps(dict(config.config))
    return {key: value for key, value in env.items() if value}


class _Handler(grpc.GenericRpcHandler):
    """Routes every `pulumirpc.Analyzer` method to one callable, with raw bytes in and out."""

    def __init__(self, call: Callable[[str, bytes, grpc.ServicerContext], bytes]) -> None:
        self._call = call

    def service(self, handler_call_details: Any) -> grpc.RpcMethodHandler | None:
        full = handler_call_details.method
        if not full.startswith(_SERVICE):
            return None
        method = full[len(_SERVICE):]
        return grpc.unary_unary_rpc_method_handler(lambda request, context: self._call(method, request, context))
