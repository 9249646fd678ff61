"""Playing the demo's story through Kafka, as the teams' own tools would: registrations,
streaming records on the products' topics, batch outputs announced on mesh.outputs."""

from __future__ import annotations

import io
import json
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from confluent_kafka import KafkaError, Message, Producer
from fastavro import parse_schema, schemaless_writer

from meshgov.checks.freshness.schedule import Schedule
from meshgov.client.outputs import output_event
from meshgov.client.registration import build_registration
from meshgov.codec.schemas import crc64_fingerprint
from meshgov.codec.single_object import MARKER
from meshgov.demo.scenario import CRON, PRODUCTS, WITHIN, Product, rejected_and_scheduled
from meshgov.demo.watch import MeshWatch, Seen
from meshgov.kafka.admin import TopicAdmin
from meshgov.kafka.clients import DeliveryError, KafkaClients
from meshgov.kafka.topics import OUTPUTS, REGISTRATIONS, TopicSpec
from meshgov.models.events import ColumnStats, Event
from meshgov.models.sla import Freshness
from meshgov.settings import Settings

RUNS = 4
SUBJECT_WAIT = 30.0  # for the subjects processor to register an accepted schema
PHONE_NOTES = ("please call me back on +44 20 7946 0958", "my number is (212) 555-0142")

Say = Callable[[str], None]


class Player:
    """Creates the streaming products' topics with `settings`; each team publishes with
    `team_settings(team)` (its own principal on a secured mesh), by default `settings`."""

    def __init__(
        self,
        settings: Settings,
        watch: MeshWatch,
        say: Say,
        team_settings: Callable[[str], Settings] | None = None,
    ) -> None:
        self.settings = settings
        self.watch = watch
        self.say = say
        self.clients = KafkaClients(settings)
        self.codec = self.clients.codec()
        self.team_settings = team_settings or (lambda team: settings)
        self.producers: dict[str, Producer] = {}
        self.refused: list[str] = []  # records the broker did not take, and why
        self.schedule = Schedule(CRON, "UTC", Freshness.model_validate(WITHIN))

    def _producer(self, team: str) -> Producer:
        if team not in self.producers:
            clients = KafkaClients(self.team_settings(team))
            self.producers[team] = clients.producer(**{"linger.ms": 5})
        return self.producers[team]

    def _send(self, team: str, topic: str, key: bytes | None, value: bytes) -> None:
        def delivered(error: KafkaError | None, message: Message) -> None:
            if error is not None:
                self.refused.append(f"{team} on {message.topic()}: {error.str()}")

        producer = self._producer(team)
        producer.produce(topic, key=key, value=value, on_delivery=delivered)
        producer.poll(0)

    def _flush(self, timeout: float) -> None:
        """Every team's records delivered, else a DeliveryError saying whose and why."""
        for team, producer in self.producers.items():
            if producer.flush(timeout):
                self.refused.append(f"{team}: records not delivered in {timeout:.0f} s")
        if self.refused:
            raise DeliveryError("; ".join(self.refused[:5]))

    def _event(self, team: str, topic: str, event: Event) -> None:
        self._send(
            team,
            self.settings.topic(topic),
            event.kafka_key().encode(),
            self.codec.encode(event, self.settings.topic(topic)),
        )

    def _register(self, product: Product) -> None:
        registration = build_registration(
            product.descriptor(self.settings.topic_prefix), f"ci@{product.team}"
        )
        self._event(product.team, REGISTRATIONS, registration)

    def play(self) -> None:
        # Every team connected (TLS, SASL) before the story starts: a first output must
        # not spend its deadline on a handshake.
        for team in dict.fromkeys(p.team for p in PRODUCTS):
            self._producer(team).list_topics(self.settings.topic(REGISTRATIONS), timeout=30)
        streaming = [p for p in PRODUCTS if p.streaming]
        TopicAdmin(self.clients).ensure(
            [TopicSpec(self.settings.topic(p.topic), None, {}) for p in streaming],
            self.settings.partitions,
            self.settings.replication_factor,
        )
        # Register just after a deadline of the compressed schedule, so every batch product
        # is accepted before its first watched run starts.
        _, first_deadline = self.schedule.next_deadline(datetime.now(UTC) + timedelta(seconds=1))
        _sleep_until(first_deadline + timedelta(seconds=0.3))
        self.say(f"{len(PRODUCTS)} teams register their data products")
        for product in PRODUCTS:
            self._register(product)
        self._flush(30)
        names = {p.name for p in PRODUCTS}
        if not self.watch.wait_for(lambda seen: names <= {v.product for v in seen.verdicts}, 90):
            raise TimeoutError("not every registration got its verdict within 90 s")

        self.say("changes: a breaking schema, an unprotected email, a foreign owner, a notice")
        for product in rejected_and_scheduled(datetime.now(UTC)):
            self._register(product)
        self._flush(30)

        self.say("data flows: orders stream, support tickets leak phone numbers")
        self._stream("orders-events", [_order(i) for i in range(20)])
        self._stream(
            "support-tickets",
            [{"ticket_id": f"T-{i}", "customer_note": note} for i, note in enumerate(PHONE_NOTES)]
            + [{"ticket_id": "T-9", "customer_note": "parcel arrived damaged"}],
        )
        self._flush(30)
        self._batches(self.watch.seen)

    def _stream(self, name: str, records: list[dict[str, Any]]) -> None:
        product = next(p for p in PRODUCTS if p.name == name)
        topic = self.settings.topic(product.topic)
        if self.settings.schema_registry_url:
            encode = self._serializer(product.schema, topic)
        else:
            encode = _encoder(product.schema)
        for record in records:
            self._send(product.team, topic, None, encode(record))

    def _serializer(self, schema: dict[str, Any], topic: str) -> Callable[[dict[str, Any]], bytes]:
        """The stock Confluent serializer, as a team's producer has it: it may only use a
        schema meshgov registered (no auto-registration), so it waits for the subjects
        processor to have registered the accepted one."""
        from confluent_kafka.schema_registry import Schema
        from confluent_kafka.schema_registry.avro import AvroSerializer
        from confluent_kafka.schema_registry.error import SchemaRegistryError
        from confluent_kafka.serialization import MessageField, SerializationContext

        registry = self.clients.schema_registry()
        text = json.dumps(schema)
        deadline = time.monotonic() + SUBJECT_WAIT
        while True:
            try:
                registry.lookup_schema(f"{topic}-value", Schema(text, "AVRO"))
                break
            except SchemaRegistryError as error:
                if time.monotonic() > deadline:
                    raise TimeoutError(
                        f"{topic}-value holds no accepted schema after {SUBJECT_WAIT:.0f} s: "
                        f"{error}"
                    ) from error
                time.sleep(0.5)
        serializer = AvroSerializer(registry, text, conf={"auto.register.schemas": False})
        context = SerializationContext(topic, MessageField.VALUE)

        def encode(record: dict[str, Any]) -> bytes:
            return bytes(serializer(record, context) or b"")

        return encode

    def _batches(self, seen: Seen) -> None:
        """Four runs of the batch products: payments on time (the second run drops rows),
        revenue on time but the second run two seconds late, inventory never."""
        accepted_at = max(
            v.decided_at
            for name in ("payments-settled", "revenue-daily")
            for v in seen.verdicts_of(name)
        )
        run, deadline = self.schedule.next_deadline(accepted_at)
        plan: list[tuple[datetime, str, datetime, int]] = []  # (when, product, run, rows)
        for index in range(RUNS):
            on_time = max(run + timedelta(seconds=1), datetime.now(UTC))
            plan.append((on_time, "payments-settled", run, 9_870 if index == 1 else 10_000))
            late = deadline + timedelta(seconds=2) if index == 1 else on_time
            plan.append((late, "revenue-daily", run, 48))
            run, deadline = self.schedule.next_deadline(deadline)
        self.say(f"batch runs every 10 s, due 4 s after each: {RUNS} runs")
        for when, product, scheduled, rows in sorted(plan):
            _sleep_until(when)
            source = 10_000 if product == "payments-settled" else rows
            output = output_event(
                product,
                "daily",
                scheduled.isoformat(),
                rows,
                source_row_count=source,
                scheduled_for=scheduled,
                columns=[ColumnStats(name="order_id", null_count=0)]
                if product == "payments-settled"
                else [],
                published_by=f"{product}-job",
            )
            team = next(p.team for p in PRODUCTS if p.name == product)
            self._event(team, OUTPUTS, output)
            self._flush(10)

    def close(self) -> None:
        """Flushed; what went wrong was raised by the step it went wrong in, not again."""
        for producer in self.producers.values():
            producer.flush(30)


def _order(index: int) -> dict[str, Any]:
    return {
        "order_id": f"ORD-{uuid.uuid4().hex[:8]}",
        "customer_id": f"C-{1000 + index}",
        "amount": 10.0 + index,
        "currency": "EUR",
    }


def _encoder(schema: dict[str, Any]) -> Callable[[dict[str, Any]], bytes]:
    named: dict[str, Any] = {}
    parsed = parse_schema(json.loads(json.dumps(schema)), named)
    header = MARKER + crc64_fingerprint(parsed, named)[1]

    def encode(record: dict[str, Any]) -> bytes:
        body = io.BytesIO()
        body.write(header)
        schemaless_writer(body, parsed, record)
        return body.getvalue()

    return encode


def _sleep_until(moment: datetime) -> None:
    time.sleep(max(0.0, (moment - datetime.now(UTC)).total_seconds()))
