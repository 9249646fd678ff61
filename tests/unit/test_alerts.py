"""Breaches and notices: who is told what, through which receiver, in which body."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from meshgov.alerts.notifications import SCHEDULED_CHANGE, notifications
from meshgov.alerts.receivers import generic_body, pagerduty_body, request_for, slack_body
from meshgov.models.alerting import AlertRouting
from meshgov.models.events import (
    BreachKind,
    BreachState,
    CatalogEntry,
    Decision,
    Health,
    ProductStatus,
    SlaBreach,
    Verdict,
)

T0 = datetime(2026, 12, 1, 4, 0, tzinfo=UTC)


def entry(product: str, domain: str, downstream: list[str]) -> CatalogEntry:
    return CatalogEntry(
        product=product,
        domain=domain,
        owner=f"{domain}-team@company.com",
        current_version="1.0.0",
        status=ProductStatus.ACTIVE,
        health=Health.HEALTHY,
        description="",
        tags=[],
        versions=[],
        upstream=[],
        downstream=downstream,
        open_breaches=[],
        descriptor="x",
        updated_at=T0,
    )


CATALOG = {
    "payments-settled": entry("payments-settled", "payments", ["revenue-daily", "fraud-scores"]),
    "revenue-daily": entry("revenue-daily", "finance", []),
    "fraud-scores": entry("fraud-scores", "fraud", []),
}


def breach(state: BreachState) -> SlaBreach:
    return SlaBreach(
        breach_id="b-1",
        product="payments-settled",
        port="daily",
        kind=BreachKind.FRESHNESS,
        state=state,
        episode="run 2026-12-01",
        expected="by 04:00 UTC",
        observed="nothing",
        owner="payments-team@company.com",
        domain="payments",
        opened_at=T0,
        resolved_at=T0 + timedelta(minutes=20) if state is BreachState.RESOLVED else None,
        detected_at=T0,
    )


def test_a_breach_reaches_its_owner_and_the_owners_of_its_consumers() -> None:
    found = notifications(breach(BreachState.OPEN), CATALOG)
    assert [(n.audience, n.product, n.owner) for n in found] == [
        ("owner", "payments-settled", "payments-team@company.com"),
        ("consumer", "fraud-scores", "fraud-team@company.com"),
        ("consumer", "revenue-daily", "finance-team@company.com"),
    ]
    assert {n.action for n in found} == {"trigger"}
    assert len({n.key for n in found}) == 3
    resolved = notifications(breach(BreachState.RESOLVED), CATALOG)
    assert [n.dedup_key for n in resolved] == [n.dedup_key for n in found]  # same incidents
    assert {n.action for n in resolved} == {"resolve"}
    assert len(notifications(breach(BreachState.OPEN), CATALOG, notify_consumers=False)) == 1


def test_a_scheduled_breaking_change_is_announced_to_the_consumers() -> None:
    verdict = Verdict(
        verdict_id="v-9",
        registration_id="r-9",
        product="payments-settled",
        version="2.0.0",
        domain="payments",
        owner="payments-team@company.com",
        submitted_by="a@b",
        decision=Decision.SCHEDULED,
        effective_at=T0 + timedelta(days=31),
        checks=[],
        descriptor="x",
        submitted_at=T0,
        decided_at=T0,
        latency_ms=5,
    )
    found = notifications(verdict, CATALOG)
    assert {(n.product, n.kind, n.action) for n in found} == {
        ("revenue-daily", SCHEDULED_CHANGE, "notice"),
        ("fraud-scores", SCHEDULED_CHANGE, "notice"),
    }
    assert all("2027-01-01" in n.summary for n in found)
    accepted = verdict.model_copy(update={"decision": Decision.ACCEPTED})
    assert notifications(accepted, CATALOG) == []


ROUTING = AlertRouting.model_validate(
    {
        "receivers": {
            "payments-pd": {"pagerduty": {"routing_key": "R0UT1NG"}},
            "finance-chat": {"slack": {"url": "https://hooks.example/finance"}},
            "audit": {"webhook": {"url": "https://audit.example/meshgov"}},
        },
        "routes": [
            {"domains": ["payments"], "receivers": ["payments-pd", "audit"]},
            {
                "domains": ["finance"],
                "kinds": ["FRESHNESS", "SCHEDULED_CHANGE"],
                "receivers": ["finance-chat"],
            },
            {"receivers": ["audit"]},
        ],
    }
)


def test_routes_match_by_domain_product_and_kind_each_receiver_once() -> None:
    assert ROUTING.receivers_for("payments", "payments-settled", "FRESHNESS") == [
        "payments-pd",
        "audit",
    ]
    assert ROUTING.receivers_for("finance", "revenue-daily", "FRESHNESS") == [
        "finance-chat",
        "audit",
    ]
    assert ROUTING.receivers_for("finance", "revenue-daily", "QUALITY") == ["audit"]
    with pytest.raises(ValidationError, match="unknown receivers"):
        AlertRouting.model_validate({"receivers": {}, "routes": [{"receivers": ["nobody"]}]})
    with pytest.raises(ValidationError, match="one of webhook, slack, pagerduty"):
        AlertRouting.model_validate({"receivers": {"x": {}}, "routes": []})


def test_pagerduty_triggers_and_resolves_one_incident_per_breach() -> None:
    opened, *_ = notifications(breach(BreachState.OPEN), CATALOG)
    resolved, *_ = notifications(breach(BreachState.RESOLVED), CATALOG)
    trigger = pagerduty_body(opened, "KEY")
    assert trigger is not None
    assert trigger["event_action"] == "trigger"
    assert trigger["dedup_key"] == "b-1"
    payload = trigger["payload"]
    assert {"summary", "source", "severity"} <= set(payload)  # the Events API's required
    assert payload["severity"] == "error"
    assert pagerduty_body(resolved, "KEY") == {
        "routing_key": "KEY",
        "event_action": "resolve",
        "dedup_key": "b-1",
    }


def test_slack_and_generic_bodies() -> None:
    opened, consumer, _ = notifications(breach(BreachState.OPEN), CATALOG)
    slack = slack_body(consumer)
    assert slack["text"].startswith("[BREACH] fraud-scores reads payments-settled")
    assert slack["blocks"][0]["text"]["type"] == "mrkdwn"
    body = generic_body(opened)
    assert body["details"]["breach_id"] == "b-1"
    assert body["audience"] == "owner"


def test_a_notice_is_no_pagerduty_incident_and_a_missing_secret_is_an_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    opened, *_ = notifications(breach(BreachState.OPEN), CATALOG)
    notice = opened.__class__(**{**opened.__dict__, "action": "notice"})
    assert request_for(ROUTING.receivers["payments-pd"], notice) is None
    monkeypatch.delenv("NO_SUCH_SECRET", raising=False)
    secret = AlertRouting.model_validate(
        {"receivers": {"x": {"slack": {"url_env": "NO_SUCH_SECRET"}}}, "routes": []}
    )
    with pytest.raises(ValueError, match="NO_SUCH_SECRET"):
        request_for(secret.receivers["x"], opened)
    monkeypatch.setenv("NO_SUCH_SECRET", "https://hooks.example/x")
    request = request_for(secret.receivers["x"], opened)
    assert request is not None
    assert request[0] == "https://hooks.example/x"


def test_delivery_errors_name_the_host_never_the_secret_url_and_redirects_are_refused() -> None:
    import http.server
    import threading

    from meshgov.alerts.receivers import post
    from meshgov.kafka.progress import DeliveryError

    with pytest.raises(DeliveryError) as refused:
        post("http://127.0.0.1:9/services/T000/B000/s3cr3t-t0ken", {"text": "x"}, {})
    assert "s3cr3t" not in str(refused.value)
    assert refused.value.transient

    class Redirecting(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.send_response(302)
            self.send_header("Location", "https://elsewhere.example/")
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Redirecting)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with pytest.raises(DeliveryError) as redirected:
            post(f"http://127.0.0.1:{server.server_port}/hook/secret", {"text": "x"}, {})
    finally:
        server.shutdown()
        server.server_close()
    assert "redirected: not followed" in str(redirected.value)
    assert not redirected.value.transient
    assert "secret" not in str(redirected.value)


def test_slack_text_cannot_ping_a_channel() -> None:
    opened, *_ = notifications(breach(BreachState.OPEN), CATALOG)
    hostile = opened.__class__(**{**opened.__dict__, "summary": "<!channel> & " + "x" * 5000})
    text = slack_body(hostile)["text"]
    assert "<!channel>" not in text
    assert "&lt;!channel&gt; &amp;" in text
    assert len(text) <= 3000


def test_a_receiver_that_took_an_event_never_gets_it_again_while_another_is_retried() -> None:
    """Records of other partitions are delivered while one waits for its retry: what each
    receiver already took is remembered per event."""
    import http.server
    import json
    import threading

    from meshgov.alerts.router import AlertRouter
    from meshgov.kafka.clients import KafkaClients
    from meshgov.kafka.progress import DeliveryError
    from meshgov.settings import Settings

    got: list[tuple[str, str]] = []
    failures = {"/x": 1}

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            if failures.get(self.path, 0) > 0:
                failures[self.path] -= 1
                self.send_response(503)
            else:
                got.append((self.path, json.loads(body)["key"]))
                self.send_response(202)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_port}"
    routing = AlertRouting.model_validate(
        {
            "receivers": {
                "x": {"webhook": {"url": f"{url}/x"}},
                "y": {"webhook": {"url": f"{url}/y"}},
            },
            "routes": [{"receivers": ["x", "y"]}],
        }
    )
    router = AlertRouter(
        Settings(bootstrap="127.0.0.1:1"), KafkaClients(Settings(bootstrap="127.0.0.1:1")), routing
    )
    first = breach(BreachState.OPEN)
    second = first.model_copy(update={"breach_id": "b-2"})
    try:
        with pytest.raises(DeliveryError) as failed:
            router.deliver(first)  # y takes it, x answers 503
        assert failed.value.transient
        router.deliver(second)  # another partition's record, meanwhile
        router.deliver(first)  # its retry: x only
    finally:
        server.shutdown()
        server.server_close()
        router.tail.close()
    assert sorted(got) == [
        ("/x", "b-1/OPEN/owner"),
        ("/x", "b-2/OPEN/owner"),
        ("/y", "b-1/OPEN/owner"),
        ("/y", "b-2/OPEN/owner"),
    ]
