"""Debian's headless Chromium driven by playwright-core (tests/browser/check_app.mjs).

The Node script does the browsing and prints one JSON report; this module runs it, optionally
inside a container's network namespace (`nsenter -n`: the container has no other network), and
returns the parsed report. A missing node, playwright-core or chromium is an error, never a skip.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from tests.support.nginx_site import REPO_ROOT, HarnessError, require_tool

CHECK_SCRIPT = REPO_ROOT / "tests" / "browser" / "check_app.mjs"
CHROMIUM = Path("/usr/bin/chromium")


def require_browser() -> None:
    """Chromium and playwright-core are where the script expects them."""
    if not CHROMIUM.is_file():
        raise HarnessError(f"{CHROMIUM} not found: run scripts/install-system-deps.sh (Debian's chromium)")
    if not (REPO_ROOT / "node_modules" / "playwright-core" / "package.json").is_file():
        raise HarnessError("node_modules/playwright-core missing: run `npm ci` in the repository root")


def check_app(base_url: str, api_origin: str, sentry_origin: str, screenshot: Path, *, netns_pid: int | None = None) -> dict:
    """Run check_app.mjs against base_url; the parsed JSON report."""
    require_browser()
    argv = [require_tool("node"), str(CHECK_SCRIPT), base_url, api_origin, sentry_origin, str(screenshot)]
    if netns_pid is not None:
        argv = [require_tool("nsenter"), "-t", str(netns_pid), "-n", "--", *argv]
    result = subprocess.run(argv, capture_output=True, text=True, timeout=120, cwd=REPO_ROOT, check=False)
    lines = [line for line in result.stdout.splitlines() if line.startswith("{")]
    if result.returncode != 0 or not lines:
        raise HarnessError(f"check_app.mjs exited {result.returncode}: {result.stderr.strip()[-2000:]}")
    return json.loads(lines[-1])
