"""The dashboard's server: one Kafka consumer feeding every browser over Server-Sent Events.

GET  /                      the single-page app (assets from the package, no CDN)
GET  /static/FILE           its assets
GET  /api/state             the overview and the recent stream, for a page that opens
GET  /api/products/NAME     one product: catalog entry, verdicts, breaches, lineage
GET  /api/events            Server-Sent Events: verdict, breach and catalog messages
POST /api/register          a descriptor (YAML) registered through Kafka, like the CLI
GET  /healthz               200 while serving
"""

from __future__ import annotations

import json
import logging
import threading
import time
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from typing import Any
from urllib.parse import unquote, urlparse

from meshgov.client.registration import build_registration, publish
from meshgov.dashboard.hub import Hub
from meshgov.dashboard.state import MeshState
from meshgov.http import send_json, serve_until_interrupted
from meshgov.kafka.clients import KafkaClients
from meshgov.kafka.follow import EventFollower
from meshgov.kafka.topics import CATALOG, SLA_BREACHES, VERDICTS
from meshgov.models.events import Event
from meshgov.models.loading import DescriptorError
from meshgov.settings import Settings

log = logging.getLogger("meshgov.dashboard")
ASSETS = {"app.js": "text/javascript", "style.css": "text/css", "index.html": "text/html"}
HEARTBEAT = 15.0
MAX_BODY = 1_000_000


class MeshFollower:
    """The dashboard's one consumer: catalog, verdicts and breaches from the beginning into
    the state, each new event published to the hub."""

    def __init__(self, settings: Settings, state: MeshState, hub: Hub) -> None:
        self.state = state
        self.hub = hub
        self.lock = threading.Lock()
        topics = [settings.topic(t) for t in (CATALOG, VERDICTS, SLA_BREACHES)]
        self._follower = EventFollower(KafkaClients(settings), topics, self._apply, "dashboard")

    def start(self) -> None:
        self._follower.start()

    def stop(self) -> None:
        self._follower.stop()

    def _apply(self, event: Event) -> None:
        with self.lock:
            update = self.state.apply(event)
        if update is not None:
            self.hub.publish(json.dumps(update))


def make_server(
    settings: Settings, follower: MeshFollower, hub: Hub, host: str, port: int
) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            path = urlparse(self.path).path
            if path in ("/", "/index.html"):
                self._asset("index.html")
            elif path.startswith("/static/"):
                self._asset(path.removeprefix("/static/"))
            elif path == "/api/state":
                with follower.lock:
                    body = {
                        "products": follower.state.overview(),
                        "recent": list(follower.state.recent),
                    }
                self._json(HTTPStatus.OK, body)
            elif path.startswith("/api/products/"):
                name = unquote(path.removeprefix("/api/products/"))
                with follower.lock:
                    product = follower.state.product(name)
                if product is None:
                    self._json(HTTPStatus.NOT_FOUND, {"error": f"no product named {name!r}"})
                else:
                    self._json(HTTPStatus.OK, product)
            elif path == "/api/events":
                self._events()
            elif path == "/healthz":
                self._json(HTTPStatus.OK, {"status": "serving", "browsers": len(hub)})
            else:
                self._json(HTTPStatus.NOT_FOUND, {"error": f"nothing at {path}"})

        def do_POST(self) -> None:
            if urlparse(self.path).path != "/api/register":
                self._json(HTTPStatus.NOT_FOUND, {"error": "POST only to /api/register"})
                return
            length = int(self.headers.get("Content-Length") or 0)
            if length <= 0 or length > MAX_BODY:
                self._json(
                    HTTPStatus.BAD_REQUEST, {"error": "send the descriptor (YAML), up to 1 MB"}
                )
                return
            text = self.rfile.read(length).decode("utf-8", errors="replace")
            try:
                registration = build_registration(text, submitted_by="dashboard")
            except DescriptorError as error:
                problems = [
                    {"path": p.path, "line": p.line, "message": p.message} for p in error.problems
                ]
                self._json(
                    HTTPStatus.UNPROCESSABLE_ENTITY, {"error": str(error), "problems": problems}
                )
                return
            try:
                publish(settings, registration)
            except ConnectionError as error:
                self._json(HTTPStatus.SERVICE_UNAVAILABLE, {"error": str(error)})
                return
            self._json(
                HTTPStatus.ACCEPTED,
                {"registration_id": registration.registration_id, "product": registration.product},
            )

        def _events(self) -> None:
            subscriber = hub.subscribe()
            try:
                self.send_response(HTTPStatus.OK)
                self.send_header("Content-Type", "text/event-stream")
                self.send_header("Cache-Control", "no-cache")
                self.send_header("Connection", "keep-alive")
                self.end_headers()
                self.wfile.write(b"retry: 1000\n\n")
                self.wfile.flush()
                last = time.monotonic()
                while True:
                    messages, dropped = subscriber.take(timeout=1.0)
                    chunks = []
                    if dropped:
                        notice = {"type": "dropped", "data": {"count": dropped}}
                        chunks.append(f"data: {json.dumps(notice)}\n\n")
                    chunks += [f"data: {m}\n\n" for m in messages]
                    if not chunks and time.monotonic() - last > HEARTBEAT:
                        chunks.append(": keep-alive\n\n")
                    if chunks:
                        self.wfile.write("".join(chunks).encode())
                        self.wfile.flush()
                        last = time.monotonic()
            except (BrokenPipeError, ConnectionResetError):
                pass
            finally:
                hub.unsubscribe(subscriber)

        def _asset(self, name: str) -> None:
            if name not in ASSETS:
                self._json(HTTPStatus.NOT_FOUND, {"error": f"no asset {name!r}"})
                return
            payload = resources.files("meshgov.dashboard").joinpath("static", name).read_bytes()
            self.send_response(HTTPStatus.OK)
            self.send_header("Content-Type", f"{ASSETS[name]}; charset=utf-8")
            self.send_header("Content-Length", str(len(payload)))
            self.send_header("Content-Security-Policy", "default-src 'self'; style-src 'self'")
            self.end_headers()
            self.wfile.write(payload)

        def _json(self, status: HTTPStatus, body: Any) -> None:
            send_json(self, status, body)

        def log_message(self, format: str, *args: Any) -> None:
            log.debug(format, *args)

    server = ThreadingHTTPServer((host, port), Handler)
    server.daemon_threads = True
    return server


def serve(settings: Settings, host: str, port: int, ready: Any = print) -> None:
    """Serve until interrupted."""
    hub = Hub()
    follower = MeshFollower(settings, MeshState(), hub)
    follower.start()
    server = make_server(settings, follower, hub, host, port)
    ready(f"dashboard on http://{host}:{server.server_port}/")
    serve_until_interrupted(server, follower.stop)
