"""The catalog's lineage and batch runs as OpenLineage events, valid by the specification."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from openlineage.client.serde import Serde

from meshgov.demo.scenario import PRODUCTS
from meshgov.lineage.events import (
    breach_events,
    dataset_name,
    job_event,
    output_events,
    run_id,
)
from meshgov.models.descriptor import DataProduct
from meshgov.models.events import BreachKind, BreachState, ColumnStats, OutputPublished, SlaBreach
from meshgov.models.loading import parse_descriptor
from tests.support.openlineage import problems

T0 = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
BOOTSTRAP = "broker-1:9092,broker-2:9092"


def sent(event: Any) -> dict[str, Any]:
    return json.loads(Serde.to_json(event))


def products() -> dict[str, DataProduct]:
    return {p.name: parse_descriptor(p.descriptor("")).data_product for p in PRODUCTS}


def test_datasets_are_named_the_openlineage_way() -> None:
    assert dataset_name("kafka://orders-events", BOOTSTRAP) == (
        "kafka://broker-1:9092",
        "orders-events",
    )
    assert dataset_name("s3://data-mesh/orders/daily/", BOOTSTRAP) == (
        "s3://data-mesh",
        "orders/daily/",
    )
    assert dataset_name("gs://lake/sales", BOOTSTRAP) == ("gs://lake", "sales")
    assert dataset_name("file:///data/out.parquet", BOOTSTRAP) == ("file", "/data/out.parquet")
    assert dataset_name("abfss://c@acct.dfs.core.windows.net/x", BOOTSTRAP) == (
        "abfss://c@acct.dfs.core.windows.net",
        "/x",
    )


def test_every_demo_product_is_a_valid_job_with_its_upstreams() -> None:
    catalog = products()
    for product in catalog.values():
        event = sent(job_event(product, catalog, "meshgov", BOOTSTRAP, T0))
        assert problems(event) == [], product.name
        assert event["job"] == {**event["job"], "namespace": "meshgov", "name": product.name}
        assert len(event["inputs"]) == len(product.input_ports)
    customer = sent(job_event(catalog["customer-360"], catalog, "meshgov", BOOTSTRAP, T0))
    assert {(d["namespace"], d["name"]) for d in customer["inputs"]} == {
        ("kafka://broker-1:9092", "users-profile"),
        ("kafka://broker-1:9092", "orders-events"),
        ("kafka://broker-1:9092", "support-tickets"),
    }
    (output,) = customer["outputs"]
    assert [f["name"] for f in output["facets"]["schema"]["fields"]] == ["id", "value"]
    owners = output["facets"]["ownership"]["owners"]
    assert owners == [{"name": "user:analytics-team@company.com", "type": "OWNER"}]


def test_a_batch_output_is_a_run_started_and_completed() -> None:
    product = products()["payments-settled"]
    output = OutputPublished(
        output_id="o1",
        product=product.name,
        port="daily",
        run_id="2026-12-01T02:00",
        scheduled_for=T0,
        published_at=T0 + timedelta(minutes=40),
        row_count=1200,
        columns=[ColumnStats(name="order_id", null_count=0, distinct_count=1200)],
        published_by="payments-team@company.com",
    )
    start, complete = (sent(e) for e in output_events(output, product, "meshgov", BOOTSTRAP))
    for event in (start, complete):
        assert problems(event) == []
    assert (start["eventType"], complete["eventType"]) == ("START", "COMPLETE")
    assert (
        start["run"]["runId"]
        == complete["run"]["runId"]
        == run_id(product.name, "daily", "scheduled 2026-12-01T02:00:00Z")
    )
    assert start["eventTime"] == "2026-12-01T02:00:00Z"
    (dataset,) = complete["outputs"]
    assert dataset["outputFacets"]["outputStatistics"]["rowCount"] == 1200
    assert dataset["facets"]["dataQualityMetrics"]["columnMetrics"]["order_id"]["nullCount"] == 0


def test_a_quality_breach_fails_its_run_and_others_do_not() -> None:
    product = products()["payments-settled"]
    breach = SlaBreach(
        breach_id="b1",
        product=product.name,
        port="daily",
        kind=BreachKind.QUALITY,
        state=BreachState.OPEN,
        episode="run r1",
        rule="no_nulls_in_order_id",
        field="order_id",
        expected="no nulls",
        observed="3 nulls",
        owner=product.owner,
        domain=product.domain,
        opened_at=T0,
        detected_at=T0,
        details={"run_id": "r1"},
    )
    (failed,) = (sent(e) for e in breach_events(breach, product, "meshgov", BOOTSTRAP))
    assert problems(failed) == []
    assert failed["eventType"] == "FAIL"
    assert failed["run"]["runId"] == run_id(product.name, "daily", "r1")
    (assertion,) = failed["outputs"][0]["facets"]["dataQualityAssertions"]["assertions"]
    assert assertion == {**assertion, "assertion": "no_nulls_in_order_id", "success": False}
    resolved = breach.model_copy(update={"state": BreachState.RESOLVED})
    assert breach_events(resolved, product, "meshgov", BOOTSTRAP) == []
    leak = breach.model_copy(update={"kind": BreachKind.PII_LEAK})
    assert breach_events(leak, product, "meshgov", BOOTSTRAP) == []


def test_the_validation_can_fail() -> None:
    product = products()["orders-events"]
    event = sent(job_event(product, {}, "meshgov", BOOTSTRAP, T0))
    del event["eventTime"]
    event["outputs"][0]["facets"]["ownership"]["owners"] = [{"type": "OWNER"}]
    found = problems(event)
    assert any("eventTime" in p for p in found)
    assert any("ownership" in p and "name" in p for p in found)
