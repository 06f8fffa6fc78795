"""`RunPlugin`: start a Python plugin and stream its output back to the CLI.

Two kinds, as in Pulumi's host: a policy pack (kind "analyzer") runs as `python -u -m pulumi.policy
ENGINE PACK_DIR` in the pack's folder, behind `policy_proxy`; any other plugin directory runs its
`__main__.py` as `python PLUGIN_DIR ARGS...` in the caller's working directory. The CLI reads the
first stdout line of the stream as the plugin's gRPC port.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Iterator

import grpc

from pulumi.runtime.proto import language_pb2

from . import toolchain
from .policy_proxy import PolicyProxy, stack_environment
from .streams import Child

if TYPE_CHECKING:
    from .host import LanguageHost


def _out(stream: str, chunk: bytes) -> language_pb2.RunPluginResponse:
    return language_pb2.RunPluginResponse(**{stream: chunk})


def _request_env(request: language_pb2.RunPluginRequest) -> dict[str, str]:
    """The KEY=VALUE pairs the CLI adds for this plugin."""
    return dict(item.split("=", 1) for item in request.env if "=" in item)


def run_plugin_main(host: LanguageHost, python: toolchain.Python, request: language_pb2.RunPluginRequest,
                    context: grpc.ServicerContext) -> Iterator[language_pb2.RunPluginResponse]:
    """A plugin folder with a `__main__.py` (Python component providers and the like)."""
    plugin_dir = request.info.program_directory
    if not os.path.isfile(os.path.join(request.info.root_directory or plugin_dir, "__main__.py")):
        context.abort(grpc.StatusCode.UNIMPLEMENTED,
                      f"plugin {plugin_dir}: only plugins with a __main__.py run under the stand-in host")
    env = python.env() | _request_env(request)
    yield from _stream(host, Child([python.executable, plugin_dir, *request.args], cwd=request.pwd, env=env), context)


def run_analyzer(host: LanguageHost, python: toolchain.Python, request: language_pb2.RunPluginRequest,
                 context: grpc.ServicerContext) -> Iterator[language_pb2.RunPluginResponse]:
    """A policy pack: serve the proxy, learn the stack, then start the pack and attach to it."""
    pack_dir = request.info.program_directory
    proxy = PolicyProxy()
    try:
        yield _out("stdout", f"{proxy.port}\n".encode())
        config = proxy.await_configuration(context.is_active)
        env = python.env() | stack_environment(config) | _request_env(request)
        argv = [python.executable, "-u", "-m", "pulumi.policy", *request.args, pack_dir]
        child = Child(argv, cwd=pack_dir, env=env)
        yield from _stream(host, child, context, on_port=proxy.attach)
        if not proxy.attached:
            proxy.fail(f"{' '.join(argv)} exited with code {child.wait()} before printing its port")
    finally:
        proxy.stop()


def _stream(host: LanguageHost, child: Child, context: grpc.ServicerContext,
            on_port=None) -> Iterator[language_pb2.RunPluginResponse]:
    """Forward the child's output; with `on_port`, its first stdout line is a port kept to ourselves."""
    host.track(child, True)
    context.add_callback(child.stop)  # the CLI closed the plugin: stop the child with it
    pending = b""
    try:
        for stream, chunk in child.events():
            if stream == "stdout" and on_port is not None:
                pending += chunk
                if b"\n" not in pending:
                    continue
                line, _, chunk = pending.partition(b"\n")
                if not line.strip().isdigit():
                    child.stop()
                    context.abort(grpc.StatusCode.UNKNOWN, f"plugin wrote {line[:200]!r} instead of its port")
                on_port(int(line.strip()))
                on_port = None
                if not chunk:
                    continue
            yield _out(stream, chunk)
        code = child.wait()
    finally:
        host.track(child, False)
    if code != 0:
        yield language_pb2.RunPluginResponse(exitcode=code)
