"""Registration to verdict, end to end, with every processor running on this machine.

    python -m benchmarks.e2e [--rate 50] [--seconds 30] [--burst 2000]

Starts the whole mesh (`meshgov up`'s supervisor: seven processors and the catalog API) on
KAFKA_BOOTSTRAP_SERVERS or a local broker of its own, then:

1. steady load: `--rate` registrations per second for `--seconds`, each a new product with
   a schema on its streaming port; the latency from submission to the verdict read by a
   client, p50/p99/max;
2. sustained maximum: `--burst` registrations at once; verdicts per second until the last.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path

from benchmarks.cluster import bootstrap_for
from meshgov.broker.local import free_port
from meshgov.client.registration import build_registration
from meshgov.codec import DecodeError, default_codec
from meshgov.kafka.clients import KafkaClients
from meshgov.kafka.topics import REGISTRATIONS, VERDICTS
from meshgov.mesh import LocalMesh, MeshOptions
from meshgov.models.events import Registration, Verdict
from meshgov.settings import Settings

SCHEMA = (
    '{"type": "record", "name": "Order", "fields": [{"name": "order_id", "type": "string"}, '
    '{"name": "amount", "type": "double"}]}'
)


def descriptor(name: str) -> str:
    return f"""data_product:
  name: "{name}"
  owner: "{name.split("-")[0]}-team@company.com"
  description: "benchmark product"
  output_ports:
    - type: streaming
      format: Avro
      location: "kafka://{name}"
      schema: {SCHEMA!r}
  sla:
    freshness: "no records for 6 hours"
    schema_stability: "Backward compatible"
"""


class Verdicts:
    """Reads verdicts on a thread, noting when each registration's was seen."""

    def __init__(self, settings: Settings) -> None:
        self.seen: dict[str, float] = {}
        self._stop = threading.Event()
        self._consumer = KafkaClients(settings).consumer(
            None, **{"auto.offset.reset": "latest", "fetch.wait.max.ms": 10}
        )
        self._consumer.subscribe([settings.topic(VERDICTS)])
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> None:
        deadline = time.monotonic() + 30
        while not self._consumer.assignment() and time.monotonic() < deadline:
            self._consumer.poll(0.2)
        self._thread.start()

    def _run(self) -> None:
        codec = default_codec()
        while not self._stop.is_set():
            for message in self._consumer.consume(500, 0.05):
                if message.error():
                    continue
                try:
                    verdict = codec.decode(message.value() or b"", Verdict)
                except DecodeError:
                    continue
                self.seen.setdefault(verdict.registration_id, time.time())

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5)
        self._consumer.close()


def steady(
    settings: Settings,
    verdicts: Verdicts,
    rate: float,
    seconds: float,
    prepare: Callable[[Registration], Registration] = lambda registration: registration,
) -> list[float]:
    """`rate` registrations per second (each passed through `prepare`, e.g. signed) for
    `seconds`: the latency from submission to the verdict read by a client."""
    producer = KafkaClients(settings).producer()
    codec = default_codec()
    sent: dict[str, float] = {}
    start = time.monotonic()
    index = 0
    while time.monotonic() - start < seconds:
        due = start + index / rate
        time.sleep(max(0.0, due - time.monotonic()))
        registration = prepare(
            build_registration(descriptor(f"steady{index % 20}-{uuid.uuid4().hex[:8]}"))
        )
        producer.produce(
            settings.topic(REGISTRATIONS),
            key=registration.product.encode(),
            value=codec.encode(registration),
        )
        producer.poll(0)
        sent[registration.registration_id] = registration.submitted_at.timestamp()
        index += 1
    producer.flush(30)
    deadline = time.monotonic() + 60
    while len(set(sent) & set(verdicts.seen)) < len(sent) and time.monotonic() < deadline:
        time.sleep(0.2)
    missing = len(sent) - len(set(sent) & set(verdicts.seen))
    if missing:
        print(f"  {missing} of {len(sent)} verdicts missing after 60 s")
    return [verdicts.seen[r] - at for r, at in sent.items() if r in verdicts.seen]


def burst(settings: Settings, verdicts: Verdicts, count: int) -> tuple[float, int]:
    producer = KafkaClients(settings).producer(**{"linger.ms": 20})
    codec = default_codec()
    registrations = [
        build_registration(descriptor(f"burst{i % 20}-{uuid.uuid4().hex[:8]}"))
        for i in range(count)
    ]
    start = time.time()
    for registration in registrations:
        producer.produce(
            settings.topic(REGISTRATIONS),
            key=registration.product.encode(),
            value=codec.encode(registration),
        )
        producer.poll(0)
    producer.flush(60)
    ids = {r.registration_id for r in registrations}
    deadline = time.monotonic() + 600
    while len(ids & set(verdicts.seen)) < count and time.monotonic() < deadline:
        time.sleep(0.5)
    done = ids & set(verdicts.seen)
    last = max(verdicts.seen[r] for r in done)
    return len(done) / (last - start), len(done)


def figures(values: list[float]) -> str:
    ordered = sorted(values)
    p99 = ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))]
    return (
        f"p50 {1000 * statistics.median(ordered):.0f} ms, p99 {1000 * p99:.0f} ms, "
        f"max {1000 * ordered[-1]:.0f} ms ({len(ordered)} registrations)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rate", type=float, default=50.0)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--burst", type=int, default=2000)
    args = parser.parse_args()
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]
    with ExitStack() as stack:
        scratch = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        bootstrap = bootstrap_for(stack, scratch)
        options = MeshOptions(
            Settings(bootstrap=bootstrap, topic_prefix=f"e2e{uuid.uuid4().hex[:6]}."),
            free_port(),
            free_port(),
            log_dir=scratch / "logs",
        )
        started = time.monotonic()
        mesh = stack.enter_context(LocalMesh(options))
        if not mesh.wait_ready():
            raise SystemExit("the mesh did not get ready")
        assert mesh.settings is not None
        print(
            f"mesh of {len(mesh.supervisor.children) if mesh.supervisor else 0} components "
            f"ready in {time.monotonic() - started:.0f} s ({datetime.now(UTC):%H:%M:%S})"
        )
        verdicts = Verdicts(mesh.settings)
        verdicts.start()
        stack.callback(verdicts.stop)
        steady(mesh.settings, verdicts, 5, 4)  # warm-up
        latencies = steady(mesh.settings, verdicts, args.rate, args.seconds)
        print(f"steady {args.rate:g} registrations/s for {args.seconds:g} s: {figures(latencies)}")
        rate, done = burst(mesh.settings, verdicts, args.burst)
        print(f"sustained maximum: {done} registrations at once, {rate:.0f} verdicts/s")
        mesh.step()


if __name__ == "__main__":
    main()
