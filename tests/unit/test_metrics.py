"""The mesh's Prometheus metrics: what each collector reports, bounded, in a valid
exposition format."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

from prometheus_client import REGISTRY, CollectorRegistry, generate_latest

from meshgov.metrics import (
    OVERFLOW,
    Components,
    ConsumerLag,
    OpenBreaches,
    PortActivity,
    ProcessorMetrics,
)
from meshgov.models.events import (
    BreachKind,
    BreachState,
    CheckResult,
    CheckStatus,
    Decision,
    OutputPublished,
    Registration,
    SlaBreach,
    Verdict,
)
from meshgov.processors.outputs import Emit
from meshgov.processors.signals import Seen
from tests.support.exposition import exposition_problems, samples

T0 = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def page(*collectors: object) -> str:
    registry = CollectorRegistry()
    for collector in collectors:
        registry.register(collector)  # type: ignore[arg-type]
    return generate_latest(registry).decode()


def test_port_series_are_capped_with_one_overflow_series_holding_the_oldest() -> None:
    ports = PortActivity(cap=2, clock=lambda: (T0 + timedelta(minutes=10)).timestamp())
    ports.seen("a", "stream", T0)
    ports.seen("b", "stream", T0 + timedelta(minutes=5))
    ports.seen("c", "daily", T0 - timedelta(minutes=20))
    ports.seen("d", "daily", T0 - timedelta(minutes=30))
    ports.seen("a", "stream", T0 - timedelta(hours=1))  # older than known: ignored
    found = samples(page(ports))
    age = {
        labels: value
        for (name, labels), value in found.items()
        if name == "meshgov_port_output_age_seconds"
    }
    assert age == {
        (("port", "stream"), ("product", "a")): 600.0,
        (("port", "stream"), ("product", "b")): 300.0,
        (("port", OVERFLOW), ("product", OVERFLOW)): 2400.0,
    }
    assert found[("meshgov_port_series_overflow_ports", ())] == 2


def test_consumer_lag_comes_from_librdkafka_statistics() -> None:
    lag = ConsumerLag()
    stats = {
        "type": "consumer",
        "topics": {
            "mesh.registrations": {
                "partitions": {
                    "0": {"consumer_lag": 7},
                    "1": {"consumer_lag": -1},  # not yet known: no series
                    "-1": {"consumer_lag": 0},  # librdkafka's internal partition
                }
            }
        },
    }
    lag.callback("meshgov-policy")(json.dumps(stats))
    lag.callback("meshgov-pii")("not json")  # ignored, never raised into librdkafka
    found = samples(page(lag))
    assert found == {
        (
            "meshgov_consumer_lag_records",
            (("group", "meshgov-policy"), ("partition", "0"), ("topic", "mesh.registrations")),
        ): 7.0
    }
    stats["topics"]["mesh.registrations"]["partitions"] = {"0": {"consumer_lag": 0}}
    lag.callback("meshgov-policy")(json.dumps(stats))  # a later snapshot replaces it
    assert set(samples(page(lag)).values()) == {0.0}


def test_open_breaches_and_products_by_status_from_the_catalog() -> None:
    active = SimpleNamespace(value="ACTIVE")
    freshness = SimpleNamespace(kind=BreachKind.FRESHNESS)
    entries = [
        SimpleNamespace(status=active, open_breaches=[freshness, freshness]),
        SimpleNamespace(status=active, open_breaches=[]),
    ]
    found = samples(page(OpenBreaches(lambda: entries)))
    assert found[("meshgov_open_breaches", (("kind", "FRESHNESS"),))] == 2
    assert found[("meshgov_catalog_products", (("status", "ACTIVE"),))] == 2


def test_components_report_state_restarts_and_lag() -> None:
    def child(name: str, state: str, starts: int, lag: int | None) -> SimpleNamespace:
        return SimpleNamespace(
            component=SimpleNamespace(name=name),
            state=SimpleNamespace(value=state),
            starts=starts,
            lag=lag,
        )

    children = [child("policy", "ready", 3, 12), child("pii", "failed", 1, None)]
    found = samples(page(Components(lambda: children)))
    assert found[("meshgov_component_up", (("component", "policy"),))] == 1
    assert found[("meshgov_component_up", (("component", "pii"),))] == 0
    assert found[("meshgov_component_restarts_total", (("component", "policy"),))] == 2
    assert found[("meshgov_component_lag_records", (("component", "policy"),))] == 12
    assert ("meshgov_component_lag_records", (("component", "pii"),)) not in found


def registration() -> Registration:
    return Registration(
        registration_id="r1",
        product="orders",
        version="1.0.0",
        domain="orders",
        owner="orders-team@company.com",
        descriptor="x",
        submitted_by="a@b",
        submitted_at=T0,
    )


def test_a_processor_counts_records_outputs_and_latencies() -> None:
    before = samples(generate_latest(REGISTRY).decode())
    ports = PortActivity(cap=10, clock=lambda: T0.timestamp())
    observed = ProcessorMetrics("unit-test", ports)
    result = CheckResult(
        result_id="c1",
        registration_id="r1",
        product="orders",
        version="1.0.0",
        check="pii",
        status=CheckStatus.PASSED,
        checked_at=T0 + timedelta(seconds=2),
        checker="pii/0",
    )
    observed.handled(
        "mesh.registrations", 0.002, "orders", registration(), [Emit("mesh.check-results", result)]
    )
    verdict = Verdict(
        verdict_id="v1",
        registration_id="r1",
        product="orders",
        version="1.0.0",
        decision=Decision.ACCEPTED,
        checks=[],
        descriptor="x",
        domain="orders",
        owner="orders-team@company.com",
        submitted_by="a@b",
        submitted_at=T0,
        decided_at=T0 + timedelta(seconds=3),
        latency_ms=3000,
    )
    observed.handled(
        "mesh.check-results", 0.001, "orders", result, [Emit("mesh.verdicts", verdict)]
    )
    breach = SlaBreach(
        breach_id="b1",
        product="orders",
        port="daily",
        kind=BreachKind.FRESHNESS,
        state=BreachState.OPEN,
        episode="e1",
        expected="by 04:00",
        observed="nothing",
        owner="orders-team@company.com",
        domain="orders",
        opened_at=T0,
        detected_at=T0,
    )
    published = OutputPublished(
        output_id="o1",
        product="orders",
        port="daily",
        run_id="run-1",
        published_at=T0 - timedelta(seconds=5),
        row_count=1,
        published_by="a@b",
    )
    observed.handled(
        "mesh.outputs", 0.001, "orders", published, [Emit("mesh.sla-breaches", breach)]
    )
    seen = Seen(port="stream", event_at=T0 - timedelta(seconds=1), observed_at=T0)
    observed.handled("signals", 0.001, "orders", seen, [])
    observed.dead_letter("mesh.outputs")

    after = samples(generate_latest(REGISTRY).decode())

    def grew(name: str, **labels: str) -> float:
        key = (name, tuple(sorted(labels.items())))
        return after.get(key, 0.0) - before.get(key, 0.0)

    assert grew("meshgov_records_processed_total", processor="unit-test", input="mesh.outputs") == 2
    assert grew("meshgov_dead_letters_total", processor="unit-test", input="mesh.outputs") == 1
    assert grew("meshgov_events_emitted_total", processor="unit-test", output="mesh.verdicts") == 1
    assert grew("meshgov_sla_breach_events_total", kind="FRESHNESS", state="OPEN") == 1
    assert grew("meshgov_record_handle_seconds_count", processor="unit-test") == 4
    assert grew("meshgov_check_latency_seconds_bucket", check="pii", le="2.5") == 1
    assert grew("meshgov_check_latency_seconds_bucket", check="pii", le="1.0") == 0
    assert grew("meshgov_verdict_latency_seconds_sum", decision="ACCEPTED") == 3.0
    ages = samples(page(ports))
    assert (
        ages[("meshgov_port_output_age_seconds", (("port", "daily"), ("product", "orders")))] == 5
    )
    assert (
        ages[("meshgov_port_output_age_seconds", (("port", "stream"), ("product", "orders")))] == 1
    )


def test_the_whole_page_passes_the_exposition_checks() -> None:
    ProcessorMetrics("unit-test").dead_letter("outputs")
    text = generate_latest(REGISTRY).decode()
    assert "meshgov_dead_letters_total" in text
    assert exposition_problems(text) == []


def test_the_exposition_check_can_fail() -> None:
    bad = (
        "# HELP meshgov_latency_milliseconds x\n# TYPE meshgov_latency_milliseconds gauge\n"
        "meshgov_latency_milliseconds 1\n"
        "# TYPE meshgov_things_total gauge\nmeshgov_things_total 2\n"
    )
    problems = exposition_problems(bad)
    assert any("base units" in p for p in problems)
    assert any("only counters end in _total" in p for p in problems)
    assert any("no help text" in p for p in problems)
