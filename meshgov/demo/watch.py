"""What the demo shows: every verdict and breach of its mesh as it arrives, and at the end a
summary of decisions, breaches and latencies."""

from __future__ import annotations

import statistics
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from meshgov.kafka.clients import KafkaClients
from meshgov.kafka.follow import EventFollower
from meshgov.kafka.topics import SLA_BREACHES, VERDICTS
from meshgov.models.events import BreachState, Decision, Event, SlaBreach, Verdict
from meshgov.settings import Settings


@dataclass
class Seen:
    verdicts: list[Verdict] = field(default_factory=list)
    breaches: list[SlaBreach] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def verdicts_of(self, product: str) -> list[Verdict]:
        with self.lock:
            return [v for v in self.verdicts if v.product == product]

    def breach_count(self, product: str, kind: str, state: BreachState) -> int:
        with self.lock:
            return sum(
                1
                for b in self.breaches
                if b.product == product and b.kind.value == kind and b.state is state
            )


class MeshWatch:
    """Reads the demo mesh's verdicts and breaches on a thread, de-duplicating by id (a
    processor restart may re-emit an event), and reports each once."""

    def __init__(self, settings: Settings, report: Callable[[Any], None]) -> None:
        self.report = report
        self.seen = Seen()
        self._ids: set[str] = set()
        topics = [settings.topic(VERDICTS), settings.topic(SLA_BREACHES)]
        self._follower = EventFollower(KafkaClients(settings), topics, self._on_event, "demo-watch")

    def start(self) -> None:
        self._follower.start()

    def stop(self) -> None:
        self._follower.stop()

    def _on_event(self, event: Event) -> None:
        if isinstance(event, Verdict):
            self._add(event.verdict_id, event, self.seen.verdicts)
        elif isinstance(event, SlaBreach):
            self._add(f"{event.breach_id}/{event.state.value}", event, self.seen.breaches)

    def _add(self, key: str, event: Any, into: list[Any]) -> None:
        if key in self._ids:
            return
        self._ids.add(key)
        with self.seen.lock:
            into.append(event)
        self.report(event)

    def wait_for(self, done: Callable[[Seen], bool], timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if done(self.seen):
                return True
            time.sleep(0.1)
        return done(self.seen)


def describe(event: Any) -> str:
    """One line for the live view."""
    if isinstance(event, Verdict):
        mark = {"ACCEPTED": "+", "ACCEPTED_WITH_WARNINGS": "+", "SCHEDULED": "~"}.get(
            event.decision.value, "x"
        )
        line = (
            f"[{mark}] {event.decision.value:<9} {event.product} {event.version} "
            f"({event.domain}) in {event.latency_ms / 1000:.1f} s"
        )
        if event.decision is Decision.SCHEDULED and event.effective_at:
            line += f", effective {event.effective_at:%Y-%m-%d}"
        errors = [
            f"{f.code}{' ' + f.path if f.path else ''}"
            for check in event.checks
            for f in check.findings
            if f.severity.value == "ERROR" or event.decision is Decision.SCHEDULED
        ]
        if errors and event.decision is not Decision.ACCEPTED:
            line += ": " + "; ".join(errors[:2])
        return line
    breach: SlaBreach = event
    where = f"{breach.product}/{breach.port}" if breach.port else breach.product
    subject = f" {breach.rule or breach.field}" if (breach.rule or breach.field) else ""
    if breach.state is BreachState.OPEN:
        detail = f"expected {breach.expected}; observed {breach.observed}"
        if breach.deadline is not None:
            late_ms = (breach.detected_at - breach.deadline).total_seconds() * 1000
            detail += f" (detected {late_ms:.0f} ms after the deadline)"
        return f"[!] BREACH    {breach.kind.value}{subject} on {where}: {detail} -> {breach.owner}"
    return f"[ok] RESOLVED {breach.kind.value}{subject} on {where}: {breach.observed}"


def summary(seen: Seen) -> dict[str, Any]:
    with seen.lock:
        verdicts, breaches = list(seen.verdicts), list(seen.breaches)
    products: dict[str, dict[str, Any]] = {}
    for verdict in verdicts:
        entry = products.setdefault(
            verdict.product, {"domain": verdict.domain, "decisions": [], "breaches": []}
        )
        entry["decisions"].append(f"{verdict.version} {verdict.decision.value} ({verdict.domain})")
    opened = [b for b in breaches if b.state is BreachState.OPEN]
    resolved_ids = {b.breach_id for b in breaches if b.state is BreachState.RESOLVED}
    for breach in opened:
        entry = products.setdefault(
            breach.product, {"domain": breach.domain, "decisions": [], "breaches": []}
        )
        state = "resolved" if breach.breach_id in resolved_ids else "open"
        entry["breaches"].append(
            f"{breach.kind.value} {breach.rule or breach.field or ''} {state}".replace("  ", " ")
        )
    detection = [
        (b.detected_at - b.deadline).total_seconds() * 1000
        for b in opened
        if b.deadline is not None
    ]
    latencies = sorted(v.latency_ms for v in verdicts)
    return {
        "products": products,
        "decisions": {d.value: sum(1 for v in verdicts if v.decision is d) for d in Decision},
        "breaches": {
            "opened": len(opened),
            "resolved": len(resolved_ids),
            "open": len({b.breach_id for b in opened} - resolved_ids),
        },
        "detection_ms": _figures(detection),
        "verdict_latency_ms": _figures([float(x) for x in latencies]),
        "events": {
            "verdicts": [v.model_dump(mode="json", exclude={"descriptor"}) for v in verdicts],
            "breaches": [b.model_dump(mode="json") for b in breaches],
        },
    }


def _figures(values: list[float]) -> dict[str, float] | None:
    if not values:
        return None
    ordered = sorted(values)
    return {
        "count": len(ordered),
        "p50": statistics.median(ordered),
        "p99": ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))],
        "max": ordered[-1],
    }


def summary_table(result: dict[str, Any]) -> list[str]:
    lines = [f"{'product':<20} {'domain':<14} {'decisions':<48} breaches"]
    for name, entry in sorted(result["products"].items()):
        lines.append(
            f"{name:<20} {entry['domain']:<14} {', '.join(entry['decisions']):<48} "
            f"{', '.join(entry['breaches']) or '-'}"
        )
    decisions = ", ".join(
        f"{count} {d.lower()}" for d, count in result["decisions"].items() if count
    )
    breaches = result["breaches"]
    lines.append("")
    lines.append(f"verdicts: {decisions}")
    lines.append(
        f"breaches: {breaches['opened']} opened, {breaches['resolved']} resolved, "
        f"{breaches['open']} still open"
    )
    if result["detection_ms"]:
        d = result["detection_ms"]
        lines.append(
            f"detection, deadline to breach: p50 {d['p50']:.0f} ms, max {d['max']:.0f} ms "
            f"({d['count']} deadlines)"
        )
    if result["verdict_latency_ms"]:
        v = result["verdict_latency_ms"]
        lines.append(
            f"registration to verdict: p50 {v['p50']:.0f} ms, p99 {v['p99']:.0f} ms "
            f"({v['count']} registrations)"
        )
    return lines
