"""The dashboard's server: one Kafka consumer feeding every browser over Server-Sent Events.

GET  /                      the single-page app (assets from the package, no CDN)
GET  /static/FILE           its assets
GET  /api/state             the overview and the recent stream, for a page that opens
GET  /api/products/NAME     one product: catalog entry, verdicts, breaches, lineage
GET  /api/events            Server-Sent Events: verdict, breach and catalog messages
POST /api/register          {"descriptor": YAML text}, registered through Kafka like the CLI,
                            by the authenticated user (signed by the dashboard's key, if set)
GET  /healthz               200 while serving

Who may ask what is meshgov.dashboard.guard's: the Host header always, authentication for
the API when configured, and for writes a JSON body from the dashboard's own origin.
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

from meshgov.client.registration import build_registration, default_submitter, publish
from meshgov.dashboard.guard import (
    AccessRules,
    Refusal,
    check_host,
    check_write,
    read_tokens,
    rules_for,
    user_of,
)
from meshgov.dashboard.hub import Hub
from meshgov.dashboard.state import MeshState
from meshgov.http import send_json, send_metrics, serve_until_interrupted
from meshgov.kafka.clients import KafkaClients
from meshgov.kafka.follow import EventFollower
from meshgov.kafka.topics import CATALOG, SLA_BREACHES, VERDICTS
from meshgov.metrics import SUBMISSIONS
from meshgov.models.events import Event
from meshgov.models.loading import DescriptorError
from meshgov.settings import Settings
from meshgov.signing import SigningKey, sign

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


def access_rules(settings: Settings, host: str, port: int) -> AccessRules:
    tokens = settings.dashboard_tokens_file
    return rules_for(
        host,
        port,
        settings.dashboard_allowed_hosts,
        read_tokens(tokens) if tokens is not None else None,
        settings.dashboard_proxy_header,
        settings.dashboard_trusted_proxies,
        local_user=default_submitter(),
    )


def make_server(
    settings: Settings, follower: MeshFollower, hub: Hub, host: str, port: int
) -> ThreadingHTTPServer:
    """Raises ValueError for a non-loopback address without authentication."""

    signing_key = (
        SigningKey.load(settings.dashboard_signing_key)
        if settings.dashboard_signing_key is not None
        else None
    )

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _headers(self) -> dict[str, str]:
            return {k.lower(): v for k, v in self.headers.items()}

        def _refused(self, refusal: Refusal | None) -> bool:
            if refusal is None:
                return False
            self._json(refusal.status, {"error": refusal.reason})
            return True

        def do_OPTIONS(self) -> None:
            # No Access-Control-Allow-* ever: a preflight from another origin is never granted.
            if self._refused(check_host(rules, self.headers.get("Host"))):
                return
            self.send_response(HTTPStatus.NO_CONTENT)
            self.send_header("Allow", "GET, POST, OPTIONS")
            self.send_header("Content-Length", "0")
            self.end_headers()

        def do_GET(self) -> None:
            if self._refused(check_host(rules, self.headers.get("Host"))):
                return
            path = urlparse(self.path).path
            if (
                (path.startswith("/api/") or path == "/metrics")
                and rules.authenticating
                and user_of(rules, self._headers(), self.client_address[0]) is None
            ):
                self._json(HTTPStatus.UNAUTHORIZED, {"error": "authentication required"})
                return
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
            elif path == "/metrics":
                send_metrics(self)
            elif path == "/healthz":
                self._json(HTTPStatus.OK, {"status": "serving", "browsers": len(hub)})
            else:
                self._json(HTTPStatus.NOT_FOUND, {"error": f"nothing at {path}"})

        def do_POST(self) -> None:
            if self._refused(check_host(rules, self.headers.get("Host"))):
                return
            if urlparse(self.path).path != "/api/register":
                self._json(HTTPStatus.NOT_FOUND, {"error": "POST only to /api/register"})
                return
            user, refusal = check_write(rules, self._headers(), self.client_address[0])
            if self._refused(refusal):
                return
            assert user is not None
            try:
                length = int(self.headers.get("Content-Length") or 0)
            except ValueError:
                length = -1
            if length <= 0 or length > MAX_BODY:
                self._json(
                    HTTPStatus.BAD_REQUEST,
                    {"error": 'send {"descriptor": YAML text}, up to 1 MB'},
                )
                return
            try:
                body = json.loads(self.rfile.read(length))
                text = body["descriptor"]
                if not isinstance(text, str):
                    raise TypeError("descriptor is not a string")
            except (ValueError, KeyError, TypeError) as error:
                self._json(
                    HTTPStatus.BAD_REQUEST,
                    {"error": f'send {{"descriptor": YAML text}} as JSON: {error}'},
                )
                return
            try:
                registration = build_registration(text, submitted_by=user)
            except DescriptorError as error:
                problems = [
                    {"path": p.path, "line": p.line, "message": p.message} for p in error.problems
                ]
                SUBMISSIONS.labels("invalid").inc()
                self._json(
                    HTTPStatus.UNPROCESSABLE_ENTITY, {"error": str(error), "problems": problems}
                )
                return
            if signing_key is not None and rules.authenticating:
                # Its key vouches only for users it authenticated, never for whoever
                # reaches a loopback dashboard.
                registration = sign(registration, signing_key)
            try:
                publish(settings, registration)
            except ConnectionError as error:
                SUBMISSIONS.labels("unavailable").inc()
                self._json(HTTPStatus.SERVICE_UNAVAILABLE, {"error": str(error)})
                return
            SUBMISSIONS.labels("published").inc()
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
    try:
        rules = access_rules(settings, host, server.server_port)
    except ValueError:
        server.server_close()
        raise
    return server


def serve(settings: Settings, host: str, port: int, ready: Any = print) -> None:
    """Serve until interrupted."""
    hub = Hub()
    follower = MeshFollower(settings, MeshState(), hub)
    follower.start()
    server = make_server(settings, follower, hub, host, port)
    ready(f"dashboard on http://{host}:{server.server_port}/")
    serve_until_interrupted(server, follower.stop)
