"""The quality processor: quality rules on every batch output and on windows of streaming
records, and SCHEMA_VIOLATION breaches for streaming records that do not decode with the
registered schema (the records themselves go to mesh.dead-letters).

One agent owns the product and episode tables and reads, co-partitioned by product, the
verdicts, the outputs and this processor's observations topic. The streaming ports are
read by a task that counts event-time windows and reports each closed window, and every
undecodable record, as an observation keyed by product."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import faust

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
from meshgov.codec import DecodeError, default_codec
from meshgov.kafka.topics import OUTPUTS, SLA_BREACHES, VERDICTS
from meshgov.models.descriptor import DataProduct
from meshgov.models.events import ACCEPTED_DECISIONS, OutputPublished, SlaBreach, Verdict
from meshgov.models.loading import DescriptorError, parse_descriptor
from meshgov.models.quality import QualityRule, RuleKind
from meshgov.settings import Settings
from services.product_topics import ConsumedRecord, ProductTopics, StreamingPort
from services.runtime import Emitter, create_app, json_table, raw_topic

log = logging.getLogger("meshgov.services.quality")
PROCESSOR = "quality"
INTERNAL_TOPICS = ("meshgov-quality-observations",)
GRACE = timedelta(seconds=2)  # how long a window waits for records running late


def product_spec(product: DataProduct) -> dict[str, Any]:
    """What the agent keeps per accepted product, as JSON."""
    return {
        "owner": product.owner,
        "domain": product.domain,
        "rules": [rule.model_dump(mode="json") for rule in product.quality],
        "columns": {
            name: None if columns is None else sorted(columns)
            for name, columns in port_columns(product).items()
        },
    }


@dataclass
class Windows:
    """Open event-time windows of the streaming ports read by this worker."""

    length: timedelta
    open: dict[tuple[str, str, int], WindowCounter] = field(default_factory=dict)
    violations: dict[tuple[str, str, int], int] = field(default_factory=dict)

    def counter(
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

    def closed(self, now: datetime) -> list[tuple[tuple[str, str, int], WindowCounter, int]]:
        done = [key for key, counter in self.open.items() if counter.end + GRACE <= now]
        return [(key, self.open.pop(key), self.violations.pop(key, 0)) for key in sorted(done)]


def window_message(port: str, counter: WindowCounter, violations: int) -> bytes:
    figures = counter.figures()
    return json.dumps(
        {
            "kind": "window",
            "port": port,
            "start_ms": millis(counter.start),
            "end_ms": millis(counter.end),
            "rows": figures.rows,
            "violations": violations,
            "columns": {name: [c.nulls, c.distinct] for name, c in figures.columns.items()},
        }
    ).encode()


def violation_message(port: str, record: ConsumedRecord, error: Exception, expected: str) -> bytes:
    return json.dumps(
        {
            "kind": "violation",
            "port": port,
            "at_ms": int((record.timestamp or datetime.now(UTC).timestamp()) * 1000),
            "expected": expected,
            "error": str(error)[:500],
            "where": f"{record.topic}[{record.partition}]@{record.offset}",
        }
    ).encode()


def build(settings: Settings) -> faust.App:
    app = create_app(PROCESSOR, settings)
    emitter = Emitter(app, settings, PROCESSOR)
    codec = default_codec()
    products = json_table(app, "quality-products", dict, settings)
    episodes = json_table(app, "quality-episodes", dict, settings)
    observations_name = settings.topic(INTERNAL_TOPICS[0])
    observations = raw_topic(app, observations_name)
    inputs = raw_topic(app, settings.topic(VERDICTS), settings.topic(OUTPUTS), observations_name)

    @app.agent(inputs, concurrency=1)
    async def judge_quality(stream: Any) -> None:
        async for event in stream.events():
            message = event.message
            product = (message.key or b"").decode("utf-8", errors="replace")
            now = datetime.now(UTC)
            try:
                if message.topic == settings.topic(VERDICTS):
                    verdict = codec.decode(message.value, Verdict)
                    if verdict.decision in ACCEPTED_DECISIONS:
                        accepted = parse_descriptor(verdict.descriptor, verdict.product)
                        products[product] = product_spec(accepted.data_product)
                    continue
                spec = products[product]
                if not spec:
                    continue
                current = dict(episodes[product])
                if message.topic == settings.topic(OUTPUTS):
                    output = codec.decode(message.value, OutputPublished)
                    events = _judge_output(spec, current, product, output, now)
                else:
                    events = _judge_observation(
                        spec, current, product, json.loads(message.value), now
                    )
            except (DecodeError, DescriptorError, ValueError, KeyError) as error:
                await emitter.dead_letter(message, error)
                continue
            if current != episodes[product]:
                episodes[product] = current
            for breach in events:
                await emitter.emit(SLA_BREACHES, breach)

    topics = ProductTopics(settings, "meshgov-quality-streams")
    windows = Windows(timedelta(seconds=settings.quality_window_seconds))

    @app.task
    async def watch_streaming_ports() -> None:
        async for batch in topics.batches(timeout=0.25):
            reported: set[tuple[str, str]] = set()
            for port, message in batch:
                record = ConsumedRecord.of(message)
                at = (
                    instant(int(record.timestamp * 1000)) if record.timestamp else datetime.now(UTC)
                )
                key, counter = windows.counter(port, at)
                try:
                    value = port.decoder.decode(record.value or b"")
                except DecodeError as error:
                    windows.violations[key] = windows.violations.get(key, 0) + 1
                    await emitter.dead_letter(record, error)
                    if (port.product_name, port.port) not in reported:
                        reported.add((port.product_name, port.port))
                        expected = (
                            f"records that decode with the registered {port.decoder.format} schema"
                        )
                        await observations.send(
                            key=port.product_name.encode(),
                            value=violation_message(port.port, record, error, expected),
                        )
                    continue
                counter.add(value)
            for (product, port_name, _), counter, violations in windows.closed(datetime.now(UTC)):
                await observations.send(
                    key=product.encode(), value=window_message(port_name, counter, violations)
                )

    return app


def _owner(product: str, spec: dict[str, Any]) -> Owner:
    return Owner(product, spec["owner"], spec["domain"])


def _rules(spec: dict[str, Any]) -> list[QualityRule]:
    return [QualityRule.model_validate(rule) for rule in spec["rules"]]


def _columns(spec: dict[str, Any], port: str) -> frozenset[str] | None:
    columns = spec["columns"].get(port)
    return None if columns is None else frozenset(columns)


def _judge_output(
    spec: dict[str, Any],
    current: dict[str, Any],
    product: str,
    output: OutputPublished,
    now: datetime,
) -> list[SlaBreach]:
    if output.port not in spec["columns"]:
        return []
    outcomes = evaluate_all(_rules(spec), output_figures(output), _columns(spec, output.port))
    return judge(
        current,
        _owner(product, spec),
        output.port,
        outcomes,
        f"run {output.run_id}",
        output.published_at,
        now,
    )


def _judge_observation(
    spec: dict[str, Any],
    current: dict[str, Any],
    product: str,
    observation: dict[str, Any],
    now: datetime,
) -> list[SlaBreach]:
    port = observation["port"]
    owner = _owner(product, spec)
    if observation["kind"] == "violation":
        return schema_violation(
            current,
            owner,
            port,
            observation["expected"],
            f"a record that does not decode ({observation['error']})",
            instant(observation["at_ms"]),
            now,
            {"first_record": observation["where"]},
        )
    start, end = instant(observation["start_ms"]), instant(observation["end_ms"])
    name = f"window {start.isoformat()}/{end.isoformat()}"
    figures = Figures(
        WINDOW,
        observation["rows"],
        {
            c: ColumnFigures(nulls, distinct)
            for c, (nulls, distinct) in observation["columns"].items()
        },
    )
    events = []
    if observation["rows"]:
        events += judge(
            current,
            owner,
            port,
            evaluate_all(_rules(spec), figures, _columns(spec, port)),
            name,
            end,
            now,
        )
    if observation["rows"] and not observation["violations"]:
        events += schema_clean(current, owner, port, observation["rows"], name, end, now)
    return events
