"""The PII processor: the pii check on every registration, and watching accepted products'
data for PII nobody declared. Batch samples arrive on mesh.outputs; streaming ports are read
beside the stream and reported as masked Leaks signals keyed by product, so the stream that
owns a product's episodes decides its breaches. An episode resolves once its field has been
clean for the clean window: the product is woken then."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from pydantic import BaseModel

from meshgov.checks.breaches import Owner, instant
from meshgov.checks.pii.policy import CHECK_NAME, check_registration
from meshgov.checks.pii.watch import Leak, find_leaks, observe, port_declarations, resolve_clean
from meshgov.codec import DecodeError
from meshgov.kafka.clients import KafkaClients
from meshgov.kafka.topics import CHECK_RESULTS, OUTPUTS, REGISTRATIONS, SLA_BREACHES, VERDICTS
from meshgov.models.descriptor import PiiClass
from meshgov.models.events import ACCEPTED_DECISIONS, OutputPublished, Registration, Verdict
from meshgov.models.loading import parse_descriptor
from meshgov.models.policy import GlobalPolicy, load_policy
from meshgov.processors.outputs import Emit, Output, Send
from meshgov.processors.ports import PortObserver, PortReader, PortRecord, StreamingPort
from meshgov.processors.signals import LeakReport, Leaks, Tick
from meshgov.processors.spec import Message, Processor
from meshgov.settings import Settings


class AcceptedProduct(BaseModel):
    owner: str
    domain: str
    ports: dict[str, dict[str, Any]]  # pii.watch.port_declarations


class LeakWatch(BaseModel):
    product: AcceptedProduct | None = None
    episodes: dict[str, dict[str, Any]] = {}  # pii.watch episodes, by port/field


def _leaks(message: Leaks) -> list[Leak]:
    return [
        Leak(report.port, report.field, PiiClass(report.pii), report.evidence, report.expected)
        for report in message.leaks
    ]


def leak_signal(leaks: Sequence[Leak], at: datetime) -> Leaks:
    """Masked evidence only, never a value."""
    return Leaks(
        at=at,
        leaks=[
            LeakReport(
                port=leak.port,
                field=leak.field,
                pii=leak.pii.value,
                evidence=leak.evidence,
                expected=leak.expected,
            )
            for leak in leaks
        ],
    )


class PiiHandler:
    def __init__(self, policy: GlobalPolicy, clean_window: timedelta) -> None:
        self.policy = policy
        self.clean_window = clean_window

    def handle(
        self, state: LeakWatch, message: Message, now: datetime
    ) -> tuple[LeakWatch, list[Output]]:
        body = message.body
        if isinstance(body, Registration):
            return state, [Emit(CHECK_RESULTS, check_registration(body, self.policy, now))]
        if isinstance(body, Verdict):
            if body.decision not in ACCEPTED_DECISIONS:
                return state, []
            product = parse_descriptor(body.descriptor, body.product).data_product
            accepted = AcceptedProduct(
                owner=product.owner, domain=product.domain, ports=port_declarations(product)
            )
            return state.model_copy(update={"product": accepted}), []
        known = state.product
        if known is None:
            return state, []
        owner = Owner(message.product, known.owner, known.domain)
        episodes = {key: dict(episode) for key, episode in state.episodes.items()}
        if isinstance(body, OutputPublished):
            port = known.ports.get(body.port)
            if port is None or not body.sample:
                return state, []
            leaks = [
                leak
                for row in body.sample
                for leak in find_leaks(body.product, body.port, port["fields"], row, self.policy)
            ]
            breaches = observe(episodes, owner, leaks, body.published_at)
        elif isinstance(body, Leaks):
            breaches = observe(episodes, owner, _leaks(body), body.at)
        elif isinstance(body, Tick):
            breaches = resolve_clean(episodes, owner, body.at, self.clean_window)
        else:
            return state, []
        outputs: list[Output] = [Emit(SLA_BREACHES, breach) for breach in breaches]
        return state.model_copy(update={"episodes": episodes}), outputs

    def wake(self, state: LeakWatch, now: datetime) -> datetime | None:
        return min(
            (instant(e["last_seen_ms"]) + self.clean_window for e in state.episodes.values()),
            default=None,
        )


_GOLDEN = 0x9E3779B97F4A7C15  # 2**64 / the golden ratio
_MASK = (1 << 64) - 1


def sampled(partition: int, offset: int, rate: float) -> bool:
    """Whether the record at (partition, offset) is among the `rate` share scanned: a
    function of its coordinates, so a re-read scans the same records. Consecutive offsets
    spread evenly (a Weyl sequence), so a leak in k consecutive records is missed only when
    k is below about 1 / rate."""
    return ((offset + partition * 0x632BE59BD9B4E019) * _GOLDEN) & _MASK < rate * 2**64


FULL_SCAN_BATCH = 500  # a batch this small (a reader keeping up) is scanned whole


class StreamingLeaks(PortObserver):
    """What the streaming-port reader reports: the leaks in each product's records, masked,
    one signal per product and batch. A reader keeping up (small batches) scans every
    record; a busy one the sampled share of them."""

    def __init__(self, policy: GlobalPolicy) -> None:
        super().__init__()
        self.policy = policy
        self._declared: dict[tuple[str, str, int], dict[str, Any]] = {}

    def _declarations(self, port: StreamingPort) -> dict[str, Any]:
        key = (port.product_name, port.port, id(port.product))  # each accepted version
        if key not in self._declared:
            if len(self._declared) >= 1000:
                self._declared.clear()
            self._declared[key] = {
                path: c.model_dump(mode="json")
                for path, c in port.product.port(port.port).fields.items()
            }
        return self._declared[key]

    def observe(
        self, batch: Sequence[tuple[StreamingPort, PortRecord]], now: datetime
    ) -> list[Output]:
        found: dict[str, dict[tuple[str, str, PiiClass], Leak]] = {}
        newest: dict[str, datetime] = {}
        whole = len(batch) <= FULL_SCAN_BATCH
        for port, record in batch:
            product = port.product_name
            rate = self.policy.pii.sample_rate(product)
            if not whole and not sampled(record.partition, record.offset, rate):
                continue
            try:
                value = port.decoder.decode(record.value or b"", record.schema_header)
            except DecodeError:
                continue  # schema violations are the quality processor's to report
            leaks = find_leaks(product, port.port, self._declarations(port), value, self.policy)
            if not leaks:
                continue
            at = record.event_time(now)
            newest[product] = max(at, newest.get(product, at))
            for leak in leaks:
                found.setdefault(product, {}).setdefault((leak.port, leak.field, leak.pii), leak)
        return [
            Send(product, leak_signal(list(leaks.values()), newest[product]))
            for product, leaks in found.items()
        ]


def _handler(settings: Settings) -> PiiHandler:
    return PiiHandler(
        load_policy(settings.policy_path), timedelta(seconds=settings.pii_clean_window_seconds)
    )


def _port_reader(settings: Settings, clients: KafkaClients) -> PortReader:
    return PortReader(
        settings,
        clients,
        CHECK_NAME,
        PROCESSOR.signals_topic(settings),
        StreamingLeaks(load_policy(settings.policy_path)),
    )


PROCESSOR = Processor(
    name=CHECK_NAME,
    state=LeakWatch,
    inputs={REGISTRATIONS: Registration, VERDICTS: Verdict, OUTPUTS: OutputPublished},
    handler=_handler,
    signals=True,
    timed=True,
    sidecars=(_port_reader,),
    outputs=(
        CHECK_RESULTS,
        SLA_BREACHES,
    ),
    reads_ports=True,
)
