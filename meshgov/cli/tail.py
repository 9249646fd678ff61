"""`meshgov tail verdicts|breaches`: the live stream, readable or as JSON Lines."""

from __future__ import annotations

import time

import click
from confluent_kafka import OFFSET_BEGINNING, OFFSET_END

from meshgov.cli.errors import reported_errors
from meshgov.cli.options import mesh_settings
from meshgov.codec import DecodeError
from meshgov.kafka.clients import KafkaClients
from meshgov.kafka.topics import SLA_BREACHES, VERDICTS
from meshgov.models.events import BreachState, Decision, SlaBreach, Verdict
from meshgov.settings import Settings

STREAMS: dict[str, tuple[str, type[Verdict] | type[SlaBreach]]] = {
    "verdicts": (VERDICTS, Verdict),
    "breaches": (SLA_BREACHES, SlaBreach),
}
_DECISION_COLOURS = {
    Decision.ACCEPTED: "green",
    Decision.ACCEPTED_WITH_WARNINGS: "yellow",
    Decision.SCHEDULED: "cyan",
    Decision.REJECTED: "red",
    Decision.UNDECIDED: "magenta",
}


def describe_verdict(verdict: Verdict) -> str:
    checks = " ".join(f"{c.check}:{c.status.value.lower()}" for c in verdict.checks)
    codes = sorted(
        {f.code for c in verdict.checks for f in c.findings if f.severity.value == "ERROR"}
    )
    reasons = f"  [{', '.join(codes)}]" if codes else ""
    return (
        f"{verdict.decided_at:%Y-%m-%d %H:%M:%S}  "
        + click.style(f"{verdict.decision.value:<22}", fg=_DECISION_COLOURS[verdict.decision])
        + f" {verdict.product} {verdict.version}  ({verdict.latency_ms} ms)  {checks}{reasons}"
    )


def describe_breach(breach: SlaBreach) -> str:
    colour = "red" if breach.state is BreachState.OPEN else "green"
    where = "/".join(p for p in (breach.port, breach.field) if p)
    evidence = f"  evidence {breach.evidence}" if breach.evidence else ""
    return (
        f"{breach.detected_at:%Y-%m-%d %H:%M:%S}  "
        + click.style(f"{breach.state.value:<9}", fg=colour)
        + f"{breach.kind.value:<17} {breach.product} {where}  expected {breach.expected}; "
        f"observed {breach.observed}  → {breach.owner}{evidence}"
    )


@click.command()
@click.argument("stream", type=click.Choice(sorted(STREAMS)))
@click.option("--product", help="Only this product.")
@click.option("--json", "as_json", is_flag=True, help="JSON Lines, one event per line.")
@click.option("--from-beginning", is_flag=True, help="Start at the oldest retained event.")
@mesh_settings()
@click.option("--max-events", type=int, default=None, help="Stop after this many events.")
@click.option(
    "--idle-timeout", type=float, default=None, help="Stop after this many quiet seconds."
)
def tail(
    stream: str,
    product: str | None,
    as_json: bool,
    from_beginning: bool,
    settings: Settings,
    max_events: int | None,
    idle_timeout: float | None,
) -> None:
    """Follow mesh.verdicts or mesh.sla-breaches until interrupted."""
    topic_name, event_type = STREAMS[stream]
    topic = settings.topic(topic_name)
    clients = KafkaClients(settings)
    codec = clients.codec()
    consumer = clients.consumer()
    try:
        with reported_errors():
            clients.assign_all(
                consumer, [topic], OFFSET_BEGINNING if from_beginning else OFFSET_END
            )
        shown, last = 0, time.monotonic()
        while max_events is None or shown < max_events:
            if idle_timeout is not None and time.monotonic() - last > idle_timeout:
                break
            message = consumer.poll(0.5)
            if message is None or message.error():
                continue
            last = time.monotonic()
            try:
                event: Verdict | SlaBreach = codec.decode(message.value() or b"", event_type)
            except DecodeError as error:
                click.secho(
                    f"unreadable event at {topic}[{message.partition()}]@{message.offset()}: "
                    f"{error}",
                    fg="yellow",
                    err=True,
                )
                continue
            if product and event.product != product:
                continue
            if as_json:
                click.echo(event.model_dump_json())
            elif isinstance(event, Verdict):
                click.echo(describe_verdict(event))
            else:
                assert isinstance(event, SlaBreach)
                click.echo(describe_breach(event))
            shown += 1
    except KeyboardInterrupt:
        pass
    finally:
        consumer.close()
