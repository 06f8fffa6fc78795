"""The answers a real preview needs from GitHub and Sentry, served on 127.0.0.1 (a separate process).

A real `pulumi preview` calls two services even though it changes nothing:
- the GitHub provider's Configure reads the owner (`GET /orgs/<owner>`, or `GET /user` without an
  owner); with `webapp-platform:githubBaseUrl` pointing here the provider is in GitHub Enterprise
  Server mode and prefixes every path with `api/v3/`;
- `get_sentry_organization_integration` (an invoke: invokes run in previews too) lists the Slack
  integrations of the organization (`GET /api/0/organizations/<org>/integrations/?provider_key=slack`).
Everything else answers 404 and every request is appended to the log file as one JSON line, so a
test can prove what the providers asked for (and that nothing else was asked).

Run: `python tests/e2e/service_stub.py --port-file F --log F --owner O --slack NAME[=ID] ...`;
the port file is written once the socket listens. Stop it by its PID (SIGTERM).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

DEFAULT_SLACK_ID = "24681357"


def _org(login: str) -> dict:
    return {"login": login, "id": 9_000_001, "node_id": "O_kgDOstub", "type": "Organization",
            "url": f"/api/v3/orgs/{login}", "plan": {"name": "team"}}


class Stub:
    """What the stub knows: GitHub owners that are organizations, Slack integrations by name."""

    def __init__(self, owners: list[str], slack: dict[str, str], log: Path) -> None:
        self.owners = set(owners)
        self.slack = slack
        self.log = log
        self._lock = threading.Lock()

    def record(self, method: str, path: str, query: dict, status: int) -> None:
        line = json.dumps({"method": method, "path": path, "query": query, "status": status})
        with self._lock, self.log.open("a", encoding="utf-8") as handle:
            handle.write(line + "\n")

    def answer(self, method: str, path: str, query: dict) -> tuple[int, object]:
        if method != "GET":
            return 405, {"message": "the stub serves reads only"}
        parts = [p for p in path.split("/") if p]
        if parts[:3] == ["api", "v3", "orgs"] and len(parts) == 4 and parts[3] in self.owners:
            return 200, _org(parts[3])
        if parts == ["api", "v3", "user"]:
            return 200, {"login": "stub-user", "id": 9_000_002, "type": "User"}
        if parts[:3] == ["api", "0", "organizations"] and parts[4:] == ["integrations"]:
            key = (query.get("provider_key") or [""])[0]
            found = [
                {"id": ident, "name": name, "status": "active",
                 "provider": {"key": "slack", "slug": "slack", "name": "Slack"}}
                for name, ident in sorted(self.slack.items())
                if key in ("", "slack")
            ]
            return 200, found
        return 404, {"message": "Not Found", "detail": "The requested resource does not exist"}


def _handler(stub: Stub) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _serve(self) -> None:
            parts = urlsplit(self.path)
            query = parse_qs(parts.query)
            status, body = stub.answer(self.command, parts.path, query)
            stub.record(self.command, parts.path, query, status)
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve

        def log_message(self, *args: object) -> None:  # the log file is the record
            pass

    return Handler


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port-file", type=Path, required=True)
    parser.add_argument("--log", type=Path, required=True)
    parser.add_argument("--owner", action="append", default=[], help="a GitHub organization login")
    parser.add_argument("--slack", action="append", default=[], help="Slack integration NAME[=ID]")
    args = parser.parse_args(argv)
    slack = dict(item.partition("=")[::2] for item in args.slack)
    slack = {name: ident or DEFAULT_SLACK_ID for name, ident in slack.items()}
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(Stub(args.owner, slack, args.log)))
    server.daemon_threads = True
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown).start())
    temporary = args.port_file.with_suffix(".tmp")
    temporary.write_text(str(server.server_address[1]), encoding="utf-8")
    os.replace(temporary, args.port_file)  # readers never see a half-written port
    server.serve_forever(poll_interval=0.1)
    server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
