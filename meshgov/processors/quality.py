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
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import BaseModel

from meshgov.checks.breaches import Owner, instant, millis
from meshgov.checks.quality.episodes import judge, schema_clean, schema_violation
from meshgov.checks.quality.rules import evaluate_all
from meshgov.checks.quality.stats import (
    WINDOW,
    ColumnFigures,
    Figures,
    WindowCounter,
    output_figures,
)
from meshgov.checks.sla.check import port_columns
from meshgov.codec import DecodeError
from meshgov.kafka.clients import KafkaClients
from meshgov.kafka.topics import DEAD_LETTERS, OUTPUTS, SLA_BREACHES, VERDICTS
from meshgov.models.descriptor import DataProduct
from meshgov.models.events import ACCEPTED_DECISIONS, OutputPublished, SlaBreach, Verdict
from meshgov.models.loading import parse_descriptor
from meshgov.models.quality import QualityRule, RuleKind
from meshgov.processors.outputs import Emit, Output, Send
from meshgov.processors.ports import PortReader, PortRecord, StreamingPort
from meshgov.processors.signals import Violation, Window
from meshgov.processors.spec import Message, Processor, dead_letter
from meshgov.settings import Settings

PROCESSOR_NAME = "quality"
GRACE = timedelta(seconds=2)  # how long a window waits for records running late


class ProductRules(BaseModel):
    owner: str
    domain: str
    rules: list[QualityRule]
    columns: dict[str, list[str] | None]  # by port; None: no schema to know them


class QualityState(BaseModel):
    product: ProductRules | None = None
    episodes: dict[str, Any] = {}  # checks.quality.episodes' state


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
            events = _judge_window(spec, episodes, owner, body, now)
        else:
            return state, []
        return state.model_copy(update={"episodes": episodes}), [
            Emit(SLA_BREACHES, e) for e in events
        ]


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
        episodes, owner, output.port, outcomes, f"run {output.run_id}", output.published_at, now
    )


def _judge_window(
    spec: ProductRules, episodes: dict[str, Any], owner: Owner, window: Window, now: datetime
) -> list[SlaBreach]:
    if not window.rows:
        return []
    name = f"window {window.start.isoformat()}/{window.end.isoformat()}"
    figures = Figures(
        WINDOW,
        window.rows,
        {c: ColumnFigures(nulls, distinct) for c, (nulls, distinct) in window.columns.items()},
    )
    outcomes = evaluate_all(spec.rules, figures, _columns(spec, window.port))
    events = judge(episodes, owner, window.port, outcomes, name, window.end, now)
    if not window.violations:
        events += schema_clean(episodes, owner, window.port, window.rows, name, window.end, now)
    return events


@dataclass
class StreamingWindows:
    """What the streaming-port reader reports: closed event-time windows of each port, and
    records that do not decode (dead-lettered, and a Violation once per port and batch)."""

    length: timedelta
    open: dict[tuple[str, str, int], WindowCounter] = field(default_factory=dict)
    violations: dict[tuple[str, str, int], int] = field(default_factory=dict)

    def _counter(
        self, port: StreamingPort, at: datetime
    ) -> tuple[tuple[str, str, int], WindowCounter]:
        size = int(self.length.total_seconds() * 1000)
        start_ms = millis(at) // size * size
        key = (port.product_name, port.port, start_ms)
        if key not in self.open:
            columns = port_columns(port.product).get(port.port) or frozenset()
            unique = frozenset(
                rule.column
                for rule in port.product.quality
                if rule.kind is RuleKind.UNIQUE and rule.column in columns
            )
            self.open[key] = WindowCounter(
                instant(start_ms), instant(start_ms + size), frozenset(columns), unique
            )
        return key, self.open[key]

    def __call__(
        self, batch: Sequence[tuple[StreamingPort, PortRecord]], now: datetime
    ) -> list[Output]:
        outputs: list[Output] = []
        reported: set[tuple[str, str]] = set()
        for port, record in batch:
            key, counter = self._counter(port, record.event_time(now))
            try:
                value = port.decoder.decode(record.value or b"")
            except DecodeError as error:
                self.violations[key] = self.violations.get(key, 0) + 1
                outputs.append(Emit(DEAD_LETTERS, _port_dead_letter(record, error)))
                if (port.product_name, port.port) not in reported:
                    reported.add((port.product_name, port.port))
                    expected = (
                        f"records that decode with the registered {port.decoder.format} schema"
                    )
                    violation = Violation(
                        port=port.port,
                        at=record.event_time(now),
                        expected=expected,
                        error=str(error)[:500],
                        where=record.where,
                    )
                    outputs.append(Send(port.product_name, violation))
                continue
            counter.add(value)
        wall = datetime.now(UTC)
        for key in sorted(k for k, c in self.open.items() if c.end + GRACE <= wall):
            counter = self.open.pop(key)
            figures = counter.figures()
            window = Window(
                port=key[1],
                start=counter.start,
                end=counter.end,
                rows=figures.rows,
                violations=self.violations.pop(key, 0),
                columns={name: (c.nulls, c.distinct) for name, c in figures.columns.items()},
            )
            outputs.append(Send(key[0], window))
        return outputs


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
    sidecars=(_port_reader,),
)
