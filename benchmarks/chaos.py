"""The whole mesh under faults: does every registration still get the right verdict, once?

    python -m benchmarks.chaos [--registrations 10000] [--rate 50] [--kills 20]
                               [--brokers 1|3] [--no-broker-kill] [--seed 1]

Starts a broker of its own (`--brokers 3`: a 3-node KRaft cluster, topics with replication
factor 3) and the whole mesh (`meshgov up`'s supervisor: seven processors, the catalog API
and the dashboard), then:

- submits `--registrations` registrations of varied kinds at `--rate` per second, each kind
  with the decision its checks must give (confirmed offline with the same check functions
  before the run): new products, compatible and incompatible next versions, a breaking
  change scheduled with notice, a change of owner, undeclared or unprotected PII, a name
  the policy refuses, an SLA that cannot be enforced, warnings. A next version is
  submitted once its first version's final verdict was read;
- publishes batch outputs on mesh.outputs and records on a few streaming ports of
  accepted products, some made to open a breach (a row count below its source, PII in a
  sample or in records, a silent streaming port, a per-minute batch port that misses its
  deadline) and, for some, to resolve it once it opened;
- meanwhile SIGKILLs a random processor `--kills` times, spread over the submissions (the
  supervisor restarts each), and SIGKILLs one broker midway, starting it again
  `--outage` seconds later;
- reads mesh.verdicts, mesh.sla-breaches and mesh.dead-letters from the beginning until
  every registration has a final verdict and every expected breach showed, or `--drain`
  seconds after the last submission.

It prints one block of figures. Must be zero: registrations lost (no verdict at all), left
undecided (only UNDECIDED verdicts), with conflicting verdicts (two different final
decisions), with a wrong final decision (the last verdict that is not UNDECIDED, against
the expected one), breaches opened twice (a second breach id for the same product, port,
kind and rule or field while the first is still open), breaches reopened after their
resolution, expected breaches missing, registrations the broker did not acknowledge. Exit
status 0 when they all are, 1 otherwise. Also reported: UNDECIDED verdicts (allowed: a
check silent past the verdict timeout), events re-delivered with the same id (at-least-once
replays, which consumers de-duplicate), dead letters, supervisor restarts, the latency to
the final verdict and the time to the last verdict after the last submission.

With KAFKA_BOOTSTRAP_SERVERS set the mesh runs there and no broker is killed.
"""

from __future__ import annotations

import argparse
import collections
import heapq
import io
import itertools
import json
import logging
import os
import queue
import random
import signal
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Any

from confluent_kafka import Producer
from fastavro import parse_schema, schemaless_writer

from meshgov.broker.cluster import LocalCluster
from meshgov.broker.local import LocalBroker, free_port
from meshgov.checks.offline import check_offline
from meshgov.client.outputs import output_event
from meshgov.client.registration import build_registration
from meshgov.codec import DecodeError, default_codec
from meshgov.kafka.admin import TopicAdmin
from meshgov.kafka.clients import KafkaClients, Message
from meshgov.kafka.topics import (
    DEAD_LETTERS,
    OUTPUTS,
    REGISTRATIONS,
    SLA_BREACHES,
    VERDICTS,
    TopicSpec,
)
from meshgov.mesh import LocalMesh, MeshOptions
from meshgov.models.events import (
    BreachKind,
    BreachState,
    CheckStatus,
    ColumnStats,
    DeadLetter,
    Decision,
    Event,
    SlaBreach,
    Verdict,
)
from meshgov.models.policy import load_policy
from meshgov.processors.registry import PROCESSORS
from meshgov.settings import Settings
from meshgov.supervisor import Supervisor

QUIET = logging.getLogger("benchmarks.chaos.kafka")  # the run's own clients: broker outages
QUIET.addHandler(logging.NullHandler())  # are expected, their librdkafka logs are noise
QUIET.propagate = False
FOLLOW_UP_DELAY = 1.0  # s after a product's final verdict was read: its next step
RECORD_EVERY = 1.0  # s between two records on each streaming port being fed
NAMING_PATTERN = "[a-z][a-z0-9]*(-[a-z0-9]+)*"  # the run's policy: names with '-' only
POLICY = f"naming_pattern: '{NAMING_PATTERN}'\n"
OWNER = "orders-team@company.com"
OTHER_OWNER = "billing-team@company.com"
BATCH_PORT = "daily"
STREAM_PORT = "events"

# -- descriptors ----------------------------------------------------------------------------


def _record(*extra: dict[str, Any]) -> dict[str, Any]:
    fields = [{"name": "order_id", "type": "string"}, {"name": "amount", "type": "double"}]
    return {"type": "record", "name": "Order", "fields": [*fields, *extra]}


ORDER = _record()
ORDER_WITH_CHANNEL = _record({"name": "channel", "type": ["null", "string"], "default": None})
ORDER_WITH_CURRENCY = _record({"name": "currency", "type": "string"})  # no default: breaks
ORDER_WITH_EMAIL = _record({"name": "email", "type": "string"})
ORDER_WITH_NOTE = _record({"name": "note", "type": "string"})

DAILY_SLA = "Data available by 4am UTC"
STABILITY = "Backward compatible, 30-day notice for breaking changes"


def descriptor(
    name: str,
    port: str,
    *,
    freshness: str,
    version: str = "1.0.0",
    owner: str = OWNER,
    quality: Sequence[str] = (),
    effective: date | None = None,
) -> str:
    head = f'  version: "{version}"\n'
    if effective is not None:
        head += f"  effective_date: {effective.isoformat()}\n"
    rules = "".join(
        f'    - metric: "{rule}"\n'
        + ("      threshold: 99.9%\n" if rule == "row_count_vs_source" else "")
        for rule in quality
    )
    return (
        f'data_product:\n  name: "{name}"\n  owner: "{owner}"\n{head}'
        f'  description: "chaos benchmark product"\n  output_ports:\n{port}'
        f'  sla:\n    freshness: "{freshness}"\n    schema_stability: "{STABILITY}"\n'
        + (f"  quality:\n{rules}" if rules else "")
    )


def batch_port(
    name: str,
    schema: dict[str, Any],
    fields: dict[str, str] | None = None,
    refresh: str = "0 2 * * *",
) -> str:
    return _port(
        f"    - name: {BATCH_PORT}\n      type: batch\n      format: Parquet\n"
        f'      location: "s3://chaos/{name}/"\n      refresh: "{refresh}"\n',
        schema,
        fields,
    )


def streaming_port(topic: str, schema: dict[str, Any], fields: dict[str, str] | None = None) -> str:
    return _port(
        f"    - name: {STREAM_PORT}\n      type: streaming\n      format: Avro\n"
        f'      location: "kafka://{topic}"\n',
        schema,
        fields,
    )


def _port(head: str, schema: dict[str, Any], fields: dict[str, str] | None) -> str:
    text = head + f"      schema: {json.dumps(json.dumps(schema))}\n"
    if fields:
        text += "      fields:\n" + "".join(f"        {p}: {c}\n" for p, c in fields.items())
    return text


def _batch(
    name: str,
    schema: dict[str, Any] = ORDER,
    *,
    fields: dict[str, str] | None = None,
    refresh: str = "0 2 * * *",
    freshness: str = DAILY_SLA,
    version: str = "1.0.0",
    owner: str = OWNER,
    quality: Sequence[str] = (),
    effective: date | None = None,
) -> str:
    """A product with one batch port carrying `schema`."""
    port = batch_port(name, schema, fields, refresh)
    return descriptor(
        name,
        port,
        freshness=freshness,
        version=version,
        owner=owner,
        quality=quality,
        effective=effective,
    )


def new_batch(name: str, topic: str, today: date) -> list[str]:
    return [_batch(name, quality=["row_count_vs_source", "no_nulls_in_order_id"])]


def new_stream(name: str, topic: str, today: date) -> list[str]:
    return [descriptor(name, streaming_port(topic, ORDER), freshness="no records for 6 hours")]


def with_warnings(name: str, topic: str, today: date) -> list[str]:
    # A classified field the schema does not have: PII_DECLARED_FIELD_MISSING, a warning.
    return [_batch(name, fields={"customer_ref": "{pii: none}"})]


def compatible_next(name: str, topic: str, today: date) -> list[str]:
    return [_batch(name), _batch(name, ORDER_WITH_CHANNEL, version="1.1.0")]


def incompatible_next(name: str, topic: str, today: date) -> list[str]:
    return [_batch(name), _batch(name, ORDER_WITH_CURRENCY, version="1.1.0")]


def scheduled_breaking(name: str, topic: str, today: date) -> list[str]:
    later = today + timedelta(days=40)
    return [_batch(name), _batch(name, ORDER_WITH_CURRENCY, version="2.0.0", effective=later)]


def ownership_conflict(name: str, topic: str, today: date) -> list[str]:
    return [_batch(name), _batch(name, version="1.1.0", owner=OTHER_OWNER)]


def pii_undeclared(name: str, topic: str, today: date) -> list[str]:
    return [_batch(name, ORDER_WITH_EMAIL)]


def pii_unprotected(name: str, topic: str, today: date) -> list[str]:
    return [_batch(name, ORDER_WITH_EMAIL, fields={"email": "{pii: EMAIL, protection: none}"})]


def naming_policy(name: str, topic: str, today: date) -> list[str]:
    return [_batch(name.replace("-", "_"))]  # a valid product name, not the policy's


def sla_unenforceable(name: str, topic: str, today: date) -> list[str]:
    # A daily deadline and no batch port to watch it on.
    return [descriptor(name, streaming_port(topic, ORDER), freshness=DAILY_SLA)]


def quality_breach(name: str, topic: str, today: date) -> list[str]:
    return [_batch(name, quality=["row_count_vs_source"])]


def pii_leak_sample(name: str, topic: str, today: date) -> list[str]:
    return [_batch(name, ORDER_WITH_NOTE, fields={"note": "{pii: none}"})]


def freshness_silence(name: str, topic: str, today: date) -> list[str]:
    return [descriptor(name, streaming_port(topic, ORDER), freshness="no records for 15 seconds")]


def batch_missing(name: str, topic: str, today: date) -> list[str]:
    return [_batch(name, refresh="* * * * *", freshness="within 20 seconds of the scheduled run")]


def pii_leak_stream(name: str, topic: str, today: date) -> list[str]:
    port = streaming_port(topic, ORDER_WITH_NOTE, {"note": "{pii: none}"})
    return [descriptor(name, port, freshness="no records for 6 hours")]


# -- the kinds of case ----------------------------------------------------------------------


class Feed(StrEnum):
    """What an accepted product receives from its producer."""

    NOTHING = "nothing"
    PASSING_OUTPUT = "an output meeting its rules"
    FAILING_OUTPUT = "an output with 99.0% of its source's rows"
    LEAKY_OUTPUT = "an output whose sample holds an e-mail address"
    CLEAN_RECORDS = "a record a second"
    LEAKY_RECORDS = "a record a second holding an e-mail address"


@dataclass(frozen=True)
class Kind:
    name: str
    weight: float  # share of the registrations
    build: Callable[[str, str, date], list[str]]  # (product, topic, today) -> descriptors
    expected: tuple[Decision, ...]  # one per descriptor, submitted in turn
    feed: Feed = Feed.NOTHING  # once accepted
    breach: BreachKind | None = None  # expected to open, on its port
    remedy: Feed | None = None  # sent once the breach opened: then expected to resolve
    streaming: bool = False  # its port's topic is created and read
    cap: int | None = None  # at most this many cases

    @property
    def port(self) -> str:
        return STREAM_PORT if self.streaming else BATCH_PORT


ACCEPTED, REJECTED = Decision.ACCEPTED, Decision.REJECTED
KINDS: tuple[Kind, ...] = (
    Kind("new-batch", 20, new_batch, (ACCEPTED,), Feed.PASSING_OUTPUT),
    Kind("new-stream", 3, new_stream, (ACCEPTED,), Feed.CLEAN_RECORDS, streaming=True, cap=8),
    Kind("warnings", 6, with_warnings, (Decision.ACCEPTED_WITH_WARNINGS,)),
    Kind("compatible-next", 12, compatible_next, (ACCEPTED, ACCEPTED)),
    Kind("incompatible-next", 10, incompatible_next, (ACCEPTED, REJECTED)),
    Kind("scheduled-breaking", 6, scheduled_breaking, (ACCEPTED, Decision.SCHEDULED)),
    Kind("ownership-conflict", 6, ownership_conflict, (ACCEPTED, REJECTED)),
    Kind("pii-undeclared", 8, pii_undeclared, (REJECTED,)),
    Kind("pii-unprotected", 5, pii_unprotected, (REJECTED,)),
    Kind("naming-policy", 6, naming_policy, (REJECTED,)),
    Kind("sla-unenforceable", 5, sla_unenforceable, (REJECTED,)),
    Kind(
        "quality-breach",
        5,
        quality_breach,
        (ACCEPTED,),
        Feed.FAILING_OUTPUT,
        BreachKind.QUALITY,
        Feed.PASSING_OUTPUT,
    ),
    Kind(
        "pii-leak-sample", 3, pii_leak_sample, (ACCEPTED,), Feed.LEAKY_OUTPUT, BreachKind.PII_LEAK
    ),
    Kind(
        "freshness-silence",
        2,
        freshness_silence,
        (ACCEPTED,),
        breach=BreachKind.FRESHNESS,
        # Resumed for good: a record observed later than the silence limit after its event
        # time counts as silence still, so a burst could be read too late to resolve it.
        remedy=Feed.CLEAN_RECORDS,
        streaming=True,
        cap=10,
    ),
    Kind(
        "batch-missing",
        1,
        batch_missing,
        (ACCEPTED,),
        breach=BreachKind.FRESHNESS,
        remedy=Feed.PASSING_OUTPUT,
        cap=6,
    ),
    Kind(
        "pii-leak-stream",
        1,
        pii_leak_stream,
        (ACCEPTED,),
        Feed.LEAKY_RECORDS,
        BreachKind.PII_LEAK,
        streaming=True,
        cap=4,
    ),
)
FEEDS_RECORDS = (Feed.CLEAN_RECORDS, Feed.LEAKY_RECORDS)


@dataclass
class Case:
    """One product and the registrations submitted for it, in turn."""

    kind: Kind
    product: str
    topic: str
    texts: list[str]
    registration_ids: list[str] = field(default_factory=list)
    runs: int = 0  # outputs published
    remedied: bool = False

    @property
    def schema(self) -> dict[str, Any]:
        return ORDER_WITH_NOTE if self.kind.feed is Feed.LEAKY_RECORDS else ORDER


def plan_cases(count: int, rng: random.Random, tag: str, today: date) -> list[Case]:
    """Cases totalling `count` registrations: one of each kind first (as far as they fit),
    then kinds drawn by weight, in a shuffled order."""
    kinds: list[Kind] = []
    used = 0
    for kind in KINDS:
        if used + len(kind.expected) <= count:
            kinds.append(kind)
            used += len(kind.expected)
    taken = collections.Counter(k.name for k in kinds)
    while used < count:
        open_kinds = [
            k
            for k in KINDS
            if (k.cap is None or taken[k.name] < k.cap) and used + len(k.expected) <= count
        ]
        kind = rng.choices(open_kinds, [k.weight for k in open_kinds])[0]
        kinds.append(kind)
        taken[kind.name] += 1
        used += len(kind.expected)
    rng.shuffle(kinds)
    numbers: collections.Counter[str] = collections.Counter()
    cases = []
    for kind in kinds:
        numbers[kind.name] += 1
        product = f"{kind.name}-{numbers[kind.name]}"
        topic = f"{tag}-{product}"
        cases.append(Case(kind, product, topic, kind.build(product, topic, today)))
    return cases


def verify_expectations(policy_path: Path, settings: Settings, today: date) -> None:
    """Every kind's expected decisions, as `meshgov check` (the same check functions and
    decision as the processors) gives them offline; stop when one differs."""
    rules = load_policy(policy_path)
    for kind in KINDS:
        texts = kind.build(f"{kind.name}-0", f"chaos-{kind.name}-0", today)
        for index, (text, expected) in enumerate(zip(texts, kind.expected, strict=True)):
            verdict = check_offline(
                build_registration(text, "chaos@bench"),
                texts[:index],
                rules,
                settings.required_checks,
            )
            if verdict.decision is not expected:
                found = [f.code for c in verdict.checks for f in c.findings]
                raise SystemExit(
                    f"{kind.name}: registration {index + 1} is {verdict.decision.value} offline, "
                    f"not {expected.value} as expected ({', '.join(found)})"
                )


# -- reading what the mesh says ---------------------------------------------------------------


@dataclass(frozen=True)
class Seen:
    """A notification from the reader to the driver: a final verdict, or a breach event."""

    registration_id: str | None = None
    decision: Decision | None = None
    breach: SlaBreach | None = None


class Ledger:
    """Reads mesh.verdicts, mesh.sla-breaches and mesh.dead-letters from the beginning on a
    thread, keeping every event in the order read."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.verdicts: dict[str, list[Verdict]] = collections.defaultdict(list)
        self.final_at: dict[str, float] = {}  # first final verdict read, wall time
        self.breaches: list[SlaBreach] = []
        self.dead_letters: list[DeadLetter] = []
        self.notifications: queue.SimpleQueue[Seen] = queue.SimpleQueue()
        self.lock = threading.Lock()
        self._stop = threading.Event()
        clients = KafkaClients(settings)
        self._consumer = clients.consumer(None, **{"fetch.wait.max.ms": 20, "logger": QUIET})
        clients.assign_all(
            self._consumer, [settings.topic(t) for t in (VERDICTS, SLA_BREACHES, DEAD_LETTERS)]
        )
        self._thread = threading.Thread(target=self._run, name="ledger", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(10)
        self._consumer.close()

    def _run(self) -> None:
        codec = default_codec()
        while not self._stop.is_set():
            for message in self._consumer.consume(500, 0.1):
                if message.error() or message.value() is None:
                    continue
                try:
                    event = codec.decode_any(message.value() or b"")
                except DecodeError:
                    continue
                self._note(event, message)

    def _note(self, event: Event, message: Message) -> None:
        with self.lock:
            if isinstance(event, Verdict):
                self.verdicts[event.registration_id].append(event)
                final = event.decision is not Decision.UNDECIDED
                if final and event.registration_id not in self.final_at:
                    self.final_at[event.registration_id] = time.time()
                    self.notifications.put(Seen(event.registration_id, event.decision))
            elif isinstance(event, SlaBreach):
                self.breaches.append(event)
                self.notifications.put(Seen(breach=event))
            elif isinstance(event, DeadLetter):
                self.dead_letters.append(event)

    def decided(self, registration_ids: Sequence[str]) -> bool:
        with self.lock:
            return all(r in self.final_at for r in registration_ids)

    def breach_events(self) -> list[SlaBreach]:
        with self.lock:
            return list(self.breaches)


# -- producing ------------------------------------------------------------------------------


class Driver:
    """Submits the cases' registrations at a steady rate on a thread (a next version once
    its product's previous verdict was read), and feeds accepted products their outputs
    and records, and remedies once their breach opened."""

    def __init__(self, settings: Settings, cases: list[Case], rate: float, ledger: Ledger) -> None:
        self.settings = settings
        self.cases = cases
        self.rate = rate
        self.ledger = ledger
        self.count = sum(len(c.texts) for c in cases)
        self.producer: Producer = KafkaClients(settings).producer(
            **{"linger.ms": 5, "logger": QUIET}
        )
        self.codec = default_codec()
        self.sent: dict[str, float] = {}  # registration id -> wall time submitted
        self.expected: dict[str, tuple[Case, int]] = {}  # registration id -> (case, step)
        self.acknowledged: set[str] = set()
        self.failed_deliveries: collections.Counter[str] = collections.Counter()
        self.last_submission = time.time()  # then that of the last registration submitted
        self.all_sent = threading.Event()
        self._stop = threading.Event()
        self._bases = iter(cases)
        self._ready: collections.deque[Case] = collections.deque()  # next versions due
        self._due: list[tuple[float, int, Callable[[], None]]] = []  # heap of actions
        self._sequence = itertools.count()
        self._fed: list[Case] = []  # streaming ports fed a record a second
        self._by_product = {c.product: c for c in cases}
        self._writers: dict[str, Any] = {}
        self._thread = threading.Thread(target=self._run, name="driver", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(30)
        self.producer.flush(30)

    # -- the loop ---------------------------------------------------------------------------

    def _run(self) -> None:
        start = time.monotonic()
        next_records = start
        while not self._stop.is_set():
            self._take_notifications()
            now = time.monotonic()
            while self._due and self._due[0][0] <= now:
                heapq.heappop(self._due)[2]()
            if len(self.sent) < self.count and now >= start + len(self.sent) / self.rate:
                case = self._ready.popleft() if self._ready else next(self._bases, None)
                if case is not None:
                    self._submit(case)
                    if len(self.sent) == self.count:
                        self.producer.flush(120)
                        self.all_sent.set()
            if now >= next_records:
                next_records = now + RECORD_EVERY
                for case in self._fed:
                    self._send_record(case)
            self.producer.poll(0)
            time.sleep(0.002 if len(self.sent) < self.count else 0.05)

    def _later(self, action: Callable[[], None], delay: float = FOLLOW_UP_DELAY) -> None:
        heapq.heappush(self._due, (time.monotonic() + delay, next(self._sequence), action))

    def _take_notifications(self) -> None:
        while True:
            try:
                seen = self.ledger.notifications.get_nowait()
            except queue.Empty:
                return
            if seen.registration_id is not None and seen.registration_id in self.expected:
                case, step = self.expected[seen.registration_id]
                self._decided(case, step, seen.decision)
            elif seen.breach is not None and seen.breach.state is BreachState.OPEN:
                case_of = self._by_product.get(seen.breach.product)
                if case_of is not None:
                    self._breach_opened(case_of, seen.breach)

    def _decided(self, case: Case, step: int, decision: Decision | None) -> None:
        if step + 1 < len(case.texts):
            self._later(lambda: self._ready.append(case))
        elif decision is not None and decision is case.kind.expected[step]:
            self._later(lambda: self._feed(case, case.kind.feed))

    def _breach_opened(self, case: Case, breach: SlaBreach) -> None:
        kind = case.kind
        if kind.remedy is None or case.remedied or breach.kind is not kind.breach:
            return
        if breach.port != kind.port:
            return
        case.remedied = True
        remedy = kind.remedy
        self._later(lambda: self._feed(case, remedy))

    # -- what is sent -----------------------------------------------------------------------

    def _submit(self, case: Case) -> None:
        step = len(case.registration_ids)
        registration = build_registration(case.texts[step], "chaos@bench")
        case.registration_ids.append(registration.registration_id)
        self.expected[registration.registration_id] = (case, step)

        def delivered(error: object, message: Message) -> None:
            if error is None:
                self.acknowledged.add(registration.registration_id)
            else:
                self.failed_deliveries["registration"] += 1

        self._produce(
            self.settings.topic(REGISTRATIONS),
            registration.product.encode(),
            self.codec.encode(registration),
            delivered,
        )
        self.sent[registration.registration_id] = time.time()
        self.last_submission = time.time()

    def _feed(self, case: Case, feed: Feed) -> None:
        if feed is Feed.NOTHING:
            return
        if feed in FEEDS_RECORDS:
            self._fed.append(case)  # a record a second from now on
            return
        case.runs += 1
        run = f"run-{case.runs}"
        rows, source = (990, 1000) if feed is Feed.FAILING_OUTPUT else (1000, 1000)
        sample: list[dict[str, str | None]] = []
        if feed is Feed.LEAKY_OUTPUT:
            sample = [{"order_id": "o-1", "note": "please write to jane.doe@example.com"}]
        output = output_event(
            case.product,
            BATCH_PORT,
            run,
            rows,
            source_row_count=source,
            columns=[ColumnStats(name="order_id", null_count=0, distinct_count=rows)],
            sample=sample,
            published_by="chaos@bench",
        )
        self._produce(
            self.settings.topic(OUTPUTS), case.product.encode(), self.codec.encode(output)
        )

    def _send_record(self, case: Case) -> None:
        if case.topic not in self._writers:
            self._writers[case.topic] = parse_schema(case.schema)
        record: dict[str, Any] = {"order_id": f"o-{uuid.uuid4().hex[:8]}", "amount": 12.5}
        if case.schema is ORDER_WITH_NOTE:  # the leaky kind's
            record["note"] = "call jane.doe@example.com"
        body = io.BytesIO()
        schemaless_writer(body, self._writers[case.topic], record)
        self._produce(case.topic, record["order_id"].encode(), body.getvalue())

    def _produce(
        self,
        topic: str,
        key: bytes,
        value: bytes,
        delivered: Callable[[object, Message], None] | None = None,
    ) -> None:
        def report(error: object, message: Message) -> None:
            if error is not None and delivered is None:
                self.failed_deliveries[topic] += 1
            if delivered is not None:
                delivered(error, message)

        while True:
            try:
                self.producer.produce(topic, key=key, value=value, on_delivery=report)
                return
            except BufferError:
                self.producer.poll(0.1)


# -- faults ---------------------------------------------------------------------------------


@dataclass
class Brokers:
    """The run's brokers, when it started them: one node, or the nodes of a cluster."""

    nodes: list[LocalBroker]
    bootstrap: str

    @property
    def killable(self) -> bool:
        return bool(self.nodes)


def start_brokers(stack: ExitStack, work: Path, count: int, cache: Path) -> Brokers:
    if configured := Settings.load().bootstrap:
        return Brokers([], configured)
    if count == 1:
        broker = LocalBroker(work / "kafka", cache, port=free_port(), controller_port=free_port())
        broker.start()
        stack.callback(broker.stop)
        return Brokers([broker], broker.bootstrap)
    cluster = LocalCluster(
        work / "cluster", cache, [(free_port(), free_port()) for _ in range(count)], heap="384m"
    )
    cluster.start()
    stack.callback(cluster.stop)
    return Brokers(cluster.nodes, cluster.bootstrap)


@dataclass
class Chaos:
    """SIGKILLs a random processor at each of `kills_at` and one broker at `broker_at`
    (seconds from the start), starting that broker again `outage` seconds later."""

    supervisor: Supervisor
    brokers: Brokers
    kills_at: list[float]
    broker_at: float | None
    outage: float
    rng: random.Random
    killed: list[tuple[float, str]] = field(default_factory=list)
    broker_log: list[str] = field(default_factory=list)
    _thread: threading.Thread | None = None

    def start(self, origin: float) -> None:
        self._thread = threading.Thread(target=self._run, args=(origin,), name="chaos", daemon=True)
        self._thread.start()

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def _run(self, origin: float) -> None:
        plan = [(at, self._kill_processor) for at in self.kills_at]
        if self.broker_at is not None:
            plan.append((self.broker_at, self._kill_broker))
        for at, action in sorted(plan, key=lambda p: p[0]):
            time.sleep(max(0.0, origin + at - time.monotonic()))
            action(time.monotonic() - origin)

    def _kill_processor(self, at: float) -> None:
        alive = [
            (child.component.name, process)
            for child in self.supervisor.children
            if child.component.name in PROCESSORS and (process := child.process) is not None
        ]
        if not alive:
            return
        name, process = self.rng.choice(alive)
        try:
            os.kill(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            return
        self.killed.append((at, name))

    def _kill_broker(self, at: float) -> None:
        node = self.rng.choice(self.brokers.nodes)
        node.kill()
        time.sleep(self.outage)
        began = time.monotonic()
        node.start()
        self.broker_log.append(
            f"broker {node.node_id} SIGKILLed at +{at:.0f} s, started again after "
            f"{self.outage:.0f} s, answering {time.monotonic() - began:.1f} s later"
        )


def kill_times(kills: int, span: float) -> tuple[list[float], float]:
    """Processor kills evenly over `span` seconds, and a moment for the broker kill halfway
    between two of them near the middle."""
    spacing = span / (kills + 1)
    return [spacing * (k + 1) for k in range(kills)], spacing * ((kills + 1) // 2 + 0.5)


# -- figures --------------------------------------------------------------------------------


@dataclass
class Breaches:
    """Breach events judged per episode key: product, port, kind, rule or field."""

    opened_ids: int = 0
    resolved_ids: int = 0
    redelivered: int = 0  # an OPEN or RESOLVED event read again with the same id and state
    opened_twice: list[str] = field(default_factory=list)
    reopened: list[str] = field(default_factory=list)
    by_kind: collections.Counter[str] = field(default_factory=collections.Counter)


def judge_breaches(events: Sequence[SlaBreach]) -> Breaches:
    figures = Breaches()
    by_key: dict[tuple[str, str | None, str, str | None], list[SlaBreach]] = (
        collections.defaultdict(list)
    )
    for event in events:
        by_key[(event.product, event.port, event.kind.value, event.rule or event.field)].append(
            event
        )
    for key, history in by_key.items():
        name = "/".join(str(part) for part in key)
        seen: set[tuple[str, BreachState]] = set()
        open_ids: set[str] = set()
        last: dict[str, BreachState] = {}
        for event in history:
            bid, state = event.breach_id, event.state
            new = (bid, state) not in seen
            if not new:
                figures.redelivered += 1  # a replay: same id, same state
            elif state is BreachState.OPEN:
                figures.opened_ids += 1
                figures.by_kind[event.kind.value] += 1
                if open_ids:  # a new episode while another is open
                    figures.opened_twice.append(
                        f"{name}: {bid} opened while {', '.join(sorted(open_ids))} open"
                    )
            else:
                figures.resolved_ids += 1
            seen.add((bid, state))
            if state is BreachState.OPEN:
                open_ids.add(bid)
            else:
                open_ids.discard(bid)
            last[bid] = state
        figures.reopened += [
            f"{name}: {bid}"
            for bid, state in last.items()
            if state is BreachState.OPEN and (bid, BreachState.RESOLVED) in seen
        ]
    return figures


def missing_breaches(cases: Sequence[Case], events: Sequence[SlaBreach]) -> list[str]:
    """Cases whose expected breach did not open on its port (or, remedied, did not resolve)."""
    states: dict[tuple[str, str | None, str], list[tuple[str, BreachState]]] = (
        collections.defaultdict(list)
    )
    for event in events:
        states[(event.product, event.port, event.kind.value)].append((event.breach_id, event.state))
    missing = []
    for case in cases:
        kind = case.kind
        if kind.breach is None or not case.registration_ids:
            continue
        history = states.get((case.product, kind.port, kind.breach.value), [])
        first = next((bid for bid, state in history if state is BreachState.OPEN), None)
        if first is None:
            missing.append(f"{case.product}: no {kind.breach.value} breach opened")
        elif kind.remedy is not None and (first, BreachState.RESOLVED) not in history:
            missing.append(f"{case.product}: {kind.breach.value} breach {first} never resolved")
    return missing


def breaches_complete(cases: Sequence[Case], ledger: Ledger) -> bool:
    return not missing_breaches(cases, ledger.breach_events())


@dataclass
class Outcome:
    """Per registration: what was expected and what the verdicts said."""

    case: Case
    step: int
    verdicts: list[Verdict]

    @property
    def expected(self) -> Decision:
        return self.case.kind.expected[self.step]

    @property
    def finals(self) -> list[Verdict]:
        return [v for v in self.verdicts if v.decision is not Decision.UNDECIDED]

    @property
    def final(self) -> Decision | None:
        return self.finals[-1].decision if self.finals else None

    def describe(self) -> str:
        """Product, step, expectation, every verdict read, the checks of the last one."""
        decisions = "/".join(v.decision.value for v in self.verdicts) or "no verdict"
        line = (
            f"{self.case.product} registration {self.step + 1} "
            f"{self.case.registration_ids[self.step]}: expected {self.expected.value}, "
            f"verdicts {decisions}"
        )
        shown = (self.finals or self.verdicts)[-1:]
        for verdict in shown:
            line += "; " + ", ".join(
                f"{c.check} {c.status.value}"
                + (f" ({', '.join(f.code for f in c.findings)})" if c.findings else "")
                for c in verdict.checks
            )
        return line


def percentile(values: Sequence[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def report(
    args: argparse.Namespace,
    cases: Sequence[Case],
    driver: Driver,
    ledger: Ledger,
    chaos: Chaos,
    supervisor: Supervisor,
    elapsed: float,
) -> int:
    """Print the figures; the exit status (0 when every must-be-zero figure is zero)."""
    with ledger.lock:
        verdicts = {r: list(v) for r, v in ledger.verdicts.items()}
        final_at = dict(ledger.final_at)
        events = list(ledger.breaches)
        letters = list(ledger.dead_letters)
    outcomes = [
        Outcome(case, step, verdicts.get(rid, []))
        for rid, (case, step) in driver.expected.items()
        if rid in driver.acknowledged
    ]
    lost = [o for o in outcomes if not o.verdicts]
    undecided_only = [o for o in outcomes if o.verdicts and not o.finals]
    conflicting = [o for o in outcomes if len({v.decision for v in o.finals}) > 1]
    wrong = [o for o in outcomes if o.finals and o.final is not o.expected]
    undecided_events = sum(
        1 for o in outcomes for v in o.verdicts if v.decision is Decision.UNDECIDED
    )
    undecided_registrations = sum(
        1 for o in outcomes if any(v.decision is Decision.UNDECIDED for v in o.verdicts)
    )
    silent_checks = collections.Counter(
        c.check
        for o in outcomes
        for v in o.verdicts
        if v.decision is Decision.UNDECIDED
        for c in v.checks
        if c.status is CheckStatus.PENDING
    )
    redelivered_verdicts = sum(
        len(o.verdicts) - len({v.verdict_id for v in o.verdicts}) for o in outcomes
    )
    latencies = [final_at[r] - driver.sent[r] for r in driver.sent if r in final_at]
    last_verdict = max(final_at.values(), default=0.0)
    breaches = judge_breaches(events)
    missing = missing_breaches(cases, events)
    unacknowledged = sorted(set(driver.sent) - driver.acknowledged)
    unsent = [
        f"{case.product} registration {step + 1}: its previous verdict never came"
        for case in cases
        for step in range(len(case.registration_ids), len(case.texts))
    ]
    restarts = {c.component.name: c.starts - 1 for c in supervisor.children if c.starts > 1}
    kills = collections.Counter(name for _, name in chaos.killed)
    unasked = collections.Counter(
        {name: count - kills[name] for name, count in restarts.items() if count > kills[name]}
    )

    brokers = f"{args.brokers} broker{'s' if args.brokers > 1 else ''}"
    print()
    print(
        f"chaos: {len(driver.sent)} registrations at {args.rate:g}/s, {len(chaos.killed)} "
        f"processor kills, {brokers}, seed {args.seed}, {elapsed:.0f} s in all"
    )
    for line in chaos.broker_log or ["no broker killed"]:
        print(f"  {line}")
    rows: list[tuple[str, str]] = [
        ("registrations sent", f"{len(driver.sent)} ({len(driver.acknowledged)} acknowledged)"),
        ("final verdicts", f"{sum(1 for o in outcomes if o.finals)} of {len(outcomes)}"),
        (
            "UNDECIDED verdicts",
            f"{undecided_events} on {undecided_registrations} registrations (allowed)"
            + (f", waiting for {_counts(silent_checks)}" if silent_checks else ""),
        ),
        ("verdicts re-delivered (same id)", str(redelivered_verdicts)),
    ]
    if latencies:
        rows.append(
            (
                "submission to final verdict",
                f"p50 {statistics.median(latencies):.2f} s, p99 {percentile(latencies, 0.99):.2f}"
                f" s, max {max(latencies):.2f} s",
            )
        )
    if last_verdict:
        rows.append(
            (
                "last verdict after last submission",
                f"{last_verdict - driver.last_submission:.1f} s",
            )
        )
    rows += [
        ("processor kills", _counts(kills) or "none"),
        (
            "supervisor restarts",
            f"{sum(restarts.values())}"
            + (f" ({_counts(restarts)})" if restarts else "")
            + (f"; not after a kill: {_counts(unasked)}" if unasked else ""),
        ),
        (
            "breaches opened / resolved (ids)",
            f"{breaches.opened_ids} / {breaches.resolved_ids} ("
            + ", ".join(f"{k} {c}" for k, c in sorted(breaches.by_kind.items()))
            + ")",
        ),
        ("breach events re-delivered (same id)", str(breaches.redelivered)),
        ("dead letters", _dead_letters(letters)),
        ("outputs / records not acknowledged", str(sum(driver.failed_deliveries.values()))),
    ]
    zero: list[tuple[str, list[str]]] = [
        ("registrations not acknowledged", unacknowledged),
        ("registrations never submitted", unsent),
        ("lost registrations (no verdict)", [o.describe() for o in lost]),
        ("left undecided", [o.describe() for o in undecided_only]),
        ("conflicting verdicts", [o.describe() for o in conflicting]),
        ("wrong decisions", [o.describe() for o in wrong]),
        ("breaches opened twice", breaches.opened_twice),
        ("breaches reopened after resolution", breaches.reopened),
        ("expected breaches missing", missing),
    ]
    width = max(len(label) for label, _ in [*rows, *zero]) + 2
    for label, value in rows:
        print(f"  {label:<{width}}{value}")
    print("  must be zero:")
    for label, problems in zero:
        print(f"  {label:<{width}}{len(problems)}")
    print("  by kind (registrations, wrong):")
    per_kind = collections.Counter(o.case.kind.name for o in outcomes)
    wrong_kind = collections.Counter(o.case.kind.name for o in wrong)
    for kind in KINDS:
        if per_kind[kind.name]:
            expected = "+".join(d.value for d in kind.expected)
            print(
                f"    {kind.name:<20}{per_kind[kind.name]:>6}  {wrong_kind[kind.name]:>4}  "
                f"({expected})"
            )
    failed = [(label, problems) for label, problems in zero if problems]
    for label, problems in failed:
        print(f"  {label}:")
        for problem in problems[:10]:
            print(f"    {problem}")
        if len(problems) > 10:
            print(f"    ... and {len(problems) - 10} more")
    print("result:", "FAIL" if failed else "PASS")
    return 1 if failed else 0


def _counts(counts: collections.Counter[str] | dict[str, int]) -> str:
    return ", ".join(f"{name} {count}" for name, count in sorted(counts.items()))


def _dead_letters(letters: Sequence[DeadLetter]) -> str:
    if not letters:
        return "0"
    kinds = collections.Counter(f"{d.processor} {d.error_type}" for d in letters)
    return f"{len(letters)} (" + ", ".join(f"{k}: {c}" for k, c in kinds.most_common(5)) + ")"


# -- the run --------------------------------------------------------------------------------


def parse_arguments(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--registrations", type=int, default=10_000)
    parser.add_argument("--rate", type=float, default=50.0, help="registrations per second")
    parser.add_argument("--kills", type=int, default=20, help="processor SIGKILLs")
    parser.add_argument("--brokers", type=int, choices=(1, 3), default=1)
    parser.add_argument(
        "--broker-kill",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="SIGKILL one broker midway and start it again (default: on)",
    )
    parser.add_argument("--outage", type=float, default=10.0, help="seconds the broker is down")
    parser.add_argument(
        "--drain", type=float, default=300.0, help="seconds to wait after the last submission"
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--work-dir", type=Path, help="keep brokers' data and logs here [default: temporary]"
    )
    args = parser.parse_args(argv)
    if args.registrations < 1 or args.rate <= 0 or args.kills < 0:
        parser.error("--registrations and --rate must be positive, --kills not negative")
    return args


def wait_for_the_end(
    mesh: LocalMesh,
    driver: Driver,
    ledger: Ledger,
    chaos: Chaos,
    cases: Sequence[Case],
    drain: float,
) -> None:
    """Watch the mesh (the supervisor restarts what was killed) until every registration is
    submitted and decided, every expected breach showed and the faults are over, or `drain`
    seconds after the last submission (a next version waiting for a verdict that never
    comes is never submitted)."""
    checked = 0.0
    while True:
        mesh.step()
        time.sleep(0.2)
        if time.monotonic() - checked < 2.0:
            continue
        checked = time.monotonic()
        if time.time() - driver.last_submission > drain:
            return
        if (
            driver.all_sent.is_set()
            and not chaos.running
            and ledger.decided(list(driver.sent))
            and breaches_complete(cases, ledger)
        ):
            return


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_arguments(argv)
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]
    rng = random.Random(args.seed)
    today = datetime.now(UTC).date()
    tag = f"chaos{uuid.uuid4().hex[:6]}"
    with ExitStack() as stack:
        if args.work_dir is None:
            work = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="chaos-")))
        else:
            work = args.work_dir.resolve()
            work.mkdir(parents=True, exist_ok=True)
        policy = work / "policy.yaml"
        policy.write_text(POLICY)
        cache = Settings.load().cache
        brokers = start_brokers(stack, work, args.brokers, cache)
        replication = args.brokers if brokers.killable else Settings.load().replication_factor
        settings = Settings(
            bootstrap=brokers.bootstrap,
            topic_prefix=f"{tag}.",
            home=work / "home",
            replication_factor=replication,
            policy_path=str(policy),
        )
        verify_expectations(policy, settings, today)
        options = MeshOptions(
            settings,
            free_port(),
            free_port(),
            log_dir=work / "logs",
            env=(
                ("MESHGOV_HOME", str(work / "home")),
                ("MESHGOV_POLICY", str(policy)),
                ("MESHGOV_REPLICATION_FACTOR", str(replication)),
            ),
        )
        began = time.monotonic()
        mesh = stack.enter_context(LocalMesh(options))
        if not mesh.wait_ready():
            raise SystemExit(f"the mesh did not get ready; logs in {work / 'logs'}")
        assert mesh.supervisor is not None
        print(
            f"mesh of {len(mesh.supervisor.children)} components on {brokers.bootstrap} ready "
            f"in {time.monotonic() - began:.0f} s; logs in {work / 'logs'}"
        )

        cases = plan_cases(args.registrations, rng, tag, today)
        streaming = sorted({c.topic for c in cases if c.kind.streaming})
        TopicAdmin(KafkaClients(settings)).ensure(
            [TopicSpec(topic, None) for topic in streaming], settings.partitions, replication
        )
        ledger = Ledger(settings)
        ledger.start()
        stack.callback(ledger.stop)
        driver = Driver(settings, cases, args.rate, ledger)
        span = args.registrations / args.rate
        kills_at, broker_at = kill_times(args.kills, span)
        chaos = Chaos(
            mesh.supervisor,
            brokers,
            kills_at,
            broker_at if args.broker_kill and brokers.killable else None,
            args.outage,
            rng,
        )
        print(
            f"{args.registrations} registrations in {len(cases)} cases over {span:.0f} s, "
            f"a processor SIGKILL every {span / (args.kills + 1):.0f} s"
            + (f", a broker killed at +{broker_at:.0f} s" if chaos.broker_at is not None else "")
        )
        started = time.monotonic()
        driver.start()
        chaos.start(started)
        wait_for_the_end(mesh, driver, ledger, chaos, cases, args.drain)
        mesh.step()
        driver.stop()
        time.sleep(1.0)  # the last events in flight
        status = report(
            args, cases, driver, ledger, chaos, mesh.supervisor, time.monotonic() - began
        )
    sys.exit(status)


if __name__ == "__main__":
    main()
