"""A small OTLP/HTTP endpoint of our own for browser tests: what a Collector's receiver does at the
door (CORS preflight for the app's origin, ``POST /v1/logs`` and ``/v1/traces`` with JSON), keeping
each request as it came."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Collector:
    def __init__(self, allowed_headers: str = "content-type") -> None:
        self.received: list[dict] = []
        self.preflights = 0
        collector = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet
                pass

            def _cors(self) -> None:
                self.send_header("Access-Control-Allow-Origin", self.headers.get("Origin") or "*")
                self.send_header("Vary", "Origin")

            def do_OPTIONS(self):  # noqa: N802
                collector.preflights += 1
                self.send_response(204)
                self._cors()
                self.send_header("Access-Control-Allow-Methods", "POST")
                self.send_header("Access-Control-Allow-Headers", allowed_headers)
                self.send_header("Access-Control-Max-Age", "600")
                self.end_headers()

            def do_POST(self):  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
                known = self.path in ("/v1/logs", "/v1/traces")
                collector.received.append({"path": self.path, "body": body, "headers": dict(self.headers)})
                self.send_response(200 if known else 404)
                self._cors()
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(b"{}")

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_port}"

    def bodies(self, path: str) -> list[dict]:
        return [json.loads(r["body"]) for r in list(self.received) if r["path"] == path]

    def records(self) -> list[dict]:
        return [rec for b in self.bodies("/v1/logs") for rl in b["resourceLogs"] for sl in rl["scopeLogs"]
                for rec in sl["logRecords"]]

    def spans(self) -> list[dict]:
        return [s for b in self.bodies("/v1/traces") for rs in b["resourceSpans"] for ss in rs["scopeSpans"]
                for s in ss["spans"]]

    def close(self) -> None:
        self.server.shutdown()
