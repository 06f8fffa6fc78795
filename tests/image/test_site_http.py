"""The site's behaviour, asserted with real HTTP requests against Debian's nginx running the
image's configuration (site.conf verbatim; see conftest.py and tests/support/nginx_site.py)."""

from __future__ import annotations

import gzip
from dataclasses import dataclass, field

import pytest

from tests.image.site_fixture import CSS_ASSET, JS_ASSET, LATE_JSON, PNG_ASSET, Response, ServedSite

IMMUTABLE = "public, max-age=31536000, immutable"

# Every response carries these, errors included. The CSP is checked against csp.conf separately.
SECURITY_HEADERS = {
    "Strict-Transport-Security": "max-age=63072000; includeSubDomains",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "Permissions-Policy": (
        "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), "
        "microphone=(), payment=(), usb=()"
    ),
    "Cross-Origin-Opener-Policy": "same-origin",
}


@dataclass(frozen=True)
class HttpCase:
    """One request and what the site must answer."""

    name: str
    """Test id."""
    method: str
    """HTTP method."""
    path: str
    """Request target."""
    status: int
    """Expected status."""
    cache_control: str
    """Expected value of the single Cache-Control header."""
    headers: dict[str, str] = field(default_factory=dict)
    """Extra request headers."""
    body: bytes | None = None
    """Request body, if any."""


CASES = [
    HttpCase("index", "GET", "/", 200, "no-cache"),
    HttpCase("index-file", "GET", "/index.html", 200, "no-cache"),
    HttpCase("spa-route", "GET", "/settings/profile?tab=2", 200, "no-cache"),
    HttpCase("head-index", "HEAD", "/", 200, "no-cache"),
    HttpCase("asset-js", "GET", JS_ASSET, 200, IMMUTABLE),
    HttpCase("asset-js-gzip", "GET", JS_ASSET, 200, IMMUTABLE, {"Accept-Encoding": "gzip"}),
    HttpCase("asset-css", "GET", CSS_ASSET, 200, IMMUTABLE),
    HttpCase("asset-range", "GET", JS_ASSET, 206, IMMUTABLE, {"Range": "bytes=0-99"}),
    HttpCase("public-file", "GET", "/favicon.svg", 200, "no-cache"),
    HttpCase("well-known", "GET", "/.well-known/security.txt", 200, "no-cache"),
    HttpCase("health", "GET", "/health", 200, "no-store"),
    HttpCase("missing-asset", "GET", "/assets/index-Zz9deleted.js", 404, "no-store"),
    HttpCase("missing-favicon", "GET", "/favicon.ico", 404, "no-store"),
    HttpCase("assets-folder", "GET", "/assets/", 404, "no-store"),
    HttpCase("dotenv", "GET", "/.env", 404, "no-store"),
    HttpCase("git-config", "GET", "/.git/config", 404, "no-store"),
    HttpCase("dotfile-in-assets", "GET", "/assets/.hidden", 404, "no-store"),
    HttpCase("post", "POST", "/", 405, "no-store", body=b"x=1"),
    HttpCase("put-asset", "PUT", JS_ASSET, 405, "no-store", body=b"x"),
    HttpCase("delete", "DELETE", "/index.html", 405, "no-store"),
    HttpCase("patch-health", "PATCH", "/health", 405, "no-store"),
    HttpCase("options", "OPTIONS", "/", 405, "no-store"),
    HttpCase("trace", "TRACE", "/", 405, "no-store"),
    HttpCase("body-too-large", "GET", "/", 413, "no-store", body=b"a" * 4096),
]


def send(site: ServedSite, case: HttpCase) -> Response:
    """The response to a case's request."""
    return site.request(case.method, case.path, case.headers, case.body)


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
def test_status(site: ServedSite, case: HttpCase) -> None:
    assert send(site, case).status == case.status


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
def test_security_headers_on_every_response(site: ServedSite, case: HttpCase) -> None:
    response = send(site, case)
    for name, value in SECURITY_HEADERS.items():
        assert response.single(name) == value
    assert f'"{response.single("Content-Security-Policy")}"' in site.csp_conf


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
def test_exactly_one_cache_control(site: ServedSite, case: HttpCase) -> None:
    assert send(site, case).single("Cache-Control") == case.cache_control


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
def test_server_header_hides_the_version(site: ServedSite, case: HttpCase) -> None:
    assert send(site, case).single("Server") == "nginx"


@pytest.mark.parametrize("case", [c for c in CASES if c.status == 405], ids=lambda case: case.name)
def test_405_names_the_allowed_methods(site: ServedSite, case: HttpCase) -> None:
    assert send(site, case).single("Allow") == "GET, HEAD"


@pytest.mark.parametrize("case", [c for c in CASES if c.status != 405], ids=lambda case: case.name)
def test_no_allow_header_otherwise(site: ServedSite, case: HttpCase) -> None:
    assert send(site, case).values("Allow") == []


def test_csp_allows_the_build_config_origins(site: ServedSite) -> None:
    csp = site.request("GET", "/").single("Content-Security-Policy")
    directives = dict(part.strip().split(" ", 1) for part in csp.split(";"))
    assert directives["connect-src"] == "'self' https://api.example.test https://o42.ingest.us.sentry.io"
    assert directives["script-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert directives["report-uri"].startswith("https://o42.ingest.us.sentry.io/api/4242/security/")


@pytest.mark.parametrize("path", ["/", "/settings/profile", "/deep/link/with.dot", "/assets"])
def test_client_routes_get_the_app_shell(site: ServedSite, path: str) -> None:
    response = site.request("GET", path)
    assert response.status == 200
    assert response.body == site.file("/index.html")
    assert response.single("Content-Type") == "text/html; charset=utf-8"


@pytest.mark.parametrize(
    "path", ["/favicon.ico", "/x.png", "/img/Photo.JPG", "/sitemap.xml", "/manifest.webmanifest", "/a/b/c.js.map"]
)
def test_missing_static_files_outside_assets_are_404_not_the_shell(site: ServedSite, path: str) -> None:
    response = site.request("GET", path)
    assert response.status == 404
    assert b'<div id="root">' not in response.body
    assert response.single("Cache-Control") == "no-store"


@pytest.mark.parametrize("path", ["/assets/index-Zz9deleted.js", "/assets/chunk-old.css", "/assets/"])
def test_missing_assets_are_not_the_app_shell(site: ServedSite, path: str) -> None:
    response = site.request("GET", path)
    assert response.status == 404
    assert b'<div id="root">' not in response.body
    assert b"Index of" not in response.body


@pytest.mark.parametrize("path", ["/.env", "/.git/config", "/assets/.hidden"])
def test_dotfiles_present_on_disk_are_not_served(site: ServedSite, path: str) -> None:
    assert site.file(path)  # the file is really there: the config, not its absence, denies it
    response = site.request("GET", path)
    assert response.status == 404
    assert site.file(path) not in response.body


def test_well_known_stays_reachable(site: ServedSite) -> None:
    response = site.request("GET", "/.well-known/security.txt")
    assert response.body == site.file("/.well-known/security.txt")


@pytest.mark.parametrize(
    ("path", "content_type"),
    [
        (JS_ASSET, "application/javascript; charset=utf-8"),
        (CSS_ASSET, "text/css"),
        ("/index.html", "text/html; charset=utf-8"),
        ("/favicon.svg", "image/svg+xml"),
        (PNG_ASSET, "image/png"),
    ],
)
def test_content_types(site: ServedSite, path: str, content_type: str) -> None:
    assert site.request("GET", path).single("Content-Type") == content_type


@pytest.mark.parametrize("path", ["/index.html", JS_ASSET, CSS_ASSET, "/favicon.svg"])
def test_precompressed_files_are_served_as_built(site: ServedSite, path: str) -> None:
    response = site.request("GET", path, {"Accept-Encoding": "gzip"})
    precompressed = site.file(path + ".gz")
    assert response.single("Content-Encoding") == "gzip"
    assert response.body == precompressed  # gzip_static: the file itself, not a recompression
    assert int(response.single("Content-Length")) == len(precompressed)
    assert gzip.decompress(response.body) == site.file(path)
    assert response.single("Vary") == "Accept-Encoding"


@pytest.mark.parametrize("path", ["/index.html", JS_ASSET])
def test_clients_without_gzip_get_identity(site: ServedSite, path: str) -> None:
    response = site.request("GET", path)
    assert response.values("Content-Encoding") == []
    assert response.body == site.file(path)
    assert response.single("Vary") == "Accept-Encoding"


def test_text_without_precompressed_file_is_gzipped_on_the_fly(site: ServedSite) -> None:
    response = site.request("GET", LATE_JSON, {"Accept-Encoding": "gzip"})
    assert not (site.dist / (LATE_JSON.lstrip("/") + ".gz")).exists()
    assert response.single("Content-Encoding") == "gzip"
    assert response.values("Content-Length") == []  # streamed: compressed while sent
    assert gzip.decompress(response.body) == site.file(LATE_JSON)
    assert response.single("Vary") == "Accept-Encoding"


@pytest.mark.parametrize("path", [PNG_ASSET, "/robots.txt"])
def test_binary_and_tiny_files_are_not_compressed(site: ServedSite, path: str) -> None:
    response = site.request("GET", path, {"Accept-Encoding": "gzip"})
    assert response.values("Content-Encoding") == []
    assert response.body == site.file(path)


def test_health(site: ServedSite) -> None:
    response = site.request("GET", "/health")
    assert response.body == b"ok"
    assert response.single("Content-Type") == "text/plain; charset=utf-8"


def test_head_has_headers_and_no_body(site: ServedSite) -> None:
    get, head = site.request("GET", "/"), site.request("HEAD", "/")
    assert head.body == b""
    assert head.single("Content-Length") == get.single("Content-Length")


def test_revalidation_of_index_answers_304_with_headers(site: ServedSite) -> None:
    etag = site.request("GET", "/index.html").single("ETag")
    response = site.request("GET", "/index.html", {"If-None-Match": etag})
    assert response.status == 304
    assert response.single("Cache-Control") == "no-cache"
    for name, value in SECURITY_HEADERS.items():
        assert response.single(name) == value
