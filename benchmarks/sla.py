"""SLA detection: how soon a missed deadline becomes a breach a consumer sees, and what one
freshness worker costs while it tracks 100,000 products with one-minute schedules.

    python -m benchmarks.sla [--products 100000] [--probes 200] [--rounds 3]

Runs the real freshness processor (`meshgov run freshness`) as its own process against
KAFKA_BOOTSTRAP_SERVERS, or a local broker started for the run. Steps:

1. baseline: the worker's memory and idle CPU with no product;
2. load: `--products` accepted products, each with a batch port refreshed every minute and
   "within 1 hour of the scheduled run", published as verdicts; the worker's memory and
   idle CPU once it tracks them all (a run every minute each, no deadline due yet);
3. detection: `--probes` more products on a five-second schedule due 2 s after each run,
   in the same worker; each round their outputs stop, and the time from each deadline to
   its FRESHNESS breach read by a consumer is recorded, then outputs resume.

Figures are printed, with the loaded worker's as ratios to the baseline."""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path

from benchmarks.cluster import bootstrap_for
from meshgov.checks.freshness.schedule import Schedule
from meshgov.codec import default_codec
from meshgov.kafka.admin import TopicAdmin
from meshgov.kafka.clients import KafkaClients
from meshgov.kafka.lag import LagProbe
from meshgov.kafka.topics import OUTPUTS, SLA_BREACHES, VERDICTS
from meshgov.models import ids
from meshgov.models.events import (
    BreachKind,
    BreachState,
    CheckOutcome,
    CheckStatus,
    Decision,
    OutputPublished,
    SlaBreach,
    Verdict,
)
from meshgov.models.sla import Freshness
from meshgov.processors.registry import PROCESSORS
from meshgov.settings import Settings

PROBE_CRON = "* * * * * */5"
PROBE_FRESHNESS = "within 2 seconds of the scheduled run"
CLK_TCK = os.sysconf("SC_CLK_TCK")
PROCESSOR = "freshness"


def descriptor(name: str, cron: str, freshness: str) -> str:
    return f"""data_product:
  name: "{name}"
  owner: "team-{name[-2:]}@company.com"
  output_ports:
    - name: daily
      type: batch
      format: Parquet
      location: "s3://mesh/{name}/"
      refresh: "{cron}"
  sla:
    freshness: "{freshness}"
"""


def verdict(name: str, text: str, now: datetime) -> Verdict:
    registration_id = str(uuid.uuid4())
    return Verdict(
        verdict_id=ids.verdict_id(registration_id),
        registration_id=registration_id,
        product=name,
        version="1.0.0",
        domain=f"team-{name[-2:]}",
        owner=f"team-{name[-2:]}@company.com",
        submitted_by="bench",
        decision=Decision.ACCEPTED,
        checks=[CheckOutcome(check="sla", status=CheckStatus.PASSED)],
        descriptor=text,
        submitted_at=now,
        decided_at=now,
        latency_ms=1,
    )


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def idle_cpu_percent(pid: int, seconds: float) -> float:
    start_cpu, start = cpu_seconds(pid), time.monotonic()
    time.sleep(seconds)
    return 100.0 * (cpu_seconds(pid) - start_cpu) / (time.monotonic() - start)


class Worker:
    def __init__(self, settings: Settings, log: Path) -> None:
        self.log = log
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "meshgov",
                "run",
                "freshness",
                "--bootstrap-servers",
                settings.bootstrap,
                "--topic-prefix",
                settings.topic_prefix,
                "--log-level",
                "info",
            ],
            stdout=log.open("wb"),
            stderr=subprocess.STDOUT,
        )

    def wait_for_log(self, text: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while text not in self.log.read_text(errors="replace"):
            if time.monotonic() > deadline or self.process.poll() is not None:
                raise SystemExit(f"worker: no {text!r}; log tail:\n{self.log.read_text()[-3000:]}")
            time.sleep(0.5)

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(60)


def load_products(settings: Settings, count: int) -> None:
    codec = default_codec()
    producer = KafkaClients(settings).producer(**{"linger.ms": 50})
    topic = settings.topic(VERDICTS)
    now = datetime.now(UTC)
    for index in range(count):
        name = f"bulk-{index:06d}"
        event = verdict(
            name, descriptor(name, "* * * * *", "within 1 hour of the scheduled run"), now
        )
        while True:
            try:
                producer.produce(topic, key=name.encode(), value=codec.encode(event))
                break
            except BufferError:
                producer.poll(0.1)
        producer.poll(0)
    producer.flush(120)


def wait_until_tracked(settings: Settings, timeout: float) -> float:
    """Until the worker's consumer group has read every verdict (no lag left)."""
    group = settings.group(PROCESSOR)
    start = time.monotonic()
    probe = LagProbe(KafkaClients(settings), {group: PROCESSORS[PROCESSOR].input_topics(settings)})
    try:
        while time.monotonic() - start < timeout:
            time.sleep(2)
            lag = probe.group_lags().get(group)
            if lag is not None and lag[0] == 0:
                return time.monotonic() - start
    finally:
        probe.close()
    raise SystemExit(f"the worker still lags after {timeout} s")


def detection(settings: Settings, probes: int, rounds: int) -> list[float]:
    codec = default_codec()
    producer = KafkaClients(settings).producer()
    consumer = KafkaClients(settings).consumer(
        None, **{"auto.offset.reset": "latest", "fetch.wait.max.ms": 10}
    )
    consumer.subscribe([settings.topic(SLA_BREACHES)])
    schedule = Schedule(PROBE_CRON, "UTC", Freshness.model_validate(PROBE_FRESHNESS))
    names = [f"probe-{index:04d}" for index in range(probes)]
    consumer.poll(1.0)
    _, d0 = schedule.next_deadline(datetime.now(UTC))
    time.sleep(max(0.0, (d0 - datetime.now(UTC)).total_seconds()) + 0.2)
    now = datetime.now(UTC)
    for name in names:
        event = verdict(name, descriptor(name, PROBE_CRON, PROBE_FRESHNESS), now)
        producer.produce(settings.topic(VERDICTS), key=name.encode(), value=codec.encode(event))
    producer.flush(30)
    latencies: list[float] = []
    after = d0
    for _ in range(rounds):
        run, deadline = schedule.next_deadline(after)
        opened: dict[str, float] = {}
        end = time.monotonic() + 15
        while len(opened) < probes and time.monotonic() < end:
            message = consumer.poll(0.05)
            if message is None or message.error():
                continue
            seen = time.time()
            breach = codec.decode(message.value(), SlaBreach)
            if (breach.kind, breach.state) == (BreachKind.FRESHNESS, BreachState.OPEN) and (
                breach.deadline == deadline
            ):
                opened.setdefault(breach.product, seen - deadline.timestamp())
        latencies.extend(opened.values())
        median = 1000 * statistics.median(opened.values()) if opened else float("nan")
        print(
            f"  deadline {deadline:%H:%M:%S}: {len(opened)}/{probes} breaches seen, "
            f"median {median:.0f} ms after it"
        )
        # Deliver the latest run of every probe, so the next deadline can be missed anew.
        published = datetime.now(UTC)
        latest = schedule.latest_due_run(published) or run
        for name in names:
            output = OutputPublished(
                output_id=ids.output_id(name, "daily", latest.isoformat()),
                product=name,
                port="daily",
                run_id=latest.isoformat(),
                scheduled_for=latest,
                published_at=published,
                row_count=1,
                published_by="bench",
            )
            producer.produce(settings.topic(OUTPUTS), key=name.encode(), value=codec.encode(output))
        producer.flush(30)
        after = published
    consumer.close()
    return latencies


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--products", type=int, default=100_000)
    parser.add_argument("--probes", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--idle-seconds", type=float, default=30.0)
    args = parser.parse_args()
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]
    with ExitStack() as stack:
        scratch = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        bootstrap = bootstrap_for(stack, scratch)
        settings = Settings(bootstrap=bootstrap, topic_prefix=f"bench{uuid.uuid4().hex[:6]}.")
        TopicAdmin(KafkaClients(settings)).ensure(settings.topic_specs(), settings.partitions)
        worker = Worker(settings, scratch / "worker.log")
        stack.callback(worker.stop)
        worker.wait_for_log("Ready", 120)
        time.sleep(5)
        base_rss = rss_mb(worker.process.pid)
        base_cpu = idle_cpu_percent(worker.process.pid, args.idle_seconds)
        print(f"baseline (no product): RSS {base_rss:.0f} MB, idle CPU {base_cpu:.2f}% of a core")

        started = time.monotonic()
        load_products(settings, args.products)
        produced = time.monotonic() - started
        tracked = wait_until_tracked(settings, timeout=1800)
        total = produced + tracked
        print(
            f"load: {args.products} verdicts produced in {produced:.1f} s, all tracked "
            f"{total:.1f} s after the first ({args.products / total:.0f}/s)"
        )
        time.sleep(10)
        rss = rss_mb(worker.process.pid)
        cpu = idle_cpu_percent(worker.process.pid, args.idle_seconds)
        print(
            f"tracking {args.products} one-minute schedules: RSS {rss:.0f} MB "
            f"({rss / base_rss:.2f}x baseline, {1024 * (rss - base_rss) / args.products:.2f} KB "
            f"per product), idle CPU {cpu:.2f}% of a core (baseline {base_cpu:.2f}%)"
        )
        latencies = detection(settings, args.probes, args.rounds)
        if latencies:
            print(
                f"detection latency, deadline to breach read by a consumer "
                f"({len(latencies)} deadlines, {args.probes} products beside the {args.products}): "
                f"p50 {1000 * statistics.median(latencies):.0f} ms, "
                f"p99 {1000 * percentile(latencies, 0.99):.0f} ms, "
                f"max {1000 * max(latencies):.0f} ms"
            )
        print(f"worker RSS at the end: {rss_mb(worker.process.pid):.0f} MB")


if __name__ == "__main__":
    main()
