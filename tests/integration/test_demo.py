"""`meshgov demo`, headless, against the real broker and the real registry: every decision
and breach of the story, each exactly once; the teams' records and meshgov's events in the
Confluent wire format."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from confluent_kafka.schema_registry import SchemaRegistryClient

from meshgov.demo.scenario import expected
from meshgov.kafka.clients import KafkaClients, read_to_end
from meshgov.kafka.topics import SLA_BREACHES, VERDICTS
from meshgov.models.events import SlaBreach, Verdict
from meshgov.settings import Settings

pytestmark = pytest.mark.kafka


def read_all(bootstrap: str, topics: list[str]) -> list[bytes]:
    clients = KafkaClients(Settings(bootstrap=bootstrap))
    return [m.value() or b"" for topic in topics for m in read_to_end(clients, topic)]


def test_the_demo_decides_and_reports_everything_once(
    kafka_bootstrap: str, schema_registry_url: str, tmp_path: Path
) -> None:
    summary_path = tmp_path / "summary.json"
    run = subprocess.run(
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
        capture_output=True,
        text=True,
        timeout=420,
        env={
            **os.environ,
            "MESHGOV_HOME": str(tmp_path / "home"),
            "MESHGOV_SCHEMA_REGISTRY_URL": schema_registry_url,
        },
    )
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
