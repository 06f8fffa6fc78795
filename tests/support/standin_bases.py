"""Stand-ins for the official `node` and `nginx` base images, which cannot be pulled here.

Both start from one Debian 12 minbase root filesystem (scripts/make-standin-rootfs.sh, cached by a
key) imported into the test engine, and add what image/Dockerfile relies on from the official
images, so the Dockerfile itself builds unmodified (only NODE_IMAGE / NGINX_IMAGE are passed):

nginx (for the runtime stage):
  - user and group `nginx` with uid/gid 101 (the Dockerfile's `USER 101:101`);
  - /docker-entrypoint.sh and /docker-entrypoint.d (the Dockerfile deletes them), /etc/nginx/conf.d
    and /usr/share/nginx/html (deleted too, then the site is copied there), /etc/nginx/mime.types
    (nginx.conf includes it; Debian's nginx has it);
  - `nginx` on PATH with gzip_static (Debian's nginx-light; the official image builds 1.30 with it);
  - `wget` (busybox, as in Alpine) for the HEALTHCHECK;
  - `STOPSIGNAL SIGQUIT` and `EXPOSE 80` (a Dockerfile step: `docker import --change` cannot set
    STOPSIGNAL), the default command `nginx -g 'daemon off;'`.
node (for the build stage):
  - `node`, `npm` and `npx` on PATH (this machine's Node 20 binary and npm: Debian 12's nodejs is
    18, too old for Vite 8), a POSIX sh, gzip, find, sed and grep (precompress.sh, render-csp.sh);
  - this machine's CA bundle with NODE_EXTRA_CA_CERTS pointing at it, so `npm ci` inside the build
    reaches the registry the way npm on the host does (an accommodation of the stand-in only).
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from tests.support.docker_engine import DockerEngine
from tests.support.nginx_site import REPO_ROOT, HarnessError, require_tool

ROOTFS_SCRIPT = REPO_ROOT / "scripts" / "make-standin-rootfs.sh"
HOST_CA_BUNDLE = Path("/etc/ssl/certs/ca-certificates.crt")

NGINX_ENTRYPOINT = """#!/bin/sh
# Stand-in for the official image's entrypoint: run the command (the official one also runs the
# scripts in /docker-entrypoint.d first; the web image deletes both).
set -e
for script in /docker-entrypoint.d/*.sh; do [ -x "$script" ] && "$script"; done
exec "$@"
"""

NGINX_DOCKERFILE = """FROM {rootfs}
RUN groupadd --system --gid 101 nginx \\
    && useradd --system --uid 101 --gid 101 --no-create-home --home-dir /nonexistent \\
       --shell /usr/sbin/nologin nginx \\
    && mkdir -p /docker-entrypoint.d /etc/nginx/conf.d /usr/share/nginx/html \\
    && ln -s /bin/busybox /usr/local/bin/wget \\
    && rm -f /etc/nginx/sites-enabled/default
COPY docker-entrypoint.sh /docker-entrypoint.sh
EXPOSE 80
STOPSIGNAL SIGQUIT
ENTRYPOINT ["/docker-entrypoint.sh"]
CMD ["nginx", "-g", "daemon off;"]
"""

NODE_DOCKERFILE = """FROM {rootfs}
COPY node /usr/local/bin/node
COPY npm /usr/local/lib/node_modules/npm
COPY ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \\
    && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx \\
    && node --version && npm --version
ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt
CMD ["node"]
"""


@dataclass(frozen=True)
class StandinBases:
    """The two stand-in references, to pass as NODE_IMAGE and NGINX_IMAGE."""

    node: str
    """The build stage's base."""
    nginx: str
    """The runtime stage's base."""

    def build_args(self) -> list[str]:
        """`--build-arg` options for image/Dockerfile."""
        return ["--build-arg", f"NODE_IMAGE={self.node}", "--build-arg", f"NGINX_IMAGE={self.nginx}"]


def rootfs_tarball() -> Path:
    """The cached root filesystem (debootstrap on the first run: about 2 minutes)."""
    result = subprocess.run(
        ["bash", str(ROOTFS_SCRIPT)], capture_output=True, text=True, timeout=1200, check=False
    )
    if result.returncode != 0:
        raise HarnessError(f"{ROOTFS_SCRIPT.name} exited {result.returncode}: {result.stderr.strip()}")
    return Path(result.stdout.strip().splitlines()[-1])


def host_node() -> tuple[Path, Path]:
    """This machine's node binary and npm package folder."""
    node = Path(require_tool("node")).resolve()
    npm_cli = Path(require_tool("npm")).resolve()  # .../node_modules/npm/bin/npm-cli.js
    npm_dir = npm_cli.parent.parent
    if not (npm_dir / "package.json").is_file():
        raise HarnessError(f"npm at {npm_cli}: cannot find its package folder")
    return node, npm_dir


def _build(engine: DockerEngine, tag: str, dockerfile: str, files: dict[str, Path | str]) -> None:
    """docker build of a small context made of the given files (name -> path or text)."""
    context = Path(tempfile.mkdtemp(prefix="standin-"))
    try:
        (context / "Dockerfile").write_text(dockerfile)
        for name, source in files.items():
            target = context / name
            if isinstance(source, str):
                target.write_text(source)
                target.chmod(0o755)
            elif source.is_dir():
                shutil.copytree(source, target, symlinks=True)
            else:
                shutil.copy2(source, target)
        engine.check("buildx", "build", "--network", "none", "--load", "-t", tag, str(context), timeout=600)
    finally:
        shutil.rmtree(context, ignore_errors=True)


def ensure_bases(engine: DockerEngine) -> StandinBases:
    """Import the root filesystem and build both stand-ins unless the engine has them (the key)."""
    tarball = rootfs_tarball()
    key = tarball.parent.name
    node_binary, npm_dir = host_node()
    node_version = subprocess.run([str(node_binary), "--version"], capture_output=True, text=True, check=True).stdout
    rootfs, nginx = (f"webimage-standin/{name}:{key}" for name in ("rootfs", "nginx"))
    node = f"webimage-standin/node:{key}-{node_version.strip().lstrip('v')}"
    if not engine.has_image(rootfs):
        engine.check("import", str(tarball), rootfs, timeout=600)
    if not engine.has_image(nginx):
        _build(engine, nginx, NGINX_DOCKERFILE.format(rootfs=rootfs), {"docker-entrypoint.sh": NGINX_ENTRYPOINT})
    if not engine.has_image(node):
        _build(
            engine, node, NODE_DOCKERFILE.format(rootfs=rootfs),
            {"node": node_binary, "npm": npm_dir, "ca-certificates.crt": HOST_CA_BUNDLE},
        )
    return StandinBases(node=node, nginx=nginx)
