"""What meshgov's small HTTP servers (catalog API, dashboard) share."""

from __future__ import annotations

import json
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any


def send_json(handler: BaseHTTPRequestHandler, status: int, body: Any) -> None:
    payload = json.dumps(body).encode()
    handler.send_response(status)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", str(len(payload)))
    handler.end_headers()
    handler.wfile.write(payload)


def send_metrics(handler: BaseHTTPRequestHandler) -> None:
    """The process's Prometheus metrics, in the text exposition format."""
    from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, generate_latest

    payload = generate_latest(REGISTRY)
    handler.send_response(200)
    handler.send_header("Content-Type", CONTENT_TYPE_LATEST)
    handler.send_header("Content-Length", str(len(payload)))
    handler.end_headers()
    handler.wfile.write(payload)


def serve_until_interrupted(server: HTTPServer, on_close: Callable[[], None]) -> None:
    """Serve until Ctrl-C (or SIGTERM raised as it), then close the server and `on_close`."""
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        on_close()
