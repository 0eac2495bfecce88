"""A small fault-injecting HTTP proxy to put in front of the real Livy (tests and benchmarks).

Runs in its own thread (stdlib ThreadingHTTPServer), so a hanging mode never blocks the event
loop of the Jupyter server under test. Modes: ``pass`` (forward), ``hang``, ``http500``,
``malformed``, ``reset`` (headers, part of the body, then a TCP reset). ``rewrite`` can edit the
JSON of a forwarded ``GET /sessions`` or ``/batches`` page (e.g. to give a session an unreachable Spark UI).
"""

from __future__ import annotations

import json
import socket
import struct
import threading
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable


class FaultProxy:
    def __init__(self, upstream: str, hang_seconds: float = 30.0):
        self.upstream = upstream.rstrip("/")
        self.mode = "pass"
        self.hang_seconds = hang_seconds
        self.rewrite: Callable[[dict[str, Any]], dict[str, Any]] | None = None
        self.requests: list[tuple[str, str]] = []
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # keep test output quiet
                pass

            def do_GET(self):
                proxy._handle(self, "GET")

            def do_DELETE(self):
                proxy._handle(self, "DELETE")

            def do_POST(self):
                proxy._handle(self, "POST")

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> "FaultProxy":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _handle(self, handler: BaseHTTPRequestHandler, method: str) -> None:
        self.requests.append((method, handler.path))
        mode = self.mode
        if mode == "hang":
            time.sleep(self.hang_seconds)
            handler.close_connection = True
            return
        if mode == "http500":
            return _reply(handler, 500, b'{"msg": "injected failure"}')
        if mode == "malformed":
            return _reply(handler, 200, b'{"from": 0, "sessions": [ {"id": 1,')
        if mode == "reset":
            handler.send_response(200)
            handler.send_header("Content-Type", "application/json")
            handler.send_header("Content-Length", "4096")
            handler.end_headers()
            handler.wfile.write(b'{"from": 0, "total": 3, "sessions": [')
            handler.wfile.flush()
            # SO_LINGER 0 turns close() into a TCP RST: the connection is reset mid-body.
            handler.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            handler.connection.close()
            handler.close_connection = True
            return
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length else None
        request = urllib.request.Request(self.upstream + handler.path, data=body, method=method,
                                         headers={k: v for k, v in handler.headers.items()
                                                  if k.lower() not in ("host", "connection", "accept-encoding")})
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                status, payload = response.status, response.read()
        except urllib.error.HTTPError as error:
            status, payload = error.code, error.read()
        if self.rewrite and method == "GET" and "?" in handler.path and status == 200:
            payload = json.dumps(self.rewrite(json.loads(payload))).encode()
        _reply(handler, status, payload)


def _reply(handler: BaseHTTPRequestHandler, status: int, body: bytes) -> None:
    handler.send_response(status)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", str(len(body)))
    # No keep-alive: once the proxy stops, no pooled connection may still reach it.
    handler.send_header("Connection", "close")
    handler.close_connection = True
    handler.end_headers()
    handler.wfile.write(body)
