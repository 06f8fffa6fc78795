"""The example app (examples/app/) built as the image build and the browser tests need it.

The build runs in a copy outside the repository (node_modules and dist never land in the work
tree), with the same npm commands as the Dockerfile: `npm ci`, then the environment's build
script with the VITE_* build arguments in the environment. The copy's node_modules is kept under
~/.cache/webapp-platform/app/<hash of package-lock.json>/ so a warm run only builds.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from pathlib import Path

from tests.support.nginx_site import REPO_ROOT, CspInputs, HarnessError, require_tool

APP_DIR = REPO_ROOT / "examples" / "app"
CACHE = Path(os.environ.get("WEBAPP_PLATFORM_CACHE", Path.home() / ".cache" / "webapp-platform")) / "app"
# The build arguments the tiers build the app with: invented origins that nothing resolves (the
# browser answers them locally; see tests/browser/check_app.mjs).
API_ORIGIN = "https://api.example.test"
SENTRY_ORIGIN = "https://o42.ingest.us.sentry.io"
TEST_CSP = CspInputs(
    api_url=f"{API_ORIGIN}/v1",
    sentry_dsn=f"https://0123abcd@{SENTRY_ORIGIN.removeprefix('https://')}/4242",
    report_uri=f"{SENTRY_ORIGIN}/api/4242/security/?sentry_key=0123abcd",
)

# What the copy leaves out: host state the Dockerfile's dockerignore keeps out of the image too.
SKIP = shutil.ignore_patterns("node_modules", "dist", "dist-staging", "coverage", ".vite")


def artifacts_dir() -> Path:
    """Where the tiers leave what a person may want to look at (screenshots), outside the repo."""
    folder = Path(os.environ.get("WEBIMAGE_ARTIFACTS", CACHE.parent / "artifacts"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _npm(args: list[str], cwd: Path, env: dict[str, str], timeout: float) -> None:
    result = subprocess.run(
        [require_tool("npm"), *args], cwd=cwd, env=env, capture_output=True, text=True,
        timeout=timeout, check=False,
    )
    if result.returncode != 0:
        raise HarnessError(f"npm {' '.join(args)} in {cwd} exited {result.returncode}: {result.stderr.strip()[-2000:]}")


def built_app(csp: CspInputs, *, script: str = "build:staging", environment: str = "staging") -> Path:
    """dist/ of the example app built with these build arguments (a fresh folder per call)."""
    lock_key = hashlib.sha256((APP_DIR / "package-lock.json").read_bytes()).hexdigest()[:16]
    work = CACHE / lock_key
    source_key = hashlib.sha256(
        b"".join(p.read_bytes() for p in sorted(APP_DIR.rglob("*")) if p.is_file() and "node_modules" not in p.parts)
    ).hexdigest()[:16]
    build = work / f"build-{source_key}-{hashlib.sha256(repr((csp, script, environment)).encode()).hexdigest()[:8]}"
    if (build / "dist" / "index.html").is_file():
        return build / "dist"
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/root"),
        **{k: v for k, v in os.environ.items() if k.startswith(("NODE_EXTRA_CA", "SSL_CERT", "npm_config_"))},
    }
    if not (work / "node_modules" / ".package-lock.json").is_file():
        work.mkdir(parents=True, exist_ok=True)
        shutil.copy2(APP_DIR / "package.json", work / "package.json")
        shutil.copy2(APP_DIR / "package-lock.json", work / "package-lock.json")
        _npm(["ci", "--no-audit", "--no-fund", "--prefer-offline"], work, env, 600)
    shutil.rmtree(build, ignore_errors=True)
    shutil.copytree(APP_DIR, build, ignore=SKIP)
    (build / "node_modules").symlink_to(work / "node_modules")
    build_env = {**env, "VITE_API_URL": csp.api_url, "VITE_SENTRY_DSN": csp.sentry_dsn, "VITE_ENVIRONMENT": environment}
    _npm(["run", script], build, build_env, 300)
    for source_map in (build / "dist").rglob("*.map"):
        source_map.unlink()  # as the Dockerfile does: maps go to Sentry, never to the site
    return build / "dist"
