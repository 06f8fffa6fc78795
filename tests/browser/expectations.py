"""What a browser must see of the example app, whoever serves it (Debian nginx or the container)."""

from __future__ import annotations

IMMUTABLE = "public, max-age=31536000, immutable"


def problems(report: dict, api_origin: str, sentry_origin: str) -> list[str]:
    """Every expectation the report misses, in words (empty: all met)."""
    found = []
    if report.get("error") or not report["steps"].get("done"):
        found.append(f"the run stopped: {report.get('error')}")
    if report["violations"]:
        found.append(f"CSP violations: {report['violations']}")
    if report["consoleErrors"]:
        found.append(f"console errors: {report['consoleErrors']}")
    blocked = [item for item in report["failed"] if "CSP" in (item.get("error") or "")]
    if blocked:
        found.append(f"requests blocked by the CSP: {blocked}")
    if not any(url.startswith(api_origin) for url in report["intercepted"]):
        found.append(f"no request reached the API origin {api_origin}")
    if not any(url.startswith(sentry_origin) for url in report["intercepted"]):
        found.append(f"no request reached Sentry's origin {sentry_origin}")
    if report["steps"].get("home") != "API: green":
        found.append(f"start page shows {report['steps'].get('home')!r}")
    if not any(path.startswith("/assets/About-") and path.endswith(".js") for path in report["steps"].get("lazyChunks", [])):
        found.append(f"the lazy route loaded no chunk of its own: {report['steps'].get('lazyChunks')}")
    if report["steps"].get("deepLinkStatus") != 200:
        found.append(f"reload of /about answered {report['steps'].get('deepLinkStatus')}")
    return found + header_problems(report["responses"])


def header_problems(responses: dict) -> list[str]:
    """index.html is no-cache; every JS and CSS asset is gzip from a .gz file, immutable."""
    found = []
    if responses.get("/", {}).get("headers", {}).get("cache-control") != "no-cache":
        found.append(f"/ has cache-control {responses.get('/', {}).get('headers', {}).get('cache-control')}")
    assets = {path: r for path, r in responses.items() if path.startswith("/assets/") and path.endswith((".js", ".css"))}
    if not any(path.endswith(".css") for path in assets) or not any(path.endswith(".js") for path in assets):
        found.append(f"expected JS and CSS assets, saw {sorted(assets)}")
    for path, response in assets.items():
        headers = response["headers"]
        if headers.get("content-encoding") != "gzip" or headers.get("cache-control") != IMMUTABLE:
            found.append(f"{path}: encoding {headers.get('content-encoding')}, cache-control {headers.get('cache-control')}")
        if "content-length" not in headers:
            # gzip_static sends the .gz with its length; on-the-fly gzip streams it chunked.
            found.append(f"{path}: no content-length, so not the precompressed .gz")
    return found
