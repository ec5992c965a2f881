"""A small REST API on 127.0.0.1 (port 0) for the rest_api tests: pages, a `since` filter, bearer auth
and scripted failures. Every request is recorded so tests can assert what the client asked for.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse


@dataclass
class Request:
    path: str
    query: dict[str, str]
    headers: dict[str, str]


@dataclass
class FakeApi:
    tables: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    page_size: int = 10
    token: str | None = None  # when set, require `Authorization: Bearer <token>`
    # (path, page) → list of statuses to answer before serving normally; "*" page matches any page.
    failures: dict[tuple[str, str], list[int]] = field(default_factory=dict)
    requests: list[Request] = field(default_factory=list)
    base_url: str = ""

    def fail(self, path: str, page: int | str, statuses: list[int]) -> None:
        self.failures[(path, str(page))] = list(statuses)

    def requested(self, path: str) -> list[Request]:
        return [r for r in self.requests if r.path == path]

    def respond(self, path: str, query: dict[str, str], headers: dict[str, str]) -> tuple[int, Any]:
        self.requests.append(Request(path, query, headers))
        page = query.get("page", "1")
        for key in ((path, page), (path, "*")):
            if self.failures.get(key):
                return self.failures[key].pop(0), {"error": "scripted failure"}
        if self.token and headers.get("authorization") != f"Bearer {self.token}":
            return 401, {"error": "unauthorized"}
        name = path.strip("/")
        if name not in self.tables:
            return 404, {"error": f"no such resource {name}"}
        rows = self.tables[name]
        if "since" in query:
            rows = [r for r in rows if r["updated_at"] > query["since"]]
        total_pages = max(1, -(-len(rows) // self.page_size))
        n = int(page)
        return 200, {"data": rows[(n - 1) * self.page_size : n * self.page_size], "page": n, "total_pages": total_pages}


def serve(api: FakeApi) -> tuple[ThreadingHTTPServer, threading.Thread]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server naming)
            url = urlparse(self.path)
            query = {k: v[-1] for k, v in parse_qs(url.query).items()}
            status, body = api.respond(url.path, query, {k.lower(): v for k, v in self.headers.items()})
            payload = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    api.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return server, thread
