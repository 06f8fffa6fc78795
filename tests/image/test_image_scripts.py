"""The build-stage scripts the Dockerfile runs, run the same way (/bin/sh) on Debian."""

from __future__ import annotations

import gzip
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support.nginx_site import IMAGE_DIR, CspInputs, HarnessError, precompress, render_csp

BASE_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self' data:; connect-src {connect}; worker-src 'self' blob:; manifest-src 'self'; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'{report}"
)


@dataclass(frozen=True)
class CspCase:
    """Build arguments and the connect-src / report-uri they must produce."""

    name: str
    """Test id."""
    inputs: CspInputs
    """What the build passes."""
    connect: str
    """Expected connect-src sources."""
    report: str = ""
    """Expected report-uri, if any."""


CSP_CASES = [
    CspCase("nothing-set", CspInputs(), "'self'"),
    CspCase("same-origin-api", CspInputs(api_url="/api"), "'self'"),
    CspCase("api-with-path", CspInputs(api_url="https://api.example.com/v1/"), "'self' https://api.example.com"),
    CspCase("api-with-port", CspInputs(api_url="https://api.example.com:8443"), "'self' https://api.example.com:8443"),
    CspCase("local-api", CspInputs(api_url="http://localhost:3000/api"), "'self' http://localhost:3000"),
    CspCase(
        "sentry-dsn",
        CspInputs(sentry_dsn="https://abc123@o42.ingest.us.sentry.io/4242"),
        "'self' https://o42.ingest.us.sentry.io",
    ),
    CspCase(
        "api-and-sentry",
        CspInputs(api_url="https://api.example.com", sentry_dsn="https://abc@o1.ingest.sentry.io/2"),
        "'self' https://api.example.com https://o1.ingest.sentry.io",
    ),
    CspCase(
        "same-origin-twice",
        CspInputs(api_url="https://o1.ingest.sentry.io/x", sentry_dsn="https://abc@o1.ingest.sentry.io/2"),
        "'self' https://o1.ingest.sentry.io",
    ),
    CspCase(
        "report-uri",
        CspInputs(report_uri="https://o1.ingest.sentry.io/api/2/security/?sentry_key=abc&sentry_environment=prod"),
        "'self'",
        "https://o1.ingest.sentry.io/api/2/security/?sentry_key=abc&sentry_environment=prod",
    ),
]


@pytest.mark.parametrize("case", CSP_CASES, ids=lambda case: case.name)
def test_render_csp(case: CspCase) -> None:
    policy = BASE_POLICY.format(connect=case.connect, report=f"; report-uri {case.report}" if case.report else "")
    lines = [line for line in render_csp(case.inputs).splitlines() if not line.startswith("#")]
    assert lines == [f'add_header Content-Security-Policy "{policy}" always;']


@pytest.mark.parametrize(
    ("inputs", "variable"),
    [
        (CspInputs(api_url="http://api.example.com"), "VITE_API_URL"),
        (CspInputs(api_url="javascript:alert(1)"), "VITE_API_URL"),
        (CspInputs(api_url='https://a.example.com" always; add_header X-Evil "1'), "VITE_API_URL"),
        (CspInputs(api_url="https://a.example.com/$host"), "VITE_API_URL"),
        (CspInputs(api_url="https://a.example.com\nhttps://b.example.com"), "VITE_API_URL"),
        (CspInputs(api_url="https://a.example.com; script-src *"), "VITE_API_URL"),
        (CspInputs(sentry_dsn="https://o1.ingest.sentry.io/2"), "VITE_SENTRY_DSN"),
        (CspInputs(sentry_dsn="https://key:secret@o1.ingest.sentry.io/2"), "VITE_SENTRY_DSN"),
        (CspInputs(sentry_dsn="http://key@o1.ingest.sentry.io/2"), "VITE_SENTRY_DSN"),
        (CspInputs(report_uri="http://o1.ingest.sentry.io/api/2/security/"), "CSP_REPORT_URI"),
        (CspInputs(report_uri="https://o1.example.com/r?x='y'"), "CSP_REPORT_URI"),
    ],
)
def test_render_csp_refuses_bad_input_naming_the_variable(inputs: CspInputs, variable: str) -> None:
    with pytest.raises(HarnessError, match=rf"exited 2: render-csp.sh: {variable}\b"):
        render_csp(inputs)


@pytest.fixture
def built(tmp_path: Path) -> Path:
    """A small build output with text, binary and tiny files."""
    files = {
        "index.html": b"<!doctype html><title>x</title>" + b"<p>hello</p>" * 100,
        "assets/app-1a2b3c.js": b"export const a=1;" * 500,
        "assets/app-1a2b3c.css": b".a{color:red}" * 300,
        "assets/data.json": b'{"k":"v"}' * 200,
        "assets/logo-9z8y7x.png": b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8,
        "tiny.txt": b"ok\n",
    }
    for name, content in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(content)
    return tmp_path


@pytest.mark.parametrize(
    "name", ["index.html", "assets/app-1a2b3c.js", "assets/app-1a2b3c.css", "assets/data.json"]
)
def test_precompress_writes_max_level_gzip_beside_text_files(built: Path, name: str) -> None:
    precompress(built)
    original, compressed = (built / name).read_bytes(), (built / f"{name}.gz").read_bytes()
    assert gzip.decompress(compressed) == original
    assert compressed[8] == 2  # gzip header XFL: 2 = maximum compression
    assert len(compressed) < len(original)


@pytest.mark.parametrize("name", ["assets/logo-9z8y7x.png", "tiny.txt"])
def test_precompress_skips_binary_files_and_files_that_would_grow(built: Path, name: str) -> None:
    precompress(built)
    assert not (built / f"{name}.gz").exists()
    assert (built / name).exists()


def test_precompress_is_repeatable(built: Path) -> None:
    precompress(built)
    first = {path: path.read_bytes() for path in built.rglob("*.gz")}
    assert precompress(built).startswith(f"precompress.sh: {len(first)} precompressed file(s)")
    assert {path: path.read_bytes() for path in built.rglob("*.gz")} == first


@pytest.mark.parametrize("args", [[], ["/nonexistent/dist"], ["a", "b"]])
def test_precompress_usage_errors(args: list[str]) -> None:
    result = subprocess.run(
        ["/bin/sh", str(IMAGE_DIR / "precompress.sh"), *args], capture_output=True, text=True, check=False
    )
    assert result.returncode == 2
    assert "usage: precompress.sh DIR" in result.stderr


# The Dockerfile runs both scripts on Node Alpine, whose sh, gzip, find, sed and grep are busybox.
# Debian's busybox package stands in for it: the scripts run with nothing but busybox applets on
# PATH. (Debian builds busybox gzip without compression levels, so its -9 output matches GNU -6;
# Alpine's enables them. Only compatibility is checked here, not sizes.)
BUSYBOX_APPLETS = ["sh", "gzip", "find", "sed", "grep", "wc", "rm", "tr", "printf", "cat"]


@pytest.fixture(scope="module")
def busybox_path(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A PATH holding only busybox applets."""
    busybox = shutil.which("busybox")
    assert busybox, "busybox not found: apt-get install busybox (see .ci/run)"
    folder = tmp_path_factory.mktemp("busybox-bin")
    for applet in BUSYBOX_APPLETS:
        (folder / applet).symlink_to(busybox)
    return str(folder)


def run_with_busybox(
    busybox_path: str, script: str, args: list[str], env: dict[str, str]
) -> subprocess.CompletedProcess[str]:
    """One image script under busybox sh with a busybox-only PATH."""
    return subprocess.run(
        [f"{busybox_path}/sh", str(IMAGE_DIR / script), *args],
        env={"PATH": busybox_path, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_precompress_runs_under_busybox(busybox_path: str, built: Path) -> None:
    result = run_with_busybox(busybox_path, "precompress.sh", [str(built)], {})
    assert result.returncode == 0, result.stderr
    compressed = sorted(path.relative_to(built).as_posix() for path in built.rglob("*.gz"))
    assert compressed == [
        "assets/app-1a2b3c.css.gz", "assets/app-1a2b3c.js.gz", "assets/data.json.gz", "index.html.gz",
    ]
    for name in compressed:
        assert gzip.decompress((built / name).read_bytes()) == (built / name.removesuffix(".gz")).read_bytes()


@pytest.mark.parametrize("case", CSP_CASES, ids=lambda case: case.name)
def test_render_csp_under_busybox_matches(busybox_path: str, case: CspCase) -> None:
    result = run_with_busybox(busybox_path, "render-csp.sh", [], case.inputs.environment())
    assert (result.returncode, result.stdout) == (0, render_csp(case.inputs))


def test_render_csp_under_busybox_refuses_bad_input(busybox_path: str) -> None:
    bad = CspInputs(api_url='https://a.example.com"; x')
    result = run_with_busybox(busybox_path, "render-csp.sh", [], bad.environment())
    assert result.returncode == 2
    assert "render-csp.sh: VITE_API_URL=" in result.stderr
