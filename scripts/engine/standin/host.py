"""The `pulumirpc.LanguageRuntime` service of the stand-in host, and its process entry point.

The CLI starts `pulumi-language-python ENGINE_ADDRESS`, reads one line (the port) from its stdout,
and calls the service there. Programs run as `python -u pulumi-language-python-exec --monitor ...
ENTRY_POINT` with the stack's config in PULUMI_CONFIG / PULUMI_CONFIG_SECRET_KEYS and their output
on this process's own stdout/stderr, which the CLI shows; policy packs run through `policy_proxy`.
"""

from __future__ import annotations

import functools
import importlib.metadata
import json
import os
import signal
import subprocess
import sys
import threading
from concurrent import futures
from typing import Any, Callable, Iterator

import grpc
from google.protobuf import empty_pb2

from pulumi.runtime.proto import language_pb2, language_pb2_grpc, plugin_pb2

from . import toolchain
from .health import watch_engine
from .plugins import run_analyzer, run_plugin_main
from .streams import Child

# pulumi-language-python-exec exits with this code after printing an error meant for the user.
_EXIT_USER_ACTIONABLE = 32
_ABOUT = "import json, platform, sys; print(json.dumps([sys.executable, platform.python_version()]))"


def _pip_list(transitive: bool) -> str:
    flags = "" if transitive else ", '--not-required'"
    return ("import subprocess, sys; print(subprocess.run([sys.executable, '-m', 'pip', 'list', '--format', "
            f"'json'{flags}], capture_output=True, text=True, check=True).stdout)")


def _user_errors(method: Callable) -> Callable:
    """A ToolchainError (bad option, missing venv, failing interpreter) answers FAILED_PRECONDITION
    with its message, which the CLI shows as is, instead of an "Exception calling application"."""

    @functools.wraps(method)
    def wrapper(self, request, context):
        try:
            return method(self, request, context)
        except toolchain.ToolchainError as err:
            context.abort(grpc.StatusCode.FAILED_PRECONDITION, str(err))

    return wrapper


class LanguageHost(language_pb2_grpc.LanguageRuntimeServicer):
    """The LanguageRuntime calls `preview`, `up`, `refresh`, `destroy` and policy packs need."""

    def __init__(self, exec_script: str, engine_address: str | None, on_engine_gone: Any) -> None:
        self.exec_script = exec_script
        self.engine_address = engine_address
        self._on_engine_gone = on_engine_gone
        self._children: set[subprocess.Popen[bytes] | Child] = set()
        self._lock = threading.Lock()

    # -- bookkeeping ------------------------------------------------------------------------
    def track(self, child: Any, add: bool) -> None:
        """Remember (add=True) or forget a running child, for Cancel and shutdown."""
        with self._lock:
            (self._children.add if add else self._children.discard)(child)

    def stop_children(self) -> None:
        """Interrupt every program and plugin this host started (Cancel, or the engine is gone)."""
        with self._lock:
            children = list(self._children)
        for child in children:
            if isinstance(child, Child):
                child.stop()
            elif child.poll() is None:
                child.send_signal(signal.SIGINT)

    # -- handshake and information -------------------------------------------------------------
    def Handshake(self, request, context):
        self.engine_address = request.engine_address
        watch_engine(self.engine_address, self._on_engine_gone)
        return language_pb2.LanguageHandshakeResponse()

    def GetPluginInfo(self, request, context):
        return plugin_pb2.PluginInfo(version=importlib.metadata.version("pulumi"))

    @_user_errors
    def GetRequiredPackages(self, request, context):
        python = self._python(request.info)
        packages = [
            plugin_pb2.PackageDependency(kind="resource", **pkg) for pkg in toolchain.required_packages(python)
        ]
        return language_pb2.GetRequiredPackagesResponse(packages=packages)

    @_user_errors
    def About(self, request, context):
        python = self._python(request.info) if request.HasField("info") else toolchain.resolve(".", {})
        about = toolchain.run_json(python, _ABOUT)
        return language_pb2.AboutResponse(
            executable=about[0], version=about[1], metadata={"toolchain": "Pip", "typechecker": "None"},
        )

    @_user_errors
    def GetProgramDependencies(self, request, context):
        deps = toolchain.run_json(self._python(request.info), _pip_list(request.transitiveDependencies))
        return language_pb2.GetProgramDependenciesResponse(
            dependencies=[language_pb2.DependencyInfo(name=d["name"].lower(), version=d["version"]) for d in deps]
        )

    # -- running programs and plugins ----------------------------------------------------------
    def Run(self, request, context):
        try:
            python = self._python(request.info)
        except toolchain.ToolchainError as err:
            return language_pb2.RunResponse(error=str(err))
        env = python.env()
        env["PULUMI_CONFIG"] = json.dumps(dict(request.config))
        env["PULUMI_CONFIG_SECRET_KEYS"] = json.dumps(list(request.configSecretKeys))
        proc = subprocess.Popen([python.executable, "-u", self.exec_script, *self._run_arguments(request)], env=env)
        self.track(proc, True)
        try:
            code = proc.wait()
        finally:
            self.track(proc, False)
        sys.stdout.flush()
        sys.stderr.flush()
        if code == 0:
            return language_pb2.RunResponse()
        if code == _EXIT_USER_ACTIONABLE:
            return language_pb2.RunResponse(bail=True)
        return language_pb2.RunResponse(error=f"program exited with non-zero exit code: {code}")

    def _run_arguments(self, request: language_pb2.RunRequest) -> list[str]:
        """The exec script's command line, as the real host builds it (empty values left out)."""
        pairs = [
            ("monitor", request.monitor_address), ("engine", self.engine_address or ""),
            ("project", request.project), ("root_directory", request.info.root_directory),
            ("stack", request.stack), ("pwd", request.pwd),
            ("dry_run", "true" if request.dryRun else "false"), ("parallel", str(request.parallel)),
            ("organization", request.organization),
        ]
        args = [arg for key, value in pairs if value for arg in (f"--{key}", value)]
        return [*args, request.info.entry_point or ".", *request.args]

    def RunPlugin(self, request, context) -> Iterator[language_pb2.RunPluginResponse]:
        is_analyzer = request.kind == "analyzer"
        try:
            python = self._python(request.info, is_plugin=not is_analyzer)
        except toolchain.ToolchainError as err:
            context.abort(grpc.StatusCode.FAILED_PRECONDITION, f"plugin {request.info.program_directory}: {err}")
        runner = run_analyzer if is_analyzer else run_plugin_main
        yield from runner(self, python, request, context)

    def InstallDependencies(self, request, context):
        try:
            python = self._python(request.info, is_plugin=request.is_plugin, must_exist=False)
        except toolchain.ToolchainError as err:
            context.abort(grpc.StatusCode.FAILED_PRECONDITION, str(err))
        directory = request.info.program_directory or request.directory
        steps = []
        if python.virtualenv and not os.path.isfile(python.executable):
            steps.append([os.environ.get("PULUMI_PYTHON_CMD") or "python3", "-m", "venv", python.virtualenv])
        if python.virtualenv and os.path.isfile(os.path.join(directory, "requirements.txt")):
            steps.append([python.executable, "-m", "pip", "install", "-r", "requirements.txt"])
        if not steps:
            yield language_pb2.InstallDependenciesResponse(
                stdout=b"stand-in language host: nothing to install (no virtualenv option, or no requirements.txt)\n")
            return
        for argv in steps:
            child = Child(argv, cwd=directory, env=python.env())
            for stream, chunk in child.events():
                yield language_pb2.InstallDependenciesResponse(**{stream: chunk})
            if child.wait():
                context.abort(grpc.StatusCode.UNKNOWN, f"{' '.join(argv)} failed with exit code {child.wait()}")

    def Cancel(self, request, context):
        self.stop_children()
        return empty_pb2.Empty()

    @staticmethod
    def _python(info: language_pb2.ProgramInfo, is_plugin: bool = False, must_exist: bool = True) -> toolchain.Python:
        """The interpreter for a program or plugin; ToolchainError when its venv is missing."""
        options = toolchain.options_of(info)
        python = toolchain.resolve(info.root_directory or info.program_directory, options, is_plugin=is_plugin)
        if must_exist:
            toolchain.validate_venv(python, options.get("virtualenv", "venv" if is_plugin else None))
        return python


def _parse_argv(argv: list[str]) -> tuple[dict[str, str], list[str]]:
    """Go-style flags (`-name value`, `-name=value`, `--name`), then positional arguments."""
    flags: dict[str, str] = {}
    positional: list[str] = []
    it = iter(argv)
    for arg in it:
        if not arg.startswith("-") or arg == "-":
            positional.append(arg)
            continue
        name, eq, value = arg.lstrip("-").partition("=")
        if name == "version":
            flags[name] = "true"
        elif eq:
            flags[name] = value
        else:
            flags[name] = next(it, "")
    return flags, positional


def main(argv: list[str] | None = None) -> int:
    """Serve the LanguageRuntime on 127.0.0.1, print the port, and run until the engine goes away."""
    flags, positional = _parse_argv(sys.argv[1:] if argv is None else argv)
    if "version" in flags:
        print(importlib.metadata.version("pulumi"))
        return 0
    here = os.path.dirname(os.path.abspath(sys.argv[0]))
    exec_script = flags.get("use-executor") or os.path.join(here, "pulumi-language-python-exec")
    if not os.path.isfile(exec_script):
        print(f"missing executor {exec_script}", file=sys.stderr)
        return 1
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=32))
    done = threading.Event()
    host = LanguageHost(exec_script, positional[0] if positional else None, done.set)
    language_pb2_grpc.add_LanguageRuntimeServicer_to_server(host, server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    print(port, flush=True)
    if host.engine_address:
        watch_engine(host.engine_address, done.set)
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: done.set())
    done.wait()
    host.stop_children()
    server.stop(grace=2).wait()
    return 0
