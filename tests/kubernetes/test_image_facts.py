"""The Deployment's container facts are the image's: port, health path, numeric user and writable
paths are read back from ``image/`` (Dockerfile, listen.conf, site.conf, nginx.conf) and compared with
what ``KubernetesApp`` declares."""

from __future__ import annotations

import re

import pytest
from pulumi.runtime.settings import SETTINGS

from components import kubernetes_app as app
from plan.harness import run_under_mocks
from stackconfig.kubernetes import KubernetesConfig
from tests.kubernetes.manifests import ROOT
import wiring

IMAGE = ROOT / "image"


def read(name: str) -> str:
    return (IMAGE / name).read_text(encoding="utf-8")


def directives(text: str, name: str) -> list[str]:
    """Arguments of every ``name ...;`` directive of an nginx file, comments stripped."""
    text = re.sub(r"#[^\n]*", "", text)
    return [m.strip() for m in re.findall(rf"(?:^|[;{{}}\s]){name}\s+([^;]+);", text)]


def locations(text: str) -> dict[str, str]:
    """``location`` matcher -> its block (up to the first ``}``: the site's blocks do not nest)."""
    text = re.sub(r"#[^\n]*", "", text)
    return {m.group(1).strip(): m.group(2) for m in re.finditer(r"\blocation\s+([^{]+)\{([^}]*)\}", text)}


@pytest.fixture(scope="module")
def container() -> dict:
    """The web container and pod spec of a default production KubernetesApp."""
    SETTINGS.rpc_manager.clear()
    SETTINGS.outputs.clear()
    args = wiring.kubernetes_args(
        KubernetesConfig(enabled=True),
        environment="production", domain="example.com", image_ref="ghcr.io/a/b@sha256:" + "1" * 64
    )
    monitor, _ = run_under_mocks(lambda: app.KubernetesApp("web", args), project="webapp-platform", stack="production")
    deployment = next(r.inputs for r in monitor.registrations if r.type == "kubernetes:apps/v1:Deployment")
    return deployment["spec"]["template"]["spec"]


def test_the_port_is_the_one_nginx_listens_on_and_the_image_exposes():
    assert directives(read("listen.conf"), "listen") == [str(app.CONTAINER_PORT)]
    assert re.search(rf"^EXPOSE\s+{app.CONTAINER_PORT}\s*$", read("Dockerfile"), flags=re.MULTILINE)


def test_the_health_path_is_served_by_site_conf_and_checked_by_the_image():
    health = locations(read("site.conf")).get(f"= {app.HEALTH_PATH}")
    assert health is not None, "site.conf has no exact location for the health path"
    assert re.search(r"\breturn\s+200\b", health)
    healthcheck = re.search(r"^HEALTHCHECK\b.*?(?=^\S|\Z)", read("Dockerfile"), flags=re.MULTILINE | re.DOTALL)
    assert healthcheck and f":{app.CONTAINER_PORT}{app.HEALTH_PATH}" in healthcheck.group(0)


def test_the_user_is_the_images_numeric_user():
    users = re.findall(r"^USER\s+(\S+)\s*$", read("Dockerfile"), flags=re.MULTILINE)
    assert users, "image/Dockerfile sets no USER"
    uid, _, gid = users[-1].partition(":")
    assert (int(uid), int(gid or uid)) == (app.RUN_AS_USER, app.RUN_AS_GROUP)
    assert app.RUN_AS_USER != 0


@pytest.mark.parametrize("probe", ["startupProbe", "readinessProbe", "livenessProbe"])
def test_every_probe_asks_nginx_for_the_health_path_on_its_port(container, probe):
    web = container["containers"][0]
    ports = {p["name"]: p["containerPort"] for p in web["ports"]}
    get = web[probe]["httpGet"]
    assert get["path"] == app.HEALTH_PATH
    port = ports.get(get["port"], get["port"])
    assert port == int(directives(read("listen.conf"), "listen")[0])


def test_the_pod_runs_as_the_images_user(container):
    web = container["containers"][0]
    assert container["securityContext"]["runAsUser"] == web["securityContext"]["runAsUser"] == app.RUN_AS_USER
    assert container["securityContext"]["runAsGroup"] == app.RUN_AS_GROUP


def test_everything_nginx_writes_is_on_the_writable_mount(container):
    conf = read("nginx.conf")
    written = directives(conf, "pid") + [
        path for name in ("client_body_temp_path", "proxy_temp_path", "fastcgi_temp_path", "uwsgi_temp_path", "scgi_temp_path")
        for path in directives(conf, name)
    ]
    assert len(written) == 6, written
    mounts = [m["mountPath"] for m in container["containers"][0]["volumeMounts"]]
    assert mounts == [app.TMP_MOUNT]
    for path in written:
        assert path.split()[0].startswith(app.TMP_MOUNT + "/"), path
    # Logs go to the standard streams, not to the read-only filesystem.
    assert all(target.split()[0] in ("stderr", "/dev/stdout", "/dev/stderr") for target in directives(conf, "error_log") + directives(conf, "access_log"))
