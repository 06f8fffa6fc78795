"""Benchmark: Lighthouse (npm, 12.8) scores of the example app served with the image's site config.

Run from the repository root (`make bench` runs it so):
    .venv/bin/python -m bench.bench_lighthouse [--runs N] [--form-factor desktop|mobile]

Builds examples/app/ for production as the image does (npm ci, build, .map files deleted,
precompressed by image/precompress.sh), serves it with Debian's nginx and image/site.conf verbatim
(tests/support/nginx_site.py, as the tests do) on 127.0.0.1, and runs Lighthouse against it in Debian's
headless Chromium. The app is built with a same-origin API (`VITE_API_URL=/api`) and no Sentry
DSN, and Chromium resolves no host but 127.0.0.1: nothing leaves the machine, and no request fails
for lack of network (a failed request is a console error, which best practices counts).
Prints the four category scores per run and their median; targets (desktop): performance >= 90,
accessibility >= 95, best practices >= 95. Exit status: 0 when met, 1 when one is missed, 2 when
the run could not happen.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Literal

from tests.support.example_app import built_app
from tests.support.nginx_site import (
    REPO_ROOT, CspInputs, HarnessError, Layout, image_conf_files, precompress, start_on_free_port, temporary_root,
)

LIGHTHOUSE = REPO_ROOT / "node_modules" / ".bin" / "lighthouse"
CHROMIUM = Path("/usr/bin/chromium")
CHROME_FLAGS = (
    "--headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking "
    "--disable-component-update --disable-sync --host-resolver-rules='MAP * ~NOTFOUND, EXCLUDE 127.0.0.1'"
)
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
TARGETS = {"performance": 90, "accessibility": 95, "best-practices": 95}
APP_CSP = CspInputs(api_url="/api")

Category = Literal["performance", "accessibility", "best-practices", "seo"]


def lighthouse(url: str, out: Path, form_factor: str) -> dict[Category, int]:
    """One Lighthouse run; the category scores out of 100."""
    if not LIGHTHOUSE.exists():
        raise HarnessError(f"{LIGHTHOUSE} missing: run `npm ci` in the repository root")
    if not CHROMIUM.is_file():
        raise HarnessError(f"{CHROMIUM} missing: run scripts/install-system-deps.sh")
    argv = [
        str(LIGHTHOUSE), url, "--output=json", f"--output-path={out}", "--quiet",
        f"--only-categories={','.join(CATEGORIES)}", f"--chrome-flags={CHROME_FLAGS}",
    ]
    if form_factor == "desktop":
        argv.append("--preset=desktop")
    result = subprocess.run(
        argv, env={"PATH": "/usr/bin:/bin", "HOME": str(out.parent), "CHROME_PATH": str(CHROMIUM)},
        capture_output=True, text=True, timeout=300, check=False,
    )
    if result.returncode != 0 or not out.is_file():
        raise HarnessError(f"lighthouse exited {result.returncode}: {result.stderr.strip()[-1500:]}")
    report = json.loads(out.read_text())
    if report.get("runtimeError"):
        raise HarnessError(f"lighthouse: {report['runtimeError']}")
    return {name: round(report["categories"][name]["score"] * 100) for name in CATEGORIES}


def failed_audits(out: Path) -> list[str]:
    """Audits under 1 in the last report, for the reader (why a score is not 100)."""
    report = json.loads(out.read_text())
    return sorted(
        f"{audit_id} ({audit['score']})" for audit_id, audit in report["audits"].items()
        if audit.get("score") is not None and audit["score"] < 1 and audit.get("scoreDisplayMode") == "binary"
    )


def main(argv: list[str] | None = None) -> int:
    """Build, serve, run Lighthouse, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="Lighthouse runs (default 3; the median is judged)")
    parser.add_argument("--form-factor", choices=("desktop", "mobile"), default="desktop")
    args = parser.parse_args(argv)
    root = temporary_root("webimage-lighthouse-")
    try:
        layout = Layout.create(root / "instance")
        layout.write_conf(image_conf_files(layout, APP_CSP))
        layout.install_html(built_app(APP_CSP, script="build:production", environment="production"))
        precompress(layout.html_dir)
        with start_on_free_port(layout) as server:
            runs = [lighthouse(server.base_url + "/", root / f"run-{i}.json", args.form_factor) for i in range(args.runs)]
            misses = failed_audits(root / f"run-{args.runs - 1}.json")
    except (HarnessError, subprocess.SubprocessError, OSError) as error:
        print(f"bench_lighthouse: {error}", file=sys.stderr)
        return 2
    finally:
        shutil.rmtree(root, ignore_errors=True)
    version = subprocess.run([str(LIGHTHOUSE), "--version"], capture_output=True, text=True, check=False).stdout.strip()
    print(f"Lighthouse {version}, {args.form_factor}, {args.runs} runs, example app (production build) on Debian nginx + site.conf")
    print(f"{'category':<16}" + "".join(f"{f'run {i + 1}':>8}" for i in range(args.runs)) + f"{'median':>8}")
    medians = {}
    for name in CATEGORIES:
        medians[name] = statistics.median(run[name] for run in runs)
        print(f"{name:<16}" + "".join(f"{run[name]:>8}" for run in runs) + f"{medians[name]:>8g}")
    print(f"binary audits not passed (last run): {', '.join(misses) or 'none'}")
    met = True
    print("targets:")
    for name, goal in TARGETS.items():
        ok = args.form_factor != "desktop" or medians[name] >= goal
        met &= ok
        print(f"  {'PASS' if ok else 'FAIL'}  {name} = {medians[name]:g}  (target >= {goal}, desktop)")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
