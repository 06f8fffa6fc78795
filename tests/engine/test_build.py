"""`make engine`'s parts, offline: pins and recipes, the host's lock subset, caching by output,
failures that name the step and module, the bin folder, and the choice of a `pulumi` on PATH."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from _cli import BUILD_VERSION, pulumi_on_path
from _host import lock_closure
from _providers import ORDER, PYPI_PACKAGES, RECIPES, _writable_copy, _write_embed
from _steps import Run, StepFailed, go_download, version_tuple
from build import assemble_bin, pins
from plan.harness import ROOT


def test_every_pinned_provider_has_a_build_recipe_for_its_pin() -> None:
    pinned = pins(ROOT / "requirements.txt")
    assert set(ORDER) == set(PYPI_PACKAGES) == set(RECIPES)
    for name in ORDER:
        assert pinned[PYPI_PACKAGES[name]] in RECIPES[name], f"{name} {pinned[PYPI_PACKAGES[name]]}: no recipe"


def test_the_cli_build_is_at_least_the_sdk_pin() -> None:
    assert version_tuple(BUILD_VERSION) >= version_tuple(pins(ROOT / "requirements.txt")["pulumi"])


@pytest.mark.parametrize("text, expected", [("v3.274.1", (3, 274, 1)), ("3.272.0", (3, 272, 0)),
                                            ("v3.275.0-alpha.1+dirty", (3, 275, 0))])
def test_versions_compare_numerically(text, expected) -> None:
    assert version_tuple(text) == expected


def test_host_venv_gets_pulumi_and_what_it_needs_from_the_lock_only() -> None:
    subset = lock_closure(ROOT / "requirements.lock")
    names = {line.split("==")[0] for line in subset.splitlines() if "==" in line}
    assert {"pulumi", "grpcio", "protobuf", "dill", "semver", "pyyaml"} <= names
    assert not names & {"pydantic", "requests", "pulumi-github", "pytest", "pulumi-policy"}
    assert subset.count("--hash=sha256:") >= len(names)  # hash-pinned like the lock


def test_lock_closure_follows_via_comments(tmp_path: Path) -> None:
    lock = tmp_path / "lock.txt"
    lock.write_text(
        "a==1 \\\n    --hash=sha256:aa\n    # via -r requirements.txt\n"
        "b==2 \\\n    --hash=sha256:bb\n    # via a\n"
        "c==3 \\\n    --hash=sha256:cc\n    # via\n    #   b\n    #   z\n"
        "z==9 \\\n    --hash=sha256:zz\n    # via -r requirements.txt\n")
    assert lock_closure(lock, "a") == "a==1 \\\n    --hash=sha256:aa\nb==2 \\\n    --hash=sha256:bb\n" \
                                      "c==3 \\\n    --hash=sha256:cc\n"
    with pytest.raises(ValueError, match="does not pin q"):
        lock_closure(lock, "q")


def test_a_step_is_skipped_when_its_output_exists_and_timed_either_way(tmp_path: Path, capsys) -> None:
    run = Run(cache=tmp_path, log=tmp_path / "build.log")
    output = tmp_path / "out"
    with run.step("thing", "example.com/mod@v1", output) as todo:
        assert todo
        output.write_text("built")
    with run.step("thing", "example.com/mod@v1", output) as todo:
        assert not todo
    printed = capsys.readouterr().out
    assert "==> thing: building (example.com/mod@v1)" in printed and "thing: cached in" in printed
    recorded = [json.loads(line) for line in (tmp_path / "timings.jsonl").read_text().splitlines()]
    assert [r["status"] for r in recorded] == ["built", "cached"] and all("seconds" in r for r in recorded)


def test_a_failing_step_names_itself_and_the_module(tmp_path: Path) -> None:
    run = Run(cache=tmp_path, log=tmp_path / "build.log")
    with pytest.raises(StepFailed, match=r"step compile failed \(module example.com/m@v2\): `false ...` exited 1: \n"):
        with run.step("compile", "example.com/m@v2"):
            run.sh("compile", "example.com/m@v2", ["false"])
    with pytest.raises(StepFailed, match=r"step copy failed \(module m\): .*No such file"):
        with run.step("copy", "m"):
            Path(tmp_path / "absent").read_text()
    assert json.loads((tmp_path / "timings.jsonl").read_text().splitlines()[-1])["status"] == "failed"


def test_a_module_the_proxy_does_not_give_fails_with_its_name(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("GOPROXY", "off")  # offline: the go command refuses at once
    monkeypatch.setenv("GOMODCACHE", str(tmp_path / "modcache"))
    run = Run(cache=tmp_path, log=tmp_path / "build.log")
    with pytest.raises(StepFailed, match=r"module example.invalid/none@v1.0.0\): not downloadable through the Go"):
        go_download(run, "provider-none", "example.invalid/none@v1.0.0")


def test_bin_folder_holds_hard_links_to_the_cache_and_drops_stale_entries(tmp_path: Path) -> None:
    cached = tmp_path / "cli" / "v1" / "pulumi"
    cached.parent.mkdir(parents=True)
    cached.write_text("#!/bin/sh\n")
    user = tmp_path / "user" / "pulumi-user"
    user.parent.mkdir()
    user.write_text("#!/bin/sh\n")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "pulumi-resource-old").write_text("stale")
    assemble_bin(bin_dir, {"pulumi": cached, "pulumi-mine": user}, symlinks={"pulumi-mine"})
    assert sorted(p.name for p in bin_dir.iterdir()) == ["pulumi", "pulumi-mine"]
    assert os.path.samefile(bin_dir / "pulumi", cached) and not (bin_dir / "pulumi").is_symlink()
    assert os.access(bin_dir / "pulumi", os.X_OK)
    assert (bin_dir / "pulumi-mine").resolve() == user


def _fake_pulumi(folder: Path, version: str) -> Path:
    folder.mkdir(parents=True)
    script = folder / "pulumi"
    script.write_text(f"#!/bin/sh\necho {version}\n")
    script.chmod(0o755)
    return script


@pytest.mark.parametrize("version, accepted", [("v3.280.0", True), ("v3.272.0", True), ("v3.200.1", False)])
def test_a_pulumi_on_path_is_used_when_it_is_at_least_the_sdk_pin(tmp_path: Path, monkeypatch, version,
                                                                  accepted) -> None:
    script = _fake_pulumi(tmp_path / "user-bin", version)
    monkeypatch.setenv("PATH", f"{script.parent}{os.pathsep}/usr/bin:/bin")
    assert pulumi_on_path("3.272.0", tmp_path / "own-bin") == ((str(script), version) if accepted else None)


def test_our_own_bin_folder_on_path_is_not_a_users_install(tmp_path: Path, monkeypatch) -> None:
    own = _fake_pulumi(tmp_path / "engine-bin", "v3.274.1")
    monkeypatch.setenv("PATH", f"{own.parent}{os.pathsep}/usr/bin:/bin")
    assert pulumi_on_path("3.272.0", own.parent) is None


def test_an_unknown_provider_is_refused_by_name() -> None:
    done = subprocess.run([sys.executable, str(ROOT / "scripts" / "engine" / "build.py"), "--providers", "gitlab"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert "--providers: unknown gitlab (expected some of sentry, vercel, github, docker-build, kubernetes)" in done.stderr


def test_embed_files_are_the_compact_schema_with_the_version_set(tmp_path: Path) -> None:
    committed = tmp_path / "schema.json"
    committed.write_text(json.dumps({"name": "sentry", "resources": {"sentry:index/team:Team": {}}}, indent=4))
    _write_embed(committed, tmp_path / "schema-embed.json", "0.0.9", "provider-sentry", "m@v")
    assert (tmp_path / "schema-embed.json").read_text() == \
        '{"name":"sentry","resources":{"sentry:index/team:Team":{}},"version":"0.0.9"}'
    with pytest.raises(StepFailed, match=r"provider-sentry failed \(module m@v\): absent.json is missing"):
        _write_embed(tmp_path / "absent.json", tmp_path / "x.json", "0.0.9", "provider-sentry", "m@v")


def test_modules_are_built_in_a_writable_copy(tmp_path: Path) -> None:
    module = tmp_path / "modcache" / "m@v1"
    (module / "cmd").mkdir(parents=True)
    (module / "cmd" / "main.go").write_text("package main\n")
    for path in (module / "cmd" / "main.go", module / "cmd", module):
        path.chmod(0o555 if path.is_dir() else 0o444)  # as the Go module cache leaves them
    copy = _writable_copy(module, tmp_path / "src" / "m")
    assert all(os.stat(p).st_mode & 0o200 for p in (copy, copy / "cmd", copy / "cmd" / "main.go"))
    (copy / "cmd" / "schema-embed.json").write_text("{}")
    (copy / "cmd" / "main.go").write_text("package main // edited\n")
    assert (module / "cmd" / "main.go").read_text() == "package main\n"
    for path in (module / "cmd", module):
        path.chmod(0o755)
