"""The data plane: how fast the streaming-port processors read one product's topic.

    python -m benchmarks.dataplane [--records N] [--runs pii,quality] [--pii-sample-rates 1,0.2]

On KAFKA_BOOTSTRAP_SERVERS or a local broker of its own, produces --records bare-Avro
records of six fields to the streaming port of one accepted product, then reads them all:

1. with a bare confluent-kafka consumer decoding every record with fastavro: the baseline;
2. with each streaming-port processor (freshness, quality, pii), one worker and then two, each
   a `meshgov run NAME` process as deployments run it;
3. with the three side by side, one worker each.

A processor's rate comes from its streams group's committed offsets, from its first commit
to the topic's end; every figure is printed with its ratio to the baseline of the same run.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fastavro import parse_schema, schemaless_reader, schemaless_writer

from benchmarks.cluster import bootstrap_for
from meshgov.client.registration import build_registration
from meshgov.kafka.admin import TopicAdmin
from meshgov.kafka.clients import EventPublisher, KafkaClients, TopicPartition
from meshgov.kafka.topics import VERDICTS, TopicSpec
from meshgov.models import ids
from meshgov.models.events import CheckOutcome, CheckStatus, Decision, Verdict
from meshgov.settings import Settings

PRODUCT = "clicks-stream"
SCHEMA: dict[str, Any] = {
    "type": "record",
    "name": "Click",
    "namespace": "com.company.web",
    "fields": [
        {"name": "click_id", "type": "string"},
        {"name": "session_id", "type": "string"},
        {"name": "page", "type": "string"},
        {"name": "duration_ms", "type": "long"},
        {"name": "score", "type": "double"},
        {"name": "referrer", "type": ["null", "string"], "default": None},
    ],
}
PAGES = ["/", "/search", "/product/1842", "/cart", "/checkout", "/help/returns"]


def descriptor(topic: str) -> str:
    return f"""data_product:
  name: "{PRODUCT}"
  owner: "web-team@company.com"
  description: "Clicks on the web shop"
  output_ports:
    - type: streaming
      format: Avro
      location: "kafka://{topic}"
      schema: {json.dumps(json.dumps(SCHEMA))}
  sla:
    freshness: "no records for 6 hours"
    schema_stability: "Backward compatible"
  quality:
    - metric: "no_nulls_in_click_id"
    - metric: "unique_click_id"
"""


def produce_records(settings: Settings, topic: str, count: int, partitions: int) -> float:
    clients = KafkaClients(settings)
    TopicAdmin(clients).ensure([TopicSpec(topic, None)], partitions)
    producer = clients.producer(**{"linger.ms": 50, "batch.size": 1_000_000})
    parsed = parse_schema(SCHEMA)
    chance = random.Random(7)
    start = time.monotonic()
    # Event times spread over 100 one-minute windows ending now, as a backlog of the last
    # hours would be: windows close as the readers move through them.
    first_ms = int(time.time() * 1000) - 100 * 60_000
    step_ms = 100 * 60_000 / count
    buffer = io.BytesIO()
    for index in range(count):
        buffer.seek(0)
        buffer.truncate()
        schemaless_writer(
            buffer,
            parsed,
            {
                "click_id": f"c-{index:09d}",
                "session_id": f"s-{index // 20:08d}",
                "page": PAGES[index % len(PAGES)],
                "duration_ms": chance.randrange(10, 90_000),
                "score": chance.random(),
                "referrer": None if index % 3 else "https://search.example/?q=shoes",
            },
        )
        while True:
            try:
                producer.produce(
                    topic,
                    key=f"s-{index // 20}".encode(),
                    value=buffer.getvalue(),
                    timestamp=first_ms + int(index * step_ms),
                )
                break
            except BufferError:
                producer.poll(0.05)
        if index % 10_000 == 0:
            producer.poll(0)
    producer.flush(120)
    return count / (time.monotonic() - start)


def bare_consumer(settings: Settings, topic: str, count: int) -> float:
    """Records per second of a plain consumer that decodes each record with fastavro."""
    consumer = KafkaClients(settings).consumer(
        f"bare-{uuid.uuid4().hex[:8]}", **{"auto.offset.reset": "earliest"}
    )
    consumer.subscribe([topic])
    parsed = parse_schema(SCHEMA)
    seen = 0
    first = 0.0
    try:
        while seen < count:
            for message in consumer.consume(10_000, 1.0):
                if message.error():
                    continue
                if not first:
                    first = time.monotonic()
                schemaless_reader(io.BytesIO(message.value() or b""), parsed, None)
                seen += 1
        return (seen - 1) / (time.monotonic() - first)
    finally:
        consumer.close()


@dataclass
class Mesh:
    """One fresh mesh (its own topic prefix, so its own groups) that has accepted PRODUCT."""

    settings: Settings
    home: Path

    @classmethod
    def accepting(cls, bootstrap: str, partitions: int, topic: str, scratch: Path) -> Mesh:
        settings = Settings(
            bootstrap=bootstrap, topic_prefix=f"dp{uuid.uuid4().hex[:6]}.", partitions=partitions
        )
        clients = KafkaClients(settings)
        TopicAdmin(clients).ensure(settings.topic_specs(), partitions)
        registration = build_registration(descriptor(topic))
        verdict = Verdict(
            verdict_id=ids.verdict_id(registration.registration_id),
            registration_id=registration.registration_id,
            product=registration.product,
            version=registration.version,
            domain=registration.domain,
            owner=registration.owner,
            submitted_by=registration.submitted_by,
            decision=Decision.ACCEPTED,
            checks=[CheckOutcome(check="compatibility", status=CheckStatus.PASSED)],
            descriptor=registration.descriptor,
            submitted_at=registration.submitted_at,
            decided_at=datetime.now(UTC),
            latency_ms=1,
        )
        EventPublisher(clients).publish(VERDICTS, verdict)
        home = scratch / settings.topic_prefix.rstrip(".")
        home.mkdir()
        return cls(settings, home)

    def start(
        self, processor: str, worker: int, policy: Path | None = None
    ) -> subprocess.Popen[bytes]:
        log = (self.home / f"{processor}-{worker}.log").open("wb")
        chosen = {"MESHGOV_POLICY": str(policy)} if policy else {}
        return subprocess.Popen(
            [sys.executable, "-m", "meshgov", "run", processor, "--log-level", "info"],
            stdout=log,
            stderr=subprocess.STDOUT,
            env={
                **os.environ,
                "MESHGOV_BOOTSTRAP_SERVERS": self.settings.bootstrap,
                "MESHGOV_TOPIC_PREFIX": self.settings.topic_prefix,
                "MESHGOV_PARTITIONS": str(self.settings.partitions),
                "MESHGOV_HOME": str(self.home / f"{processor}-{worker}"),
                **chosen,
            },
        )


def cpu_seconds(pids: Sequence[int]) -> float:
    """User and system CPU time of the processes, with all their threads."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += (int(fields[11]) + int(fields[12])) / tick
    return total


@dataclass(frozen=True)
class Rate:
    records_per_second: float
    records_per_cpu_second: float


def committed_rates(
    settings: Settings,
    topic: str,
    partitions: int,
    workers: dict[str, list[int]],
    timeout: float,
) -> dict[str, Rate]:
    """Each processor's rate, from its streams group's committed offsets (polled every
    100 ms) between its first commit and the topic's end, and the CPU its workers used
    meanwhile."""
    clients = KafkaClients(settings)
    probes = {name: clients.consumer(settings.group(f"{name}-streams")) for name in workers}
    wanted = [TopicPartition(topic, p) for p in range(partitions)]
    end = sum(next(iter(probes.values())).get_watermark_offsets(tp, 10)[1] for tp in wanted)
    first: dict[str, tuple[float, int, float]] = {}
    rates: dict[str, Rate] = {}
    deadline = time.monotonic() + timeout
    try:
        while len(rates) < len(workers) and time.monotonic() < deadline:
            for name, pids in workers.items():
                if name in rates:
                    continue
                done = sum(max(0, tp.offset) for tp in probes[name].committed(wanted, timeout=10))
                now = time.monotonic()
                if done and name not in first:
                    first[name] = (now, done, cpu_seconds(pids))
                elif done >= end and name in first:
                    since, at_first, cpu = first[name]
                    records = end - at_first
                    rates[name] = Rate(
                        records / max(now - since, 1e-3),
                        records / max(cpu_seconds(pids) - cpu, 1e-3),
                    )
            time.sleep(0.1)
    finally:
        for probe in probes.values():
            probe.close()
    missing = set(workers) - set(rates)
    if missing:
        raise SystemExit(f"{', '.join(sorted(missing))} did not reach the end in {timeout:.0f} s")
    return rates


def measure(
    bootstrap: str,
    partitions: int,
    topic: str,
    scratch: Path,
    processors: Sequence[str],
    count: int,
    pii_sample_rate: float | None = None,
) -> dict[str, Rate]:
    mesh = Mesh.accepting(bootstrap, partitions, topic, scratch)
    policy = None
    if pii_sample_rate is not None:
        policy = mesh.home / "policy.yaml"
        policy.write_text(f"pii:\n  stream_sample_rate: {pii_sample_rate}\n")
    running = {name: [mesh.start(name, w, policy) for w in range(count)] for name in processors}
    try:
        pids = {name: [p.pid for p in processes] for name, processes in running.items()}
        return committed_rates(mesh.settings, topic, partitions, pids, timeout=900)
    finally:
        for processes in running.values():
            for process in processes:
                process.send_signal(signal.SIGTERM)
        for processes in running.values():
            for process in processes:
                try:
                    process.wait(30)
                except subprocess.TimeoutExpired:
                    process.kill()


def line(label: str, rate: Rate, baseline: float, extra: str = "") -> str:
    return (
        f"{label:<28} {rate.records_per_second:>10,.0f} records/s  "
        f"{rate.records_per_second / baseline:.2f}x  "
        f"{rate.records_per_cpu_second:>10,.0f} records/CPU-s{extra}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--partitions", type=int, default=6)
    parser.add_argument("--runs", default="freshness,quality,pii")
    parser.add_argument("--no-side-by-side", action="store_true")
    parser.add_argument("--logs", type=Path, help="Keep the processors' logs here.")
    parser.add_argument(
        "--pii-sample-rates",
        default="",
        help="Also measure the pii processor, one worker, at each of these sample rates.",
    )
    args = parser.parse_args()
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]
    processors = [name for name in args.runs.split(",") if name]
    with ExitStack() as stack:
        scratch = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        bootstrap = bootstrap_for(stack, scratch)
        if args.logs:
            scratch = args.logs
            scratch.mkdir(parents=True, exist_ok=True)
        settings = Settings(bootstrap=bootstrap)
        topic = f"dataplane-clicks-{uuid.uuid4().hex[:6]}"
        rate = produce_records(settings, topic, args.records, args.partitions)
        print(f"{args.records:,} records on {args.partitions} partitions, produced {rate:,.0f}/s")
        baseline = bare_consumer(settings, topic, args.records)
        print(f"{'bare consumer + fastavro':<28} {baseline:>10,.0f} records/s  1.00x")
        print(f"(machine: {os.cpu_count()} cores, shared with the broker)")
        for name in processors:
            one = measure(bootstrap, args.partitions, topic, scratch, [name], 1)[name]
            two = measure(bootstrap, args.partitions, topic, scratch, [name], 2)[name]
            scale = two.records_per_second / one.records_per_second
            print(line(f"{name}, 1 worker", one, baseline))
            print(line(f"{name}, 2 workers", two, baseline, f"  ({scale:.2f}x one worker)"))
        for text in filter(None, args.pii_sample_rates.split(",")):
            rate = measure(bootstrap, args.partitions, topic, scratch, ["pii"], 1, float(text))
            print(line(f"pii sampling {float(text):.0%}", rate["pii"], baseline))
        if len(processors) > 1 and not args.no_side_by_side:
            together = measure(bootstrap, args.partitions, topic, scratch, processors, 1)
            for name in processors:
                print(line(f"{name}, side by side", together[name], baseline))
        again = bare_consumer(settings, topic, args.records)
        print(f"{'bare consumer again':<28} {again:>10,.0f} records/s  {again / baseline:.2f}x")


if __name__ == "__main__":
    main()
