"""Breaches routed to people on the real broker: to the owner and the consumers, each once,
through a restart and a crash; a flaky receiver retried, a dead one reported and not
waited on for ever."""

from __future__ import annotations

import http.server
import json
import threading
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from meshgov.kafka.admin import TopicAdmin
from meshgov.kafka.clients import EventPublisher, KafkaClients, read_to_end
from meshgov.kafka.topics import CATALOG, DEAD_LETTERS, SLA_BREACHES, VERDICTS
from meshgov.models.events import (
    BreachKind,
    BreachState,
    CatalogEntry,
    DeadLetter,
    Decision,
    ProductStatus,
    SlaBreach,
    Verdict,
)
from meshgov.settings import Settings
from tests.support.processes import ProcessorProcess

pytestmark = pytest.mark.kafka

T0 = datetime.now(UTC).replace(microsecond=0)


class Receivers:
    """Webhook endpoints: /ok and /pd answer at once, /flaky fails its first two requests,
    /down always fails."""

    def __init__(self) -> None:
        self.got: list[tuple[str, dict[str, Any]]] = []
        self.flaky_failures = 0
        lock = threading.Lock()
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                with lock:
                    if self.path == "/down" or (self.path == "/flaky" and outer.flaky_failures < 2):
                        outer.flaky_failures += self.path == "/flaky"
                        status = 503
                    else:
                        outer.got.append((self.path, body))
                        status = 202
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def keys(self, path: str) -> list[str]:
        return [b["key"] for p, b in list(self.got) if p == path]

    def wait_for(self, done: Any, timeout: float = 90.0) -> None:
        deadline = time.monotonic() + timeout
        while not done():
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out; received {self.got}")
            time.sleep(0.2)


@pytest.fixture
def receivers() -> Iterator[Receivers]:
    found = Receivers()
    yield found
    found.server.shutdown()
    found.server.server_close()


def entry(product: str, domain: str, downstream: list[str]) -> CatalogEntry:
    return CatalogEntry(
        product=product,
        domain=domain,
        owner=f"{domain}-team@company.com",
        status=ProductStatus.ACTIVE,
        current_version="1.0.0",
        descriptor="-",
        downstream=downstream,
        updated_at=T0,
    )


def breach(breach_id: str, state: BreachState) -> SlaBreach:
    return SlaBreach(
        breach_id=breach_id,
        product="payments-settled",
        port="daily",
        kind=BreachKind.FRESHNESS,
        state=state,
        episode=breach_id,
        expected="by 04:00 UTC",
        observed="nothing yet",
        owner="payments-team@company.com",
        domain="payments",
        opened_at=T0,
        resolved_at=T0 + timedelta(minutes=5) if state is BreachState.RESOLVED else None,
        detected_at=T0,
    )


def test_breaches_reach_owners_and_consumers_once_through_restarts_and_failures(
    kafka_bootstrap: str, unique: str, tmp_path: Path, receivers: Receivers
) -> None:
    settings = Settings(bootstrap=kafka_bootstrap, topic_prefix=f"al{unique}.")
    clients = KafkaClients(settings)
    TopicAdmin(clients).ensure(settings.topic_specs(), settings.partitions)
    policy = tmp_path / "policy.yaml"
    policy.write_text(
        yaml.safe_dump(
            {
                "alerts": {
                    "receivers": {
                        "audit": {"webhook": {"url": f"{receivers.url}/ok"}},
                        "payments-pd": {
                            "pagerduty": {"routing_key": "KEY", "url": f"{receivers.url}/pd"}
                        },
                        "finance-hook": {"webhook": {"url": f"{receivers.url}/flaky"}},
                        "fraud-hook": {"webhook": {"url": f"{receivers.url}/down"}},
                    },
                    "routes": [
                        {"domains": ["payments"], "receivers": ["payments-pd"]},
                        {"domains": ["finance"], "receivers": ["finance-hook"]},
                        {
                            "domains": ["fraud"],
                            "kinds": ["SCHEDULED_CHANGE"],
                            "receivers": ["fraud-hook"],
                        },
                        {"receivers": ["audit"]},
                    ],
                    "give_up_after_seconds": 3,
                }
            }
        )
    )
    publisher = EventPublisher(clients)
    for catalog_entry in (
        entry("payments-settled", "payments", ["revenue-daily", "fraud-scores"]),
        entry("revenue-daily", "finance", []),
        entry("fraud-scores", "fraud", []),
    ):
        publisher.send(CATALOG, catalog_entry)
    publisher.send(SLA_BREACHES, breach("b-1", BreachState.OPEN))
    publisher.flush()

    router = ProcessorProcess(
        "alerts", settings, tmp_path, command=["alerts", "run", "--policy", str(policy)]
    )
    router.start()
    try:
        router.wait_ready()
        # The owner (PagerDuty) and both consumers' owners, and audit for all three; the
        # flaky finance hook after two failures.
        receivers.wait_for(lambda: len(receivers.keys("/ok")) == 3 and receivers.keys("/flaky"))
        triggers = [b for p, b in receivers.got if p == "/pd"]
        assert [(t["event_action"], t["dedup_key"]) for t in triggers] == [("trigger", "b-1")]
        assert receivers.flaky_failures == 2
        assert receivers.keys("/flaky") == ["b-1/OPEN/revenue-daily"]

        # A graceful restart, then the recovery: nothing sent twice.
        time.sleep(2)  # the offset of b-1 committed
        router.stop()
        publisher.send(SLA_BREACHES, breach("b-1", BreachState.RESOLVED))
        publisher.flush()
        router.start()
        router.wait_ready()
        receivers.wait_for(lambda: len(receivers.keys("/ok")) == 6)
        resolves = [b for p, b in receivers.got if p == "/pd"][1:]
        assert [(r["event_action"], r["dedup_key"]) for r in resolves] == [("resolve", "b-1")]

        # A crash after delivering, then a breaking change scheduled upstream: the consumers
        # hear of it; the dead fraud hook is given up on and reported, the rest go on.
        time.sleep(2)
        router.kill()
        router.start()
        router.wait_ready()
        scheduled = Verdict(
            verdict_id="v-2",
            registration_id="r-2",
            product="payments-settled",
            version="2.0.0",
            domain="payments",
            owner="payments-team@company.com",
            submitted_by="payments-team@company.com",
            decision=Decision.SCHEDULED,
            effective_at=T0 + timedelta(days=31),
            checks=[],
            descriptor="-",
            submitted_at=T0,
            decided_at=T0,
            latency_ms=1,
        )
        publisher.send(VERDICTS, scheduled)
        publisher.send(SLA_BREACHES, breach("b-2", BreachState.OPEN))
        publisher.flush()
        receivers.wait_for(
            lambda: (
                {"b-2/OPEN/owner", "v-2/revenue-daily", "v-2/fraud-scores"}
                <= set(receivers.keys("/ok"))
            ),
            timeout=120,
        )
        receivers.wait_for(lambda: "gave up on fraud-hook" in router.log_tail(), timeout=60)
        time.sleep(2)  # its dead letter flushed
    finally:
        router.stop()

    audit = Counter(receivers.keys("/ok"))
    assert max(audit.values()) == 1, audit  # each notification once, across both restarts
    assert set(audit) == {
        f"b-1/{state}/{who}"
        for state in ("OPEN", "RESOLVED")
        for who in ("owner", "revenue-daily", "fraud-scores")
    } | {"v-2/revenue-daily", "v-2/fraud-scores"} | {
        f"b-2/OPEN/{who}" for who in ("owner", "revenue-daily", "fraud-scores")
    }
    notice = next(b for p, b in receivers.got if p == "/ok" and b["key"] == "v-2/revenue-daily")
    assert notice["action"] == "notice"
    assert "changes incompatibly" in notice["summary"]
    letters = [
        clients.codec().decode(m.value() or b"", DeadLetter)
        for m in read_to_end(clients, settings.topic(DEAD_LETTERS))
    ]
    reported = [d for d in letters if d.processor == "alerts"]
    assert len(reported) == 1
    assert "fraud-hook" in reported[0].error_message
    assert reported[0].source_topic == settings.topic(VERDICTS)
    assert "gave up on fraud-hook" in router.log_tail()
