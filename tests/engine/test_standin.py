"""The stand-in language host's parts: interpreter choice, arguments, the policy proxy, and the
host process itself answering over gRPC on 127.0.0.1 (no CLI needed)."""

from __future__ import annotations

import subprocess
import sys
import threading
from concurrent import futures
from pathlib import Path

import grpc
import pytest
from google.protobuf import empty_pb2, struct_pb2

from plan.harness import ROOT
from pulumi.runtime.proto import analyzer_pb2, analyzer_pb2_grpc, language_pb2, language_pb2_grpc, plugin_pb2
from standin import toolchain
from standin.host import LanguageHost, _parse_argv
from standin.policy_proxy import PolicyProxy, stack_environment

ENGINE_SCRIPTS = ROOT / "scripts" / "engine"


@pytest.mark.parametrize("argv, flags, positional", [
    (["127.0.0.1:5000"], {}, ["127.0.0.1:5000"]),
    (["-tracing", "file:///t", "127.0.0.1:1"], {"tracing": "file:///t"}, ["127.0.0.1:1"]),
    (["--use-executor=/x/exec", "addr"], {"use-executor": "/x/exec"}, ["addr"]),
    (["-version"], {"version": "true"}, []),
])
def test_go_style_flags(argv, flags, positional) -> None:
    assert _parse_argv(argv) == (flags, positional)


def test_virtualenv_option_is_relative_to_the_project_root(tmp_path: Path) -> None:
    python = toolchain.resolve(str(tmp_path), {"toolchain": "pip", "virtualenv": ".venv"})
    assert python.executable == str(tmp_path / ".venv" / "bin" / "python")
    env = python.env({"PATH": "/usr/bin", "PYTHONHOME": "/elsewhere"})
    assert env["PATH"] == f"{tmp_path / '.venv' / 'bin'}:/usr/bin"
    assert env["VIRTUAL_ENV"] == str(tmp_path / ".venv") and "PYTHONHOME" not in env
    assert toolchain.resolve("/p", {"virtualenv": "/abs/venv"}).virtualenv == "/abs/venv"


def test_plugins_default_to_a_venv_and_programs_to_the_ambient_python(tmp_path: Path, monkeypatch) -> None:
    assert toolchain.resolve(str(tmp_path), {}, is_plugin=True).virtualenv == str(tmp_path / "venv")
    monkeypatch.setenv("PULUMI_PYTHON_CMD", sys.executable)
    assert toolchain.resolve(str(tmp_path), {}) == toolchain.Python(sys.executable, None)


@pytest.mark.parametrize("options, message", [
    ({"toolchain": "uv"}, "toolchain: 'uv' is not supported by the stand-in"),
    ({"toolchain": "poetry"}, "toolchain: 'poetry' is not supported"),
    ({"virtualenv": 3}, "virtualenv must be a string"),
])
def test_unsupported_options_are_refused_by_name(options, message) -> None:
    with pytest.raises(toolchain.ToolchainError, match=message):
        toolchain.resolve("/p", options)


def test_a_missing_virtualenv_is_explained(tmp_path: Path) -> None:
    python = toolchain.resolve(str(tmp_path), {"virtualenv": "venv"})
    with pytest.raises(toolchain.ToolchainError, match="set to 'venv', but .* doesn't exist; create it with"):
        toolchain.validate_venv(python, "venv")


@pytest.mark.parametrize("package, plugin", [("6.15.0", "v6.15.0"), ("1.0", "v1.0.0"), ("3.0.0a1", None),
                                             ("2.1.0.post1", None)])
def test_plugin_versions_from_package_versions(package, plugin) -> None:
    assert toolchain.plugin_version(package) == plugin


def test_required_packages_are_the_pinned_providers_of_the_project_venv() -> None:
    python = toolchain.resolve(str(ROOT), {"virtualenv": sys.prefix})
    found = {p["name"]: p["version"] for p in toolchain.required_packages(python)}
    pins = dict(line.split("==") for line in (ROOT / "requirements.txt").read_text().split()
                if "==" in line and line.startswith(("pulumi-", "pulumiverse-")))
    expected = {"github": pins["pulumi-github"], "vercel": pins["pulumiverse-vercel"],
                "sentry": pins["pulumiverse-sentry"], "docker-build": pins["pulumi-docker-build"],
                "kubernetes": pins["pulumi-kubernetes"]}
    assert found == {name: "v" + version for name, version in expected.items()}


def test_run_arguments_match_the_exec_scripts_command_line() -> None:
    host = LanguageHost("/bin/exec", "127.0.0.1:7", lambda: None)
    request = language_pb2.RunRequest(
        project="p", stack="s", pwd="/w", monitor_address="127.0.0.1:8", dryRun=True, parallel=4,
        info=language_pb2.ProgramInfo(root_directory="/w", program_directory="/w", entry_point="."),
        args=["extra"],
    )
    assert host._run_arguments(request) == [
        "--monitor", "127.0.0.1:8", "--engine", "127.0.0.1:7", "--project", "p", "--root_directory", "/w",
        "--stack", "s", "--pwd", "/w", "--dry_run", "true", "--parallel", "4", ".", "extra",
    ]


def test_stack_environment_of_a_configured_pack() -> None:
    config = analyzer_pb2.AnalyzerStackConfigureRequest(stack="dev", project="p", dry_run=True, config={"p:a": "1"})
    assert stack_environment(config) == {"PULUMI_PROJECT": "p", "PULUMI_STACK": "dev", "PULUMI_DRY_RUN": "true",
                                         "PULUMI_CONFIG": '{"p:a": "1"}'}
    assert stack_environment(None) == {}


class _Pack(analyzer_pb2_grpc.AnalyzerServicer):
    """A policy pack double on 127.0.0.1: it records what reaches it."""

    def __init__(self) -> None:
        self.configured: list[str] = []

    def ConfigureStack(self, request, context):
        self.configured.append(request.stack)
        return analyzer_pb2.AnalyzerStackConfigureResponse()

    def GetPluginInfo(self, request, context):
        return plugin_pb2.PluginInfo(version="9.9.9")

    def GetAnalyzerInfo(self, request, context):
        context.abort(grpc.StatusCode.INVALID_ARGUMENT, "pack says no")


def test_policy_proxy_configures_the_pack_then_forwards_calls_unchanged() -> None:
    pack, server = _Pack(), grpc.server(futures.ThreadPoolExecutor(max_workers=2))
    analyzer_pb2_grpc.add_AnalyzerServicer_to_server(pack, server)
    pack_port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    proxy = PolicyProxy()
    try:
        client = analyzer_pb2_grpc.AnalyzerStub(grpc.insecure_channel(f"127.0.0.1:{proxy.port}"))
        client.Handshake(analyzer_pb2.AnalyzerHandshakeRequest(), timeout=10)
        client.ConfigureStack(analyzer_pb2.AnalyzerStackConfigureRequest(stack="prod", project="p"), timeout=10)
        assert proxy.await_configuration(lambda: True).stack == "prod"
        info: dict = {}
        waiting = threading.Thread(
            target=lambda: info.update(v=client.GetPluginInfo(empty_pb2.Empty(), timeout=30).version))
        waiting.start()  # waits in the proxy until the pack is attached
        proxy.attach(pack_port)
        waiting.join(30)
        assert info == {"v": "9.9.9"} and pack.configured == ["prod"]
        with pytest.raises(grpc.RpcError) as refused:
            client.GetAnalyzerInfo(empty_pb2.Empty(), timeout=10)
        assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT and refused.value.details() == "pack says no"
    finally:
        proxy.stop()
        server.stop(0)


@pytest.fixture
def host_process(tmp_path: Path):
    """The stand-in host started as the CLI starts it (no engine address), stopped by PID."""
    executor = tmp_path / "exec"
    executor.write_text("")
    code = f"import sys; sys.path.insert(0, {str(ENGINE_SCRIPTS)!r}); from standin.host import main; sys.exit(main())"
    proc = subprocess.Popen([sys.executable, "-c", code, "-use-executor", str(executor)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        port = proc.stdout.readline().strip()
        assert port.isdigit(), proc.stderr.read()
        yield language_pb2_grpc.LanguageRuntimeStub(grpc.insecure_channel(f"127.0.0.1:{port}"))
    finally:
        proc.terminate()
        proc.wait(10)


def test_host_process_answers_over_grpc(host_process) -> None:
    options = struct_pb2.Struct()
    options.update({"toolchain": "pip", "virtualenv": sys.prefix})
    info = language_pb2.ProgramInfo(root_directory=str(ROOT), program_directory=str(ROOT), entry_point=".",
                                    options=options)
    assert host_process.GetPluginInfo(empty_pb2.Empty(), timeout=30).version == "3.272.0"
    packages = host_process.GetRequiredPackages(language_pb2.GetRequiredPackagesRequest(info=info), timeout=60)
    assert {(p.name, p.kind) for p in packages.packages} >= {("github", "resource"), ("vercel", "resource")}
    about = host_process.About(language_pb2.AboutRequest(info=info), timeout=60)
    assert about.executable.startswith(sys.prefix) and about.metadata["toolchain"] == "Pip"
    bad = language_pb2.ProgramInfo(root_directory=str(ROOT), program_directory=str(ROOT),
                                   options=struct_pb2.Struct(fields={"toolchain": struct_pb2.Value(string_value="uv")}))
    with pytest.raises(grpc.RpcError, match="not supported by the stand-in"):
        host_process.GetRequiredPackages(language_pb2.GetRequiredPackagesRequest(info=bad), timeout=30)


def test_host_lists_program_dependencies_and_installs_a_missing_venv(host_process, tmp_path: Path) -> None:
    options = struct_pb2.Struct()
    options.update({"toolchain": "pip", "virtualenv": sys.prefix})
    info = language_pb2.ProgramInfo(root_directory=str(ROOT), program_directory=str(ROOT), options=options)
    deps = host_process.GetProgramDependencies(
        language_pb2.GetProgramDependenciesRequest(info=info, transitiveDependencies=True), timeout=120)
    assert ("pulumi", "3.272.0") in {(d.name, d.version) for d in deps.dependencies}

    project = tmp_path / "fresh"
    project.mkdir()
    (project / "requirements.txt").write_text("# nothing to install\n")
    fresh = struct_pb2.Struct()
    fresh.update({"toolchain": "pip", "virtualenv": "venv"})
    request = language_pb2.InstallDependenciesRequest(info=language_pb2.ProgramInfo(
        root_directory=str(project), program_directory=str(project), options=fresh))
    for _ in host_process.InstallDependencies(request, timeout=300):
        pass
    assert (project / "venv" / "bin" / "python").is_file()


def test_a_missing_virtualenv_is_a_readable_error_not_a_traceback(host_process, tmp_path: Path) -> None:
    options = struct_pb2.Struct()
    options.update({"toolchain": "pip", "virtualenv": "no-such-venv"})
    info = language_pb2.ProgramInfo(root_directory=str(tmp_path), program_directory=str(tmp_path), options=options)
    with pytest.raises(grpc.RpcError) as refused:
        host_process.GetRequiredPackages(language_pb2.GetRequiredPackagesRequest(info=info), timeout=30)
    assert refused.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert "set to 'no-such-venv', but" in refused.value.details() and "doesn't exist" in refused.value.details()
    run = host_process.Run(language_pb2.RunRequest(info=info, monitor_address="127.0.0.1:9"), timeout=30)
    assert "doesn't exist" in run.error
