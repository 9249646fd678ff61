"""Running a processor on Quix Streams: the only place records meet handlers.

A processor reads its input topics (mesh topics and its own signals topic, co-partitioned
by product) as one stream, with one state store: the state of a product is a JSON document
in RocksDB, backed by a compacted changelog topic and recovered from it on start. For each
record the runtime decodes it, loads the product's state, calls the processor's pure
`handle(state, message, now)`, stores the new state and produces the outputs. Quix Streams
checkpoints at-least-once: outputs flushed, then input offsets committed, then state
flushed; outputs carry deterministic ids, so a replay re-emits identical events.

Nothing a record holds can stop the processor: a null value, a tombstone, bytes that do not
decode, a key that does not name the event's product, or any exception of a handler sends
the record to mesh.dead-letters with its coordinates and the reason, and processing goes
on with the next offset."""

from __future__ import annotations

import functools
import logging
import os
import signal
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Generic

from quixstreams import Application, message_context
from quixstreams.models.serializers import Serializer
from quixstreams.models.topics import Topic
from quixstreams.state import State

from meshgov.codec import DecodeError
from meshgov.errors import PlatformUnavailableError
from meshgov.kafka.admin import TopicAdmin
from meshgov.kafka.clients import KafkaClients
from meshgov.kafka.topics import DEAD_LETTERS
from meshgov.metrics import STREAM_RESTARTS, ProcessorMetrics, port_activity
from meshgov.models.bounds import bounded
from meshgov.models.events import Event
from meshgov.processors.outputs import Effect, Emit, Output
from meshgov.processors.reexec import EXIT_STUCK, reexec_or_exit, watch_stop_signals
from meshgov.processors.signals import Signal, Tick, decode_signal, encode_signal
from meshgov.processors.spec import Message, Processor, S, Timed, dead_letter
from meshgov.settings import Settings

log = logging.getLogger("meshgov.processors")

STATE_KEY = "state"
WAKE_KEY = "wake"
MIN_WAKE_STEP = timedelta(seconds=1)
STOP_GRACE = 15.0  # seconds from a signal's stop() to a returned run, before the process exits
STUCK_AFTER = 30.0  # the same after a failure: a close waiting for the broker to come back


@dataclass(frozen=True)
class Produced:
    topic: str
    key: bytes
    value: bytes | None


class _ProducedValue(Serializer):
    """Outputs arrive at `to_topic` already encoded."""

    def __call__(self, *args: Any, **kwargs: Any) -> bytes:
        value: Produced = args[0]
        return value.value  # type: ignore[return-value]  # None: a tombstone


class BoundedStopApplication(Application):
    """An Application whose stop has a deadline, and that remembers being stopped by a
    signal. librdkafka's consumer close can block while the broker is away, and was seen to
    block on for minutes after it came back (after a state recovery that timed out during an
    outage, or a partition assignment that failed on a broker handle destroyed): past
    STOP_GRACE after a signal the process exits with EXIT_STUCK, so SIGTERM is never
    ignored; past STUCK_AFTER after a failure it starts itself again (meshgov.processors.
    reexec). A signal can also make the stream's consume fail (SystemError): `signalled`
    tells that stop from a failure to restart after."""

    _stop_timer: threading.Timer | None = None
    _finished = False
    signalled = False
    _timer_lock = threading.Lock()

    def stop(self, fail: bool = False) -> None:
        super().stop(fail=fail)
        grace = STOP_GRACE if self.signalled else STUCK_AFTER
        with self._timer_lock:
            timer = self._stop_timer
            if self._finished or (timer is not None and timer.interval <= grace):
                return  # returned already, or a deadline as near is set
            if timer is not None:
                timer.cancel()
            self._stop_timer = _exit_timer(grace) if self.signalled else _reexec_timer(grace)

    def run(self, *args: Any, **kwargs: Any) -> Any:
        try:
            return super().run(*args, **kwargs)
        finally:
            with self._timer_lock:
                self._finished = True
                if self._stop_timer is not None:
                    self._stop_timer.cancel()
                    self._stop_timer = None

    # Quix Streams' own SIGTERM and SIGINT handlers, installed while it runs.
    def _on_sigterm(self, *args: Any) -> None:
        self.signalled = True
        super()._on_sigterm(*args)  # type: ignore[no-untyped-call]

    def _on_sigint(self, *args: Any) -> None:
        self.signalled = True
        super()._on_sigint(*args)  # type: ignore[no-untyped-call]


def _exit_timer(grace: float = STOP_GRACE) -> threading.Timer:
    timer = threading.Timer(grace, _exit_stuck, (grace,))
    timer.daemon = True
    timer.start()
    return timer


def _exit_stuck(grace: float) -> None:
    log.error("the stream did not stop within %.0f s (a client blocked); exiting", grace)
    logging.shutdown()
    os._exit(EXIT_STUCK)


def _reexec_timer(grace: float) -> threading.Timer:
    reason = f"the failed stream did not stop within {grace:.0f} s (a client blocked)"
    timer = threading.Timer(grace, reexec_or_exit, (reason,))
    timer.daemon = True
    timer.start()
    return timer


class SidecarError(RuntimeError):
    """A thread beside the stream ended; the processor stopped with it."""


RESTARTS_IN_A_ROW = 5
STABLE_AFTER = 60.0


def run_until_stopped(processor: Processor[Any], settings: Settings, clients: KafkaClients) -> None:
    """Run the processor until SIGTERM or SIGINT. A stream that stops (its group membership
    lost across a broker restart, the broker away for minutes, a sidecar's client failing)
    is built and started again in this process, from the last committed offsets, with a
    backoff; after RESTARTS_IN_A_ROW such stops within a minute of each other the error is
    raised (and the supervisor restarts the process)."""
    watch_stop_signals()
    restarts, backoff = 0, 1.0
    while True:
        started = time.monotonic()
        runtime: ProcessorApp[Any] | None = None
        previous = signal.signal(signal.SIGTERM, _stop_starting)
        try:
            runtime = ProcessorApp(processor, settings, clients)
            signal.signal(signal.SIGTERM, previous)
            runtime.run()
            return
        # Handlers' errors never get here (their records are dead letters): what does is the
        # stream's own, e.g. its group membership lost across a broker restart, or
        # confluent-kafka's consume() failing (SystemError) while the broker is away.
        except Exception as error:  # bounded by RESTARTS_IN_A_ROW
            if runtime is not None and runtime.app.signalled:
                log.info("%s: stopped on a signal (%s)", processor.name, error)
                return
            if time.monotonic() - started > STABLE_AFTER:
                restarts, backoff = 0, 1.0
            restarts += 1
            if restarts > RESTARTS_IN_A_ROW:
                raise
            STREAM_RESTARTS.labels(processor.name).inc()
            log.warning(
                "%s: the stream stopped (%s: %s); starting it again in %.0f s",
                processor.name,
                type(error).__name__,
                error,
                backoff,
            )
        signal.signal(signal.SIGTERM, _stop_starting)
        time.sleep(backoff)
        backoff = min(backoff * 2, 30.0)


def _stop_starting(signum: int, frame: Any) -> None:
    """SIGTERM between two runs of the stream: stop, within STOP_GRACE even if a client
    call blocks (a Python handler runs only once the C call returns)."""
    _exit_timer()
    raise KeyboardInterrupt


def ensure_topics(processor: Processor[Any], settings: Settings, clients: KafkaClients) -> None:
    """The mesh topics the processor reads and writes, created if missing, and its own,
    created or brought to their configs, before the processor is built (its store needs
    co-partitioned inputs); changelog topics are Quix Streams' to create. Only what its
    principal may see and change on a cluster with ACLs (meshgov.kafka.acls)."""
    used = {settings.topic(t) for t in (*processor.inputs, *processor.outputs, DEAD_LETTERS)}
    admin = TopicAdmin(clients)
    admin.ensure(
        [s for s in settings.topic_specs() if s.name in used],
        settings.partitions,
        settings.replication_factor,
        reconcile=False,
    )
    admin.ensure(
        processor.internal_topics(settings), settings.partitions, settings.replication_factor
    )


class ProcessorApp(Generic[S]):
    def __init__(
        self,
        processor: Processor[S],
        settings: Settings,
        clients: KafkaClients,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.processor = processor
        self.settings = settings
        self.clients = clients
        self.clock = clock
        self.handler = processor.handler(settings)
        self.codec = clients.codec()
        self._names: dict[str, str] = {settings.topic(t): t for t in processor.inputs}
        if processor.signals or processor.timed:
            self._names[processor.signals_topic(settings)] = "signals"
        self.app = clients.stream_application(
            settings.group(processor.name), BoundedStopApplication
        )
        self._outputs: dict[str, Topic] = {}
        self.metrics = ProcessorMetrics(
            processor.name,
            port_activity(settings.metrics_port_series) if processor.reads_ports else None,
        )
        self._build()

    def _topic(self, name: str) -> Topic:
        if name not in self._outputs:
            self._outputs[name] = self.app.topic(
                name,
                key_deserializer="bytes",
                value_deserializer="bytes",
                key_serializer="bytes",
                value_serializer=_ProducedValue(),
            )
        return self._outputs[name]

    def _build(self) -> None:
        streams = [self.app.dataframe(self._topic(name)) for name in self._names]
        stream = functools.reduce(lambda left, right: left.concat(right), streams)
        outputs = stream.apply(self._step, stateful=True, expand=True, metadata=True)
        outputs = outputs.set_headers(lambda value, key, timestamp, headers: [])
        outputs.to_topic(
            lambda value, key, timestamp, headers: self._topic(value.topic),
            key=lambda value: value.key,
        )
        # Every topic it may write to, known before the stream starts (and no other: a
        # principal may describe only its own topics on a cluster with ACLs).
        for name in (DEAD_LETTERS, *self.processor.outputs):
            self._topic(self.settings.topic(name))
        if self.processor.signals or self.processor.timed:
            self._topic(self.processor.signals_topic(self.settings))
        if self.processor.timed:
            self._topic(self.processor.schedule_topic(self.settings))
        if self.processor.effects:
            self._topic(self.processor.effects_topic(self.settings))

    # -- one record ------------------------------------------------------------------------

    def _decode(
        self,
        topic: str,
        key: bytes | None,
        value: bytes | None,
        origin: str = "",
        at: datetime | None = None,
    ) -> Message:
        if key is None:
            raise DecodeError("the record has no key (keys name the data product)")
        product = key.decode("utf-8")
        if value is None:
            raise DecodeError("the record has no value (a null value or a tombstone)")
        name = self._names[topic]
        body: Event | Signal
        if name == "signals":
            body = decode_signal(value)
        else:
            body = self.codec.decode(value, self.processor.inputs[name])
            if body.kafka_key() != product:
                raise DecodeError(
                    f"the record key {product!r} is not the product {body.kafka_key()!r} of "
                    f"its {type(body).__name__}"
                )
        return Message(product, body, name, origin, at)

    def _step(
        self,
        value: bytes | None,
        key: bytes | None,
        timestamp: int,
        headers: Sequence[tuple[str, bytes]] | None,
        state: State[str, Any],
    ) -> list[Produced]:
        context = message_context()
        now = self.clock()
        started = time.perf_counter()
        source = self._names.get(context.topic, context.topic)
        try:
            message = self._decode(
                context.topic,
                key,
                value,
                f"{context.topic}[{context.partition}]@{context.offset}",
                datetime.fromtimestamp(timestamp / 1000, UTC) if timestamp > 0 else None,
            )
            stored = state.get(STATE_KEY)
            current = (
                self.processor.state.model_validate(stored)
                if stored is not None
                else self.processor.state()
            )
            after, outputs = self.handler.handle(current, message, now)
            dumped = after.model_dump(mode="json")
            produced = [self._produced(output) for output in outputs]
        except PlatformUnavailableError:
            raise  # the platform's fault: the stream stops, this record is read again
        except Exception as error:  # noqa: BLE001 - whatever one record causes is its own
            letter = dead_letter(
                self.processor.name,
                context.topic,
                context.partition,
                context.offset,
                key,
                value,
                timestamp,
                headers or [],
                error,
            )
            self.metrics.dead_letter(source)
            log.warning(
                "%s: dead-lettered %s[%s]@%s: %s",
                self.processor.name,
                context.topic,
                context.partition,
                context.offset,
                letter.error_message,
            )
            return [
                Produced(
                    self.settings.topic(DEAD_LETTERS),
                    key or b"",
                    self.codec.encode(letter, self.settings.topic(DEAD_LETTERS)),
                )
            ]
        self.metrics.handled(
            source, time.perf_counter() - started, message.product, message.body, outputs
        )
        if dumped != stored:
            state.set(STATE_KEY, dumped)
        if isinstance(self.handler, Timed):
            woken = self._wake(
                message,
                self.handler.wake(
                    after, message.body.at if isinstance(message.body, Tick) else now
                ),
                state,
            )
            if woken is not None:
                produced.append(woken)
        return produced

    def _produced(self, output: Output) -> Produced:
        if isinstance(output, Emit):
            event = bounded(output.event)
            topic = self.settings.topic(output.topic)
            return Produced(topic, event.kafka_key().encode(), self.codec.encode(event, topic))
        if isinstance(output, Effect):
            return Produced(
                self.processor.effects_topic(self.settings), output.key.encode(), output.value
            )
        return Produced(
            self.processor.signals_topic(self.settings),
            output.product.encode(),
            encode_signal(output.signal),
        )

    def _wake(
        self, message: Message, due: datetime | None, state: State[str, Any]
    ) -> Produced | None:
        """The product's next wake-up on the schedule topic, when it changed; after a Tick
        always, since the ticker forgets a wake-up once it fired."""
        ticked = isinstance(message.body, Tick)
        if due is not None and isinstance(message.body, Tick) and due <= message.body.at:
            due = message.body.at + MIN_WAKE_STEP  # the past again: never a loop of ticks
        due_ms = None if due is None else int(due.timestamp() * 1000)
        if due_ms == state.get(WAKE_KEY) and not ticked:
            return None
        if due_ms is None:
            state.delete(WAKE_KEY)
        else:
            state.set(WAKE_KEY, due_ms)
        return Produced(
            self.processor.schedule_topic(self.settings),
            message.product.encode(),
            None if due_ms is None else str(due_ms).encode(),
        )

    # -- running ---------------------------------------------------------------------------

    def run(self) -> None:
        """Until SIGTERM or SIGINT (offsets committed, state flushed)."""
        sidecars = [make(self.settings, self.clients) for make in self.processor.sidecars]
        if self.processor.timed:
            from meshgov.processors.ticker import Ticker

            sidecars.append(
                Ticker(
                    self.clients,
                    self.processor.schedule_topic(self.settings),
                    self.processor.signals_topic(self.settings),
                    self.settings.group(f"{self.processor.name}-ticker"),
                )
            )
        failures: list[BaseException] = []

        def failed(error: BaseException) -> None:
            failures.append(error)
            self.app.stop()  # committed as far as processed; the supervisor restarts it

        for sidecar in sidecars:
            sidecar.start(failed)
        log.info("Ready: %s reads %s", self.processor.name, ", ".join(self._names))
        try:
            self.app.run()
        finally:
            for sidecar in sidecars:
                sidecar.stop()
        if failures:
            raise SidecarError(f"{self.processor.name}: {failures[0]!r}") from failures[0]
