"""The web image tests' fixture build (a Vite-like dist/) and their HTTP client."""

from __future__ import annotations

import http.client
import random
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from tests.support.nginx_site import CspInputs, NginxServer

# Names as Vite writes them: hashed chunks under /assets/.
JS_ASSET = "/assets/index-B7xk2Q9a.js"
CSS_ASSET = "/assets/index-C4mN8pQz.css"
PNG_ASSET = "/assets/logo-D2kP9sXa.png"
# Added after precompression: the only text file without a .gz, for on-the-fly gzip.
LATE_JSON = "/late.json"

# The build arguments the session's server is rendered with.
SESSION_CSP = CspInputs(
    api_url="https://api.example.test/v1",
    sentry_dsn="https://0123abcd@o42.ingest.us.sentry.io/4242",
    report_uri="https://o42.ingest.us.sentry.io/api/4242/security/?sentry_key=0123abcd",
)

INDEX_HTML = f"""<!doctype html>
<html lang="en">
  <head>
    <meta charset="UTF-8" />
    <link rel="icon" type="image/svg+xml" href="/favicon.svg" />
    <meta name="viewport" content="width=device-width, initial-scale=1.0" />
    <title>Web app</title>
    <script type="module" crossorigin src="{JS_ASSET}"></script>
    <link rel="stylesheet" crossorigin href="{CSS_ASSET}">
  </head>
  <body>
    <div id="root"></div>
  </body>
</html>
"""


def pseudo_minified_js(size: int, seed: int = 7) -> str:
    """Deterministic text shaped like a minified bundle: short names, keywords, literals."""
    rng = random.Random(seed)
    words = (
        "function return const let var this new if else for while typeof null undefined "
        "prototype length push map filter reduce Object assign keys Promise then catch "
        "createElement useState useEffect props children render document window"
    ).split()
    letters = "abcdefghijklmnopqrstuvwxyz"
    names = ["".join(rng.choice(letters) for _ in range(rng.randint(1, 3))) for _ in range(400)]
    parts: list[str] = []
    total = 0
    while total < size:
        kind = rng.random()
        if kind < 0.45:
            piece = f"{rng.choice(names)}.{rng.choice(words)}({rng.choice(names)},{rng.randint(0, 999)})"
        elif kind < 0.75:
            name, arg, table = rng.choice(names), rng.choice(names), rng.choice(names)
            piece = f"function {name}({arg}){{return {table}[{rng.randint(0, 64)}]}}"
        elif kind < 0.9:
            piece = f'"{rng.choice(words)}-{rng.getrandbits(24):06x}"'
        else:
            piece = f"{rng.choice(words)} {rng.choice(names)}={rng.choice(names)}||{{}}"
        parts.append(piece + rng.choice(";,"))
        total += len(piece) + 1
    return "".join(parts)[:size]


def write_fixture_dist(dest: Path) -> Path:
    """A built site as Vite leaves it, plus files a careless build could leak (dotfiles)."""
    files: dict[str, bytes] = {
        "index.html": INDEX_HTML.encode(),
        JS_ASSET.lstrip("/"): pseudo_minified_js(150_000).encode(),
        CSS_ASSET.lstrip("/"): (
            ":root{--c:#0a7}" + "".join(f".c{i}{{margin:{i}px;color:var(--c)}}" for i in range(400))
        ).encode(),
        PNG_ASSET.lstrip("/"): b"\x89PNG\r\n\x1a\n" + random.Random(3).randbytes(2048),
        "favicon.svg": b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32">'
        + b'<circle cx="16" cy="16" r="14" fill="#0a7"/>' * 12
        + b"</svg>",
        "robots.txt": b"User-agent: *\nAllow: /\n",
        ".well-known/security.txt": b"Contact: mailto:security@example.test\n",
        ".env": b"API_TOKEN=do-not-serve\n",
        ".git/config": b"[core]\n\trepositoryformatversion = 0\n",
        "assets/.hidden": b"hidden\n",
    }
    for name, content in files.items():
        path = dest / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
    return dest


@dataclass(frozen=True)
class Response:
    """One HTTP response as received."""

    status: int
    """Status code."""
    headers: list[tuple[str, str]]
    """Every header line, in order, duplicates kept."""
    body: bytes
    """Raw body (still compressed when Content-Encoding says so)."""

    def values(self, name: str) -> list[str]:
        """All values of a header (case-insensitive name)."""
        return [value for key, value in self.headers if key.lower() == name.lower()]

    def single(self, name: str) -> str:
        """The one value of a header that must appear exactly once."""
        values = self.values(name)
        assert len(values) == 1, f"{name}: expected exactly one header, got {values}"
        return values[0]


@dataclass
class ServedSite:
    """The session's nginx, the fixture it serves, and a client for it."""

    server: NginxServer
    """The running instance."""
    dist: Path
    """The fixture build as served (after precompression, with late.json)."""
    csp_conf: str
    """csp.conf as rendered for SESSION_CSP."""
    timeout: float = 5.0
    """Seconds per request."""

    def request(
        self,
        method: str,
        path: str,
        headers: Mapping[str, str] | None = None,
        body: bytes | None = None,
    ) -> Response:
        """One request on a fresh connection."""
        connection = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=self.timeout)
        try:
            connection.request(method, path, body=body, headers=dict(headers or {}))
            reply = connection.getresponse()
            return Response(reply.status, reply.getheaders(), reply.read())
        finally:
            connection.close()

    def file(self, url_path: str) -> bytes:
        """The fixture file behind a URL path."""
        return (self.dist / url_path.lstrip("/")).read_bytes()
