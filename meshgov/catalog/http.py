"""Search and lookup of the catalog over HTTP, as JSON.

GET /products?q=TEXT&domain=D&owner=O&tag=T   matching products
GET /products/NAME                            one product
GET /products/NAME/lineage                    {"upstream": [...], "downstream": [...]}
GET /healthz                                  200 when serving
GET /metrics                                  Prometheus metrics (open breaches by kind...)
"""

from __future__ import annotations

from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlparse

from meshgov import metrics
from meshgov.catalog.live import LiveCatalog
from meshgov.http import send_json, send_metrics
from meshgov.metrics import OpenBreaches


def make_server(catalog: LiveCatalog, host: str, port: int) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            url = urlparse(self.path)
            if url.path == "/metrics":
                send_metrics(self)
                return
            parts = [unquote(p) for p in url.path.strip("/").split("/") if p]
            query = {k: v[0] for k, v in parse_qs(url.query).items()}
            with catalog.lock:
                status, body = route(catalog, parts, query)
            send_json(self, status, body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    register_catalog_metrics(catalog)
    return ThreadingHTTPServer((host, port), Handler)


def register_catalog_metrics(catalog: LiveCatalog) -> None:
    def entries() -> list[Any]:
        with catalog.lock:
            return list(catalog.view.entries.values())

    metrics.register("catalog", OpenBreaches(entries))


def route(catalog: LiveCatalog, parts: list[str], query: dict[str, str]) -> tuple[int, Any]:
    view = catalog.view
    if parts == ["healthz"]:
        return HTTPStatus.OK, {"products": len(view.entries)}
    if parts == ["products"]:
        found = view.search(
            query.get("q"), query.get("domain"), query.get("owner"), query.get("tag")
        )
        return HTTPStatus.OK, [e.model_dump(mode="json", exclude={"descriptor"}) for e in found]
    if len(parts) in (2, 3) and parts[0] == "products":
        entry = view.get(parts[1])
        if entry is None:
            return HTTPStatus.NOT_FOUND, {"error": f"no product named {parts[1]!r}"}
        if len(parts) == 2:
            return HTTPStatus.OK, entry.model_dump(mode="json")
        if parts[2] == "lineage":
            return HTTPStatus.OK, {
                "product": entry.product,
                "upstream": view.lineage(entry.product, upstream=True),
                "downstream": view.lineage(entry.product, upstream=False),
            }
    return HTTPStatus.NOT_FOUND, {
        "error": "unknown path; see /products, /products/NAME, /products/NAME/lineage"
    }
