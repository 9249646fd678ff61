"""The catalog on a real broker, fed by verdicts from every processor."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from meshgov.broker.local import free_port
from meshgov.catalog.reader import read_catalog
from meshgov.client import register_data_product
from meshgov.codec import EventCodec
from meshgov.kafka.admin import TopicAdmin
from meshgov.kafka.clients import KafkaClients
from meshgov.kafka.topics import SLA_BREACHES, VERDICTS
from meshgov.models import ids
from meshgov.models.events import (
    BreachKind,
    BreachState,
    Decision,
    Health,
    ProductStatus,
    SlaBreach,
)
from meshgov.settings import Settings
from tests.support.descriptors import example_descriptor
from tests.support.kafka import await_consumed, produce
from tests.support.processes import ProcessorProcess

pytestmark = [pytest.mark.kafka, pytest.mark.secured]

V1 = {"type": "record", "name": "Order", "fields": [{"name": "order_id", "type": "string"}]}
BREAKING = {**V1, "fields": [*V1["fields"], {"name": "segment", "type": "string"}]}


def descriptor(
    name: str,
    version: str,
    inputs: list[str],
    schema: dict[str, Any] = V1,
    effective: str | None = None,
) -> str:
    return example_descriptor(
        name=name,
        version=version,
        schema=schema,
        topic=f"{name}-events",
        effective=effective,
        inputs=inputs,
        tags=["orders", name],
    )


@pytest.fixture
def mesh(kafka_bootstrap: str, unique: str, tmp_path: Path) -> Iterator[Settings]:
    settings = Settings(bootstrap=kafka_bootstrap, topic_prefix=f"c{unique}.")
    TopicAdmin(KafkaClients(settings)).ensure(settings.topic_specs(), settings.partitions)
    # The sla check has its own tests; this flow is about what the catalog makes of verdicts.
    checks = {"MESHGOV_REQUIRED_CHECKS": "compatibility,pii,policy"}
    processors = [
        ProcessorProcess(name, settings, tmp_path, checks)
        for name in ("compatibility", "pii", "policy", "verdicts", "catalog")
    ]
    for processor in processors:
        processor.start()
    yield settings
    for processor in processors:
        processor.stop()


def await_history(settings: Settings) -> None:
    """Until the compatibility processor has learnt from every verdict so far."""
    await_consumed(settings, "compatibility", VERDICTS)


def eventually(settings: Settings, condition: Any, timeout: float = 60.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        view = read_catalog(settings)
        if condition(view):
            return view
        assert time.monotonic() < deadline, f"catalog never satisfied the condition: {view.entries}"
        time.sleep(1)


def meshgov(settings: Settings, *args: str) -> Any:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "meshgov",
            *args,
            "--json",
            "--bootstrap-servers",
            settings.bootstrap,
            "--topic-prefix",
            settings.topic_prefix,
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_accepted_products_their_lineage_schedule_and_health(
    mesh: Settings, codec: EventCodec
) -> None:
    settings = mesh
    # Consumers first: the catalog learns lineage in whatever order acceptance comes.
    for name, inputs in (
        ("orders-kpis", ["orders-enriched"]),
        ("orders-enriched", ["orders-raw"]),
        ("orders-raw", []),
    ):
        verdict = register_data_product(descriptor(name, "1.0.0", inputs), settings, timeout=90)
        assert verdict.decision is Decision.ACCEPTED, verdict.checks

    view = eventually(
        settings,
        lambda v: (
            v.get("orders-raw") is not None
            and v.get("orders-raw").downstream == ["orders-enriched"]
        ),
    )
    raw = view.get("orders-raw")
    assert (raw.status, raw.current_version, raw.health) == (
        ProductStatus.ACTIVE,
        "1.0.0",
        Health.HEALTHY,
    )

    lineage = meshgov(settings, "catalog", "lineage", "orders-kpis")
    assert lineage["upstream"] == ["orders-enriched", "orders-raw"]
    assert meshgov(settings, "catalog", "lineage", "orders-raw")["downstream"] == [
        "orders-enriched",
        "orders-kpis",
    ]
    found = meshgov(settings, "catalog", "search", "orders", "--tag", "orders-enriched")
    assert [e["product"] for e in found] == ["orders-enriched"]

    # A breaking change with the promised notice is scheduled; the current version stays.
    effective = (datetime.now(UTC) + timedelta(days=31)).date().isoformat()
    scheduled = register_data_product(
        descriptor("orders-raw", "2.0.0", [], BREAKING, effective), settings, timeout=90
    )
    assert scheduled.decision is Decision.SCHEDULED
    view = eventually(settings, lambda v: v.get("orders-raw").status is ProductStatus.SCHEDULED)
    raw = view.get("orders-raw")
    assert (raw.current_version, raw.scheduled_version) == ("1.0.0", "2.0.0")
    assert raw.scheduled_effective_at is not None
    assert raw.scheduled_effective_at.date().isoformat() == effective

    # A change scheduled for a moment a few seconds ahead becomes current then. The check
    # compares with the accepted history, which the compatibility processor learns from
    # verdicts asynchronously: wait until it knows 1.0.0.
    await_history(settings)
    soon = (datetime.now(UTC) + timedelta(seconds=12)).replace(microsecond=0).isoformat()
    quick = descriptor("orders-kpis", "2.0.0", ["orders-enriched"], BREAKING, soon).replace(
        "Backward compatible, 30-day notice for breaking changes", "Backward compatible"
    )
    assert register_data_product(quick, settings, timeout=90).decision is Decision.SCHEDULED
    view = eventually(
        settings, lambda v: v.get("orders-kpis").current_version == "2.0.0", timeout=90
    )
    kpis = view.get("orders-kpis")
    assert (kpis.status, kpis.scheduled_version) == (ProductStatus.ACTIVE, None)
    assert datetime.now(UTC) >= datetime.fromisoformat(soon)

    # The example of the design, exactly as written, is accepted and listed.
    example = Path(__file__).resolve().parents[2] / "examples" / "orders-daily-aggregated.yaml"
    assert register_data_product(example, settings, timeout=90).decision is Decision.ACCEPTED
    eventually(settings, lambda v: v.get("orders-daily-aggregated") is not None)

    # Health follows the product's open breaches.
    now = datetime.now(UTC)
    breach = SlaBreach(
        breach_id=ids.breach_id("orders-raw", "batch", "QUALITY", "no_nulls_in_order_id", "r1"),
        product="orders-raw",
        port="batch",
        kind=BreachKind.QUALITY,
        state=BreachState.OPEN,
        episode="r1",
        rule="no_nulls_in_order_id",
        expected="0 nulls",
        observed="12 nulls",
        owner="orders-team@company.com",
        domain="orders",
        opened_at=now,
        detected_at=now,
    )
    topic = settings.topic(SLA_BREACHES)
    produce(settings.bootstrap, [(topic, b"orders-raw", codec.encode(breach))])
    eventually(settings, lambda v: v.get("orders-raw").health is Health.BREACHED)
    resolved = breach.model_copy(update={"state": BreachState.RESOLVED, "resolved_at": now})
    produce(settings.bootstrap, [(topic, b"orders-raw", codec.encode(resolved))])
    eventually(settings, lambda v: v.get("orders-raw").health is Health.HEALTHY)

    # The same catalog over HTTP.
    port = free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "meshgov",
            "catalog",
            "serve",
            "--port",
            str(port),
            "--bootstrap-servers",
            settings.bootstrap,
            "--topic-prefix",
            settings.topic_prefix,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                if get(f"{base}/healthz")["products"] == 4:
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline, "the catalog API never served all products"
            time.sleep(0.5)
        found = get(f"{base}/products?q=orders&tag=orders-kpis")
        assert [e["product"] for e in found] == ["orders-kpis"]
        assert get(f"{base}/products/orders-raw")["scheduled_version"] == "2.0.0"
        assert get(f"{base}/products/orders-kpis/lineage")["upstream"] == [
            "orders-enriched",
            "orders-raw",
        ]
        with pytest.raises(urllib.error.HTTPError) as missing:
            get(f"{base}/products/nope")
        assert missing.value.code == 404
    finally:
        server.terminate()
        server.wait(timeout=30)


def get(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=5) as response:
        return json.loads(response.read())
