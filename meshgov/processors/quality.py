"""The quality processor: quality rules on every batch output and on windows of streaming
records, and SCHEMA_VIOLATION breaches for streaming records that do not decode with the
registered schema (the records themselves go to mesh.dead-letters).

The reader beside the stream counts event-time windows of each streaming port and reports
each closed window, and every undecodable record, as signals keyed by product; the stream
that owns the product's rules and episodes judges them."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from pydantic import BaseModel

from meshgov.checks.breaches import Owner, instant, millis
from meshgov.checks.quality.episodes import judge, schema_clean, schema_violation
from meshgov.checks.quality.rules import evaluate_all
from meshgov.checks.quality.stats import (
    WindowCounter,
    output_figures,
)
from meshgov.checks.quality.windows import JUDGED_KEPT, Part, PendingWindow, window_key
from meshgov.checks.sla.check import port_columns
from meshgov.codec import DecodeError
from meshgov.kafka.clients import KafkaClients
from meshgov.kafka.topics import DEAD_LETTERS, OUTPUTS, SLA_BREACHES, VERDICTS
from meshgov.models.descriptor import DataProduct
from meshgov.models.events import ACCEPTED_DECISIONS, OutputPublished, SlaBreach, Verdict
from meshgov.models.loading import parse_descriptor
from meshgov.models.quality import QualityRule, RuleKind
from meshgov.processors.outputs import Emit, Output, Send
from meshgov.processors.ports import PortObserver, PortReader, PortRecord, StreamingPort
from meshgov.processors.signals import Tick, Violation, Window
from meshgov.processors.spec import Message, Processor, dead_letter
from meshgov.settings import Settings

PROCESSOR_NAME = "quality"
GRACE = timedelta(seconds=2)  # how long a window waits for records running late
# How long a window waits for its other partitions' parts: longer than a dead reader's
# session (15 s), after which its partitions' reader reports them.
SETTLE = timedelta(seconds=30)
MAX_OPEN_WINDOWS = 256  # counted at once by one reader
MAX_PENDING_WINDOWS = 256  # waiting for parts, per product


class ProductRules(BaseModel):
    owner: str
    domain: str
    rules: list[QualityRule]
    columns: dict[str, list[str] | None]  # by port; None: no schema to know them


class QualityState(BaseModel):
    product: ProductRules | None = None
    episodes: dict[str, Any] = {}  # checks.quality.episodes' state
    windows: dict[str, PendingWindow] = {}  # by checks.quality.windows.window_key
    judged: dict[str, list[int]] = {}  # by port: start (ms) of the latest judged windows


def product_rules(product: DataProduct) -> ProductRules:
    return ProductRules(
        owner=product.owner,
        domain=product.domain,
        rules=list(product.quality),
        columns={
            name: None if columns is None else sorted(columns)
            for name, columns in port_columns(product).items()
        },
    )


class QualityHandler:
    def __init__(self, settle: timedelta = SETTLE) -> None:
        self.settle = settle

    def handle(
        self, state: QualityState, message: Message, now: datetime
    ) -> tuple[QualityState, list[Output]]:
        body = message.body
        if isinstance(body, Verdict):
            if body.decision not in ACCEPTED_DECISIONS:
                return state, []
            accepted = parse_descriptor(body.descriptor, body.product).data_product
            return state.model_copy(update={"product": product_rules(accepted)}), []
        spec = state.product
        if spec is None:
            return state, []
        episodes = copy.deepcopy(state.episodes)
        owner = Owner(message.product, spec.owner, spec.domain)
        windows = dict(state.windows)
        judged = {port: list(starts) for port, starts in state.judged.items()}
        events: list[SlaBreach] = []
        if isinstance(body, OutputPublished):
            events = _judge_output(spec, episodes, owner, body, now)
        elif isinstance(body, Violation):
            events = schema_violation(
                episodes,
                owner,
                body.port,
                body.expected,
                f"a record that does not decode ({body.error})",
                body.at,
                now,
                {"first_record": body.where},
            )
        elif isinstance(body, Window):
            key = window_key(body.port, body.start)
            if millis(body.start) in judged.get(body.port, ()):
                return state, []  # a part running later than the window's judgement
            pending = windows.get(key) or PendingWindow(
                port=body.port,
                start=body.start,
                end=body.end,
                partitions=body.partitions,
                due=now + self.settle,
            )
            windows[key] = pending.add(_part(body))
            if windows[key].complete or len(windows) > MAX_PENDING_WINDOWS:
                ready = [key] if windows[key].complete else [min(windows, key=_start_of(windows))]
                events = _judge_windows(spec, episodes, owner, windows, judged, ready, now)
        elif isinstance(body, Tick):
            due = [key for key, pending in windows.items() if pending.due <= body.at]
            events = _judge_windows(spec, episodes, owner, windows, judged, due, now)
        else:
            return state, []
        updated = state.model_copy(
            update={"episodes": episodes, "windows": windows, "judged": judged}
        )
        return updated, [Emit(SLA_BREACHES, e) for e in events]

    def wake(self, state: QualityState, now: datetime) -> datetime | None:
        return min((pending.due for pending in state.windows.values()), default=None)


def _start_of(windows: dict[str, PendingWindow]) -> Any:
    return lambda key: windows[key].start


def _part(window: Window) -> Part:
    return Part(
        partition=window.partition,
        first_offset=window.first_offset,
        last_offset=window.last_offset,
        rows=window.rows,
        violations=window.violations,
        columns=window.columns,
    )


def _columns(spec: ProductRules, port: str) -> frozenset[str] | None:
    columns = spec.columns.get(port)
    return None if columns is None else frozenset(columns)


def _judge_output(
    spec: ProductRules,
    episodes: dict[str, Any],
    owner: Owner,
    output: OutputPublished,
    now: datetime,
) -> list[SlaBreach]:
    if output.port not in spec.columns:
        return []
    outcomes = evaluate_all(spec.rules, output_figures(output), _columns(spec, output.port))
    return judge(
        episodes,
        owner,
        output.port,
        outcomes,
        f"run {output.run_id}",
        output.published_at,
        now,
        run_id=output.run_id,
        scheduled_run=output.scheduled_for,
    )


def _judge_windows(
    spec: ProductRules,
    episodes: dict[str, Any],
    owner: Owner,
    windows: dict[str, PendingWindow],
    judged: dict[str, list[int]],
    keys: Sequence[str],
    now: datetime,
) -> list[SlaBreach]:
    """Judge the pending windows `keys`, oldest first, and remember them as judged."""
    events: list[SlaBreach] = []
    for key in sorted(keys, key=_start_of(windows)):
        pending = windows.pop(key)
        starts = judged.setdefault(pending.port, [])
        starts.append(millis(pending.start))
        del starts[:-JUDGED_KEPT]
        figures = pending.figures()
        if not figures.rows:
            continue
        name = f"window {pending.start.isoformat()}/{pending.end.isoformat()}"
        outcomes = evaluate_all(spec.rules, figures, _columns(spec, pending.port))
        events += judge(episodes, owner, pending.port, outcomes, name, pending.end, now)
        if not pending.violations:
            events += schema_clean(
                episodes, owner, pending.port, figures.rows, name, pending.end, now
            )
    return events


@dataclass
class _Counting:
    """One partition's count of one window, and the offsets it covers."""

    counter: WindowCounter
    first_offset: int
    last_offset: int
    last_added_ms: int  # wall clock
    violations: int = 0


@dataclass
class StreamingWindows(PortObserver):
    """What the streaming-port reader reports: each partition's count of each event-time
    window of a port, once the partition's records have moved `GRACE` past the window's end
    (or the window has had no record for `GRACE` after it ended by the wall clock); and
    records that do not decode (dead-lettered, and a Violation once per port and batch).
    Windows still open hold back the commit of their partitions, so a restart counts them
    again from their first record."""

    length: timedelta
    open: dict[tuple[str, str, str, int, int], _Counting] = field(default_factory=dict)
    newest: dict[tuple[str, int], int] = field(default_factory=dict)  # event ms by partition
    _shapes: dict[tuple[str, str, int], tuple[frozenset[str], frozenset[str]]] = field(
        default_factory=dict
    )

    def __post_init__(self) -> None:
        PortObserver.__init__(self)

    def _shape(self, port: StreamingPort) -> tuple[frozenset[str], frozenset[str]]:
        """The port's columns and those of them that must be unique."""
        key = (port.product_name, port.port, id(port.product))  # each accepted version
        if key not in self._shapes:
            if len(self._shapes) >= MAX_OPEN_WINDOWS:
                self._shapes.clear()
            columns = frozenset(port_columns(port.product).get(port.port) or ())
            unique = frozenset(
                rule.column
                for rule in port.product.quality
                if rule.kind is RuleKind.UNIQUE and rule.column in columns
            )
            self._shapes[key] = (columns, unique)
        return self._shapes[key]

    def observe(
        self, batch: Sequence[tuple[StreamingPort, PortRecord]], now: datetime
    ) -> list[Output]:
        outputs: list[Output] = []
        reported: set[tuple[str, str]] = set()
        size = max(1, int(self.length.total_seconds() * 1000))
        grace = int(GRACE.total_seconds() * 1000)
        now_ms = millis(now)
        for port, record in batch:
            topic, partition, offset = record.topic, record.partition, record.offset
            # A producer clock running ahead must not hold a window (and the commit) open.
            at = min(record.event_millis(now_ms), now_ms + grace)
            key = (port.product_name, port.port, topic, partition, at // size * size)
            counting = self.open.get(key)
            if counting is None:
                columns, unique = self._shape(port)
                start = key[4]
                counting = self.open[key] = _Counting(
                    WindowCounter(instant(start), instant(start + size), columns, unique),
                    offset,
                    offset,
                    now_ms,
                )
            counting.last_offset = offset
            counting.last_added_ms = now_ms
            if at > self.newest.get((topic, partition), -1):
                self.newest[(topic, partition)] = at
            try:
                value = port.decoder.decode(record.value or b"", record.schema_header)
            except DecodeError as error:
                counting.violations += 1
                outputs.append(Emit(DEAD_LETTERS, _port_dead_letter(record, error)))
                if (port.product_name, port.port) not in reported:
                    reported.add((port.product_name, port.port))
                    expected = (
                        f"records that decode with the registered {port.decoder.format} schema"
                    )
                    violation = Violation(
                        port=port.port,
                        at=instant(at),
                        expected=expected,
                        error=str(error)[:500],
                        where=record.where,
                    )
                    outputs.append(Send(port.product_name, violation))
                continue
            counting.counter.add(value)
        return outputs + self._close(now_ms, size)

    def _close(self, now_ms: int, size: int) -> list[Output]:
        grace = int(GRACE.total_seconds() * 1000)
        closing = [
            key
            for key, counting in self.open.items()
            if self.newest.get((key[2], key[3]), -1) >= key[4] + size + grace
            or (now_ms >= key[4] + size + grace and now_ms - counting.last_added_ms >= grace)
        ]
        if len(self.open) - len(closing) > MAX_OPEN_WINDOWS:  # hostile timestamps
            rest = sorted(set(self.open) - set(closing), key=lambda key: key[4])
            closing += rest[: len(rest) - MAX_OPEN_WINDOWS]
        outputs: list[Output] = []
        for key in sorted(closing, key=lambda key: key[4]):
            counting = self.open.pop(key)
            figures = counting.counter.figures()
            window = Window(
                port=key[1],
                start=counting.counter.start,
                end=counting.counter.end,
                rows=figures.rows,
                violations=counting.violations,
                columns={name: (c.nulls, c.distinct) for name, c in figures.columns.items()},
                partition=key[3],
                partitions=self.partition_counts.get(key[2], 0),
                first_offset=counting.first_offset,
                last_offset=counting.last_offset,
            )
            outputs.append(Send(key[0], window))
        return outputs

    def retained(self) -> dict[tuple[str, int], int]:
        held: dict[tuple[str, int], int] = {}
        for (_, _, topic, partition, _), counting in self.open.items():
            first = held.get((topic, partition))
            if first is None or counting.first_offset < first:
                held[(topic, partition)] = counting.first_offset
        return held

    def revoked(self, partitions: Sequence[tuple[str, int]]) -> None:
        lost = set(partitions)
        for key in [key for key in self.open if (key[2], key[3]) in lost]:
            del self.open[key]
        for partition in lost:
            self.newest.pop(partition, None)


def _port_dead_letter(record: PortRecord, error: Exception) -> Any:
    return dead_letter(
        PROCESSOR_NAME,
        record.topic,
        record.partition,
        record.offset,
        record.key,
        record.value,
        record.timestamp_ms,
        record.headers,
        error,
        product_data=True,
    )


def _handler(settings: Settings) -> QualityHandler:
    return QualityHandler()


def _port_reader(settings: Settings, clients: KafkaClients) -> PortReader:
    return PortReader(
        settings,
        clients,
        PROCESSOR_NAME,
        PROCESSOR.signals_topic(settings),
        StreamingWindows(timedelta(seconds=settings.quality_window_seconds)),
        timeout=0.25,
    )


PROCESSOR = Processor(
    name=PROCESSOR_NAME,
    state=QualityState,
    inputs={VERDICTS: Verdict, OUTPUTS: OutputPublished},
    handler=_handler,
    signals=True,
    timed=True,
    sidecars=(_port_reader,),
    outputs=(
        SLA_BREACHES,
        DEAD_LETTERS,
    ),
    reads_ports=True,
)
