"""`meshgov demo`, headless, against the real broker and the real registry: every decision
and breach of the story, each exactly once; the teams' records and meshgov's events in the
Confluent wire format."""

from __future__ import annotations

import http.server
import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from confluent_kafka.schema_registry import SchemaRegistryClient

from meshgov.demo.scenario import PRODUCTS, expected
from meshgov.kafka.clients import KafkaClients, read_to_end
from meshgov.kafka.topics import SLA_BREACHES, VERDICTS
from meshgov.models.events import SlaBreach, Verdict
from meshgov.processors.registry import PROCESSORS
from meshgov.settings import Settings
from tests.support.exposition import exposition_problems, samples
from tests.support.openlineage import problems as openlineage_problems

pytestmark = pytest.mark.kafka


def read_all(bootstrap: str, topics: list[str]) -> list[bytes]:
    clients = KafkaClients(Settings(bootstrap=bootstrap))
    return [m.value() or b"" for topic in topics for m in read_to_end(clients, topic)]


def test_the_demo_decides_and_reports_everything_once(
    kafka_bootstrap: str, schema_registry_url: str, tmp_path: Path
) -> None:
    summary_path = tmp_path / "summary.json"
    home = tmp_path / "home"
    receiver = LineageReceiver()
    demo = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "meshgov",
            "demo",
            "--bootstrap-servers",
            kafka_bootstrap,
            "--summary-json",
            str(summary_path),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={
            **os.environ,
            "MESHGOV_HOME": str(home),
            "MESHGOV_SCHEMA_REGISTRY_URL": schema_registry_url,
            "MESHGOV_METRICS_BASE_PORT": str(free_port_range(len(PROCESSORS) + 1)),
            "OPENLINEAGE_URL": receiver.url,
        },
    )
    try:
        scrapes = scrape_while_running(demo, home / "up.json")
        stdout, stderr = demo.communicate(timeout=420)
    finally:
        if demo.poll() is None:
            demo.kill()
        receiver.close()
    run = subprocess.CompletedProcess(demo.args, demo.returncode, stdout, stderr)
    logs = "\n".join(
        f"== {p.name}\n{p.read_text()[-3000:]}" for p in (tmp_path / "home" / "logs").rglob("*.log")
    )
    assert run.returncode == 0, f"{run.stdout}\n{run.stderr}\n{logs}"
    assert "demo finished" in run.stdout
    assert "[!] BREACH    FRESHNESS freshness on inventory-levels/daily" in run.stdout
    summary = json.loads(summary_path.read_text())
    prefix = summary["topic_prefix"]

    settings = Settings(bootstrap=kafka_bootstrap, schema_registry_url=schema_registry_url)
    codec = KafkaClients(settings).codec()
    values = read_all(kafka_bootstrap, [f"{prefix}{VERDICTS}", f"{prefix}{SLA_BREACHES}"])
    assert values
    assert all(v[:1] == b"\x00" for v in values)  # Confluent wire format, not single-object
    events = [codec.decode_any(v) for v in values]
    # The orders team produced with the stock serializer, against the schema meshgov
    # registered when it accepted the product.
    orders = read_all(kafka_bootstrap, [f"{prefix}orders-events"])
    registry = SchemaRegistryClient({"url": schema_registry_url})
    governed = registry.get_latest_version(f"{prefix}orders-events-value")
    assert orders
    assert {(v[:1], int.from_bytes(v[1:5], "big")) for v in orders} == {
        (b"\x00", governed.schema_id)
    }
    verdicts = [e for e in events if isinstance(e, Verdict)]
    breaches = [e for e in events if isinstance(e, SlaBreach)]
    story = expected()

    # Every registration decided once, as the story says.
    assert len(verdicts) == len({v.registration_id for v in verdicts}) == len(story.decisions)
    decided = {(v.product, v.version, v.domain): v for v in verdicts}
    assert {key: v.decision.value for key, v in decided.items()} == story.decisions
    for key, code in story.rejection_codes.items():
        codes = {f.code for check in decided[key].checks for f in check.findings}
        assert code in codes, (key, codes)
    scheduled = decided[("inventory-levels", "2.0.0", "inventory")]
    assert scheduled.effective_at is not None

    # Every breach of the story, each state exactly once, and nothing else.
    states: dict[tuple[str, str, str], list[str]] = {}
    for breach in breaches:
        subject = breach.rule if breach.kind.value != "PII_LEAK" else breach.field
        states.setdefault((breach.product, breach.kind.value, subject or ""), []).append(
            breach.state.value
        )
    assert {k: tuple(v) for k, v in states.items()} == story.breaches
    assert max(Counter((b.breach_id, b.state) for b in breaches).values()) == 1
    late = next(b for b in breaches if b.product == "revenue-daily" and b.state.value == "RESOLVED")
    assert 1.0 <= float(late.details["late_by_seconds"]) < 4.0
    leak = next(b for b in breaches if b.kind.value == "PII_LEAK")
    assert "7946" not in (leak.evidence or "")  # masked
    assert summary["breaches"] == {"opened": 4, "resolved": 2, "open": 2}

    # Its metrics, scraped while it ran: valid pages, counters and histograms moving.
    for name, pages in scrapes.items():
        for text in pages:
            assert exposition_problems(text) == [], name
    assert {"up", "policy", "verdicts", "freshness", "catalog-api", "dashboard"} <= set(scrapes)
    first, last = samples(scrapes["policy"][0]), samples(scrapes["policy"][-1])
    registrations = (
        "meshgov_records_processed_total",
        (("input", "mesh.registrations"), ("processor", "policy")),
    )
    assert last[registrations] > first.get(registrations, 0.0)
    verdict_counts = [
        value
        for (name, _), value in samples(scrapes["verdicts"][-1]).items()
        if name == "meshgov_verdict_latency_seconds_count"
    ]
    assert sum(verdict_counts) >= len(story.decisions)
    freshness = samples(scrapes["freshness"][-1])
    assert any(name == "meshgov_port_output_age_seconds" for name, _ in freshness)
    assert any(name == "meshgov_consumer_lag_records" for name, _ in samples(scrapes["policy"][-1]))
    catalog = samples(scrapes["catalog-api"][-1])
    assert catalog[("meshgov_catalog_products", (("status", "ACTIVE"),))] >= 10
    assert catalog[("meshgov_open_breaches", (("kind", "FRESHNESS"),))] >= 1
    up = samples(scrapes["up"][-1])
    assert up[("meshgov_component_up", (("component", "policy"),))] == 1

    # Its lineage, as an OpenLineage receiver got it: valid events, a job per product with
    # its upstreams, a run per batch output, failed runs for the breaches.
    received = receiver.events
    assert [(i, p) for i, e in enumerate(received) if (p := openlineage_problems(e))] == []
    jobs = {e["job"]["name"]: e for e in received if "run" not in e}
    assert set(jobs) == {p.name for p in PRODUCTS}
    assert {d["name"] for d in jobs["customer-360"]["inputs"]} == {
        f"{prefix}users-profile",
        f"{prefix}orders-events",
        f"{prefix}support-tickets",
    }
    runs: dict[str, dict[str, list[str]]] = {}
    for event in (e for e in received if "run" in e):
        per_job = runs.setdefault(event["job"]["name"], {})
        per_job.setdefault(event["run"]["runId"], []).append(event["eventType"])
    assert set(runs) >= {"payments-settled", "revenue-daily", "inventory-levels"}
    completed = [r for r in runs["payments-settled"].values() if r[:2] == ["START", "COMPLETE"]]
    assert completed
    failed = {job for job, by_run in runs.items() for r in by_run.values() if "FAIL" in r}
    assert {"payments-settled", "revenue-daily"} <= failed  # quality, late


class LineageReceiver:
    """An OpenLineage HTTP endpoint: every event POSTed to /api/v1/lineage, kept."""

    def __init__(self) -> None:
        events: list[dict[str, Any]] = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if self.path.rstrip("/") == "/api/v1/lineage":
                    events.append(json.loads(body))
                    self.send_response(201)
                else:
                    self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.events = events
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def free_port_range(count: int) -> int:
    """The first of `count` consecutive ports free on loopback now."""
    for _ in range(50):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            base = probe.getsockname()[1]
        if base + count > 65000:
            continue
        try:
            for port in range(base, base + count):
                with socket.socket() as taken:
                    taken.bind(("127.0.0.1", port))
        except OSError:
            continue
        return base
    raise RuntimeError("no free port range")


def scrape_while_running(demo: subprocess.Popen[str], up_json: Path) -> dict[str, list[str]]:
    """Every component's /metrics, every few seconds, until the demo ends."""
    pages: dict[str, list[str]] = {}
    deadline = time.monotonic() + 400
    while demo.poll() is None and time.monotonic() < deadline:
        try:
            urls = json.loads(up_json.read_text()).get("metrics_urls", {})
        except (OSError, ValueError):
            urls = {}
        for name, url in urls.items():
            try:
                with urllib.request.urlopen(url, timeout=5) as response:
                    pages.setdefault(name, []).append(response.read().decode())
            except OSError:
                continue  # not serving yet, or stopping
        time.sleep(3)
    return pages
