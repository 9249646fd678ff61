"""The mesh's Prometheus metrics: every name, label and collector in one place.

Counters and histograms are updated where things happen (the processor runtime, the
dashboard's submissions); gauges that describe a current state are collectors, computed
when scraped: consumer lag from librdkafka's statistics, the time since each port's last
output, open breaches from the catalog, components under `meshgov up`. Labels are bounded:
processor, topic and check names, decisions, breach kinds and states; products and ports
only in the port series, capped by the settings' metrics_port_series with the rest folded
into one overflow series."""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from typing import Any

from prometheus_client import REGISTRY, Counter, Histogram, start_http_server
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

from meshgov.models.events import CheckResult, OutputPublished, Registration, SlaBreach, Verdict
from meshgov.processors.outputs import Effect, Emit, Output
from meshgov.processors.signals import Seen

log = logging.getLogger("meshgov.metrics")

OVERFLOW = "__overflow__"
_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300)
_HANDLE_BUCKETS = (0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1)

RECORDS = Counter(
    "meshgov_records_processed_total",
    "Records a processor handled, by the mesh topic they came from.",
    ["processor", "input"],
)
DEAD_LETTERS = Counter(
    "meshgov_dead_letters_total",
    "Records a processor could not handle and sent to the dead-letter topic.",
    ["processor", "input"],
)
EMITTED = Counter(
    "meshgov_events_emitted_total",
    "Events a processor produced, by the mesh topic they went to.",
    ["processor", "output"],
)
BREACH_EVENTS = Counter(
    "meshgov_sla_breach_events_total",
    "SLA breach events emitted, by kind and state (OPEN, RESOLVED).",
    ["kind", "state"],
)
STREAM_RESTARTS = Counter(
    "meshgov_stream_restarts_total",
    "Times a processor's stream stopped on a failure and was started again in its process.",
    ["processor"],
)
SUBMISSIONS = Counter(
    "meshgov_dashboard_submissions_total",
    "Registrations submitted through the dashboard, by outcome.",
    ["outcome"],
)
HANDLE_SECONDS = Histogram(
    "meshgov_record_handle_seconds",
    "Time a processor took for one record: decode, state, check, encode.",
    ["processor"],
    buckets=_HANDLE_BUCKETS,
)
CHECK_LATENCY = Histogram(
    "meshgov_check_latency_seconds",
    "From a registration's submission to a check's result on it.",
    ["check"],
    buckets=_LATENCY_BUCKETS,
)
VERDICT_LATENCY = Histogram(
    "meshgov_verdict_latency_seconds",
    "From a registration's submission to its verdict.",
    ["decision"],
    buckets=_LATENCY_BUCKETS,
)


def seconds_between(start: datetime, end: datetime) -> float:
    return max((end - start).total_seconds(), 0.0)


class ConsumerLag(Collector):
    """Each consumer group's lag per partition, from librdkafka's statistics (the
    `statistics.interval.ms` callback of the process's own consumers)."""

    def __init__(self) -> None:
        self._lags: dict[str, dict[tuple[str, str], int]] = {}
        self._lock = threading.Lock()

    def callback(self, group: str) -> Callable[[str], None]:
        def record(stats_json: str) -> None:
            try:
                stats = json.loads(stats_json)
                lags = {
                    (topic, partition): int(info["consumer_lag"])
                    for topic, topic_stats in stats.get("topics", {}).items()
                    for partition, info in topic_stats.get("partitions", {}).items()
                    if partition != "-1" and int(info.get("consumer_lag", -1)) >= 0
                }
            except (ValueError, TypeError, KeyError, AttributeError):
                return  # statistics are informative; a malformed one changes nothing
            with self._lock:
                self._lags[group] = lags

        return record

    def collect(self) -> Iterator[GaugeMetricFamily]:
        family = GaugeMetricFamily(
            "meshgov_consumer_lag_records",
            "Records not yet consumed, per consumer group and partition of this process.",
            labels=["group", "topic", "partition"],
        )
        with self._lock:
            for group, lags in self._lags.items():
                for (topic, partition), lag in sorted(lags.items()):
                    family.add_metric([group, topic, partition], lag)
        yield family


class PortActivity(Collector):
    """When each port last had an output (a batch run announced, the newest record of a
    stream), as a timestamp and as an age; past `cap` ports, the rest are one overflow
    series holding the oldest of them."""

    def __init__(self, cap: int = 1000, clock: Callable[[], float] = time.time) -> None:
        self.cap = cap
        self.clock = clock
        self._last: dict[tuple[str, str], float] = {}
        self._lock = threading.Lock()

    def seen(self, product: str, port: str, at: datetime) -> None:
        """A clock ahead of ours counts as now; past twice the cap, the ports longest
        silent are forgotten (the memory stays bounded whatever mesh.outputs holds)."""
        stamp = min(at.timestamp(), self.clock())
        with self._lock:
            key = (product, port)
            if stamp > self._last.get(key, float("-inf")):
                self._last[key] = stamp
            if len(self._last) > 2 * self.cap:
                kept = sorted(self._last.items(), key=lambda item: item[1])[-self.cap :]
                self._last = dict(kept)

    def collect(self) -> Iterator[GaugeMetricFamily]:
        now = self.clock()
        labels = ["product", "port"]
        last = GaugeMetricFamily(
            "meshgov_port_last_output_timestamp_seconds",
            "When the port last had an output (Unix time).",
            labels=labels,
        )
        age = GaugeMetricFamily(
            "meshgov_port_output_age_seconds",
            "Seconds since the port's last output.",
            labels=labels,
        )
        overflowed = GaugeMetricFamily(
            "meshgov_port_series_overflow_ports",
            "Ports beyond the series cap, folded into the overflow series.",
        )
        with self._lock:
            ports = sorted(self._last.items())
        shown, rest = ports[: self.cap], ports[self.cap :]
        for (product, port), stamp in shown:
            last.add_metric([product, port], stamp)
            age.add_metric([product, port], max(now - stamp, 0.0))
        if rest:
            oldest = min(stamp for _, stamp in rest)
            last.add_metric([OVERFLOW, OVERFLOW], oldest)
            age.add_metric([OVERFLOW, OVERFLOW], max(now - oldest, 0.0))
        overflowed.add_metric([], len(rest))
        yield from (last, age, overflowed)


class OpenBreaches(Collector):
    """Open breaches by kind and products by status, from a catalog view."""

    def __init__(self, entries: Callable[[], Iterable[Any]]) -> None:
        self.entries = entries  # CatalogEntry-like: .status, .open_breaches[].kind

    def collect(self) -> Iterator[GaugeMetricFamily]:
        breaches: dict[str, int] = {}
        statuses: dict[str, int] = {}
        for entry in self.entries():
            statuses[entry.status.value] = statuses.get(entry.status.value, 0) + 1
            for breach in entry.open_breaches:
                breaches[breach.kind.value] = breaches.get(breach.kind.value, 0) + 1
        open_family = GaugeMetricFamily(
            "meshgov_open_breaches", "SLA breaches open now, by kind.", labels=["kind"]
        )
        for kind, count in sorted(breaches.items()):
            open_family.add_metric([kind], count)
        products = GaugeMetricFamily(
            "meshgov_catalog_products", "Products in the catalog, by status.", labels=["status"]
        )
        for status, count in sorted(statuses.items()):
            products.add_metric([status], count)
        yield from (open_family, products)


class Components(Collector):
    """What `meshgov up` supervises: each component's state, restarts and group lag."""

    def __init__(self, children: Callable[[], Iterable[Any]]) -> None:
        self.children = children  # supervisor Child-like: .component.name, .state, .starts

    def collect(self) -> Iterator[GaugeMetricFamily | CounterMetricFamily]:
        up = GaugeMetricFamily(
            "meshgov_component_up", "1 when the component is ready.", labels=["component"]
        )
        restarts = CounterMetricFamily(
            "meshgov_component_restarts",
            "Times `meshgov up` started the component again.",
            labels=["component"],
        )
        lag = GaugeMetricFamily(
            "meshgov_component_lag_records",
            "Records waiting for the component's consumer group.",
            labels=["component"],
        )
        for child in self.children():
            name = child.component.name
            up.add_metric([name], 1.0 if child.state.value in ("ready", "lagging") else 0.0)
            restarts.add_metric([name], max(child.starts - 1, 0))
            if child.lag is not None:
                lag.add_metric([name], child.lag)
        yield from (up, restarts, lag)


CONSUMER_LAG = ConsumerLag()
REGISTRY.register(CONSUMER_LAG)
_port_activity: PortActivity | None = None


def port_activity(cap: int) -> PortActivity:
    """The process's port series, registered on first use."""
    global _port_activity
    if _port_activity is None:
        _port_activity = PortActivity(cap)
        REGISTRY.register(_port_activity)
    return _port_activity


_registered: dict[str, Collector] = {}
_registered_lock = threading.Lock()


def register(key: str, collector: Collector) -> None:
    """Register `collector` as the process's `key` one, replacing an earlier one (a server
    made again in the same process reports its own state, never twice)."""
    with _registered_lock:
        earlier = _registered.pop(key, None)
        if earlier is not None:
            REGISTRY.unregister(earlier)
        REGISTRY.register(collector)
        _registered[key] = collector


def serve_if_configured(settings: Any) -> None:
    """Serve this process's /metrics when the settings give a port; a port already taken
    leaves the process running, unobserved, rather than not at all."""
    if settings.metrics_port is None:
        return
    try:
        serve(settings.metrics_host, settings.metrics_port)
    except OSError as error:
        log.error("no /metrics on port %d: %s", settings.metrics_port, error)


def serve(host: str, port: int) -> int:
    """Serve /metrics of this process on host:port (0: any free port); the port bound."""
    server, _ = start_http_server(port, addr=host)
    bound = int(server.server_address[1])
    log.info("metrics on http://%s:%d/metrics", host, bound)
    return bound


class ProcessorMetrics:
    """What one processor's runtime reports for each record it handles."""

    def __init__(self, processor: str, ports: PortActivity | None = None) -> None:
        self.processor = processor
        self.ports = ports
        self._handle = HANDLE_SECONDS.labels(processor)

    def handled(
        self, source: str, seconds: float, product: str, body: Any, outputs: Iterable[Output]
    ) -> None:
        RECORDS.labels(self.processor, source).inc()
        self._handle.observe(seconds)
        if self.ports is not None:
            if isinstance(body, OutputPublished):
                self.ports.seen(body.product, body.port, body.published_at)
            elif isinstance(body, Seen):
                self.ports.seen(product, body.port, body.event_at)
        for output in outputs:
            if isinstance(output, Emit):
                EMITTED.labels(self.processor, output.topic).inc()
                event = output.event
                if isinstance(event, SlaBreach):
                    BREACH_EVENTS.labels(event.kind.value, event.state.value).inc()
                elif isinstance(event, Verdict):
                    latency = seconds_between(event.submitted_at, event.decided_at)
                    VERDICT_LATENCY.labels(event.decision.value).observe(latency)
                elif isinstance(event, CheckResult) and isinstance(body, Registration):
                    latency = seconds_between(body.submitted_at, event.checked_at)
                    CHECK_LATENCY.labels(event.check).observe(latency)
            else:
                kind = "effects" if isinstance(output, Effect) else "signals"
                EMITTED.labels(self.processor, kind).inc()

    def dead_letter(self, source: str) -> None:
        RECORDS.labels(self.processor, source).inc()
        DEAD_LETTERS.labels(self.processor, source).inc()
