"""Routing breaches and notices to their receivers, with the progress in a consumer group.

Reads mesh.sla-breaches and mesh.verdicts in the `alerts` group (meshgov.kafka.progress)
and the catalog for who reads what. Each event's notifications go to the receivers the
policy routes them to; a receiver that fails is tried again with backoff (the others are
not sent twice meanwhile) and, past the policy's give_up_after_seconds, reported (a dead
letter, a log line, meshgov_alert_deliveries_total{outcome="given_up"}) so the next
events are not held back for ever. A restart goes on from the last event delivered."""

from __future__ import annotations

import logging
import threading

from prometheus_client import Counter

from meshgov.alerts.notifications import notifications
from meshgov.alerts.receivers import post, request_for
from meshgov.catalog.tail import CatalogTail
from meshgov.kafka.clients import KafkaClients
from meshgov.kafka.progress import DeliveryError, ProgressFollower
from meshgov.kafka.topics import SLA_BREACHES, VERDICTS
from meshgov.models.alerting import AlertRouting
from meshgov.models.events import BreachState, Event, SlaBreach
from meshgov.settings import Settings

log = logging.getLogger("meshgov.alerts")
MAX_IN_PROGRESS = 10_000


class _Progress:
    def __init__(self) -> None:
        self.sent: set[tuple[str, str]] = set()  # (notification, receiver)
        self.refused: set[tuple[str, str]] = set()  # refused for good: not tried again
        self.refusals: list[str] = []

    def refuse(self, key: str, name: str, reason: str) -> None:
        DELIVERIES.labels(name, "refused").inc()
        self.refused.add((key, name))
        self.refusals.append(f"{name}: {reason}")


def _identity(event: Event) -> str:
    kind = type(event).__name__
    return (
        "/".join(str(getattr(event, field, "")) for field in ("breach_id", "verdict_id", "state"))
        + f"/{kind}/{event.kafka_key()}"
    )


NAME = "alerts"
DELIVERIES = Counter(
    "meshgov_alert_deliveries_total",
    "Notifications to receivers, by outcome (delivered, failed, given_up, skipped).",
    ["receiver", "outcome"],
)


class AlertRouter:
    def __init__(self, settings: Settings, clients: KafkaClients, routing: AlertRouting) -> None:
        self.settings = settings
        self.routing = routing
        self.tail = CatalogTail(settings, clients)
        # Per event being delivered (records of other partitions are delivered while one
        # waits to be tried again): what was sent, what was refused for good.
        self._progress: dict[str, _Progress] = {}
        self.follower = ProgressFollower(
            clients,
            NAME,
            settings.group(NAME),
            [settings.topic(SLA_BREACHES), settings.topic(VERDICTS)],
            self.deliver,
            give_up_after=routing.give_up_after_seconds,
            between_polls=self._follow_catalog,
            on_given_up=self._given_up,
            max_age=routing.max_age_seconds,  # not a year of breaches paged on a first start
            # a recovery is sent however late: an incident opened before stays not open
            ages_out=lambda event: (
                not (isinstance(event, SlaBreach) and event.state is BreachState.RESOLVED)
            ),
        )

    def run(self, stop: threading.Event) -> None:
        self.tail.start()
        try:
            self.tail.poll(until_caught_up=True)
            log.info("Ready: alerts to %d receivers", len(self.routing.receivers))
            self.follower.run(stop)
        finally:
            self.tail.close()

    def _follow_catalog(self) -> None:
        self.tail.poll()

    def deliver(self, event: Event) -> None:
        """Every notification of `event` to every receiver routed to, each once; raises the
        first failure after trying them all, so only what failed is tried again."""
        identity = _identity(event)
        progress = self._progress.setdefault(identity, _Progress())
        while len(self._progress) > MAX_IN_PROGRESS:  # revoked ones, delivered elsewhere
            self._progress.pop(next(iter(self._progress)))
        transient: list[str] = []
        for note in notifications(event, self.tail.entries, self.routing.notify_consumers):
            for name in self.routing.receivers_for(note.domain, note.product, note.kind):
                if (note.key, name) in progress.sent or (note.key, name) in progress.refused:
                    continue
                try:
                    request = request_for(self.routing.receivers[name], note)
                except ValueError as error:  # a secret not set: the same at every try
                    progress.refuse(note.key, name, str(error))
                    continue
                if request is None:
                    DELIVERIES.labels(name, "skipped").inc()
                    progress.sent.add((note.key, name))
                    continue
                try:
                    post(*request)
                except DeliveryError as error:
                    if not error.transient:
                        progress.refuse(note.key, name, str(error))
                        continue
                    DELIVERIES.labels(name, "failed").inc()
                    transient.append(f"{name}: {error}")
                    continue
                DELIVERIES.labels(name, "delivered").inc()
                progress.sent.add((note.key, name))
                log.info("%s: %s to %s", name, note.key, note.owner)
        # Tried again while some receiver may still take it (only those are tried again);
        # reported at once when every receiver left refused it.
        if transient:
            raise DeliveryError("; ".join(transient), transient=True)
        del self._progress[identity]
        if progress.refusals:
            raise DeliveryError("; ".join(progress.refusals), transient=False)

    def _given_up(self, event: Event, error: DeliveryError) -> None:
        self._progress.pop(_identity(event), None)
        receivers = [failure.split(":", 1)[0] for failure in str(error).split("; ")]
        for receiver in receivers:
            DELIVERIES.labels(receiver, "given_up").inc()
        log.error(
            "alerts: gave up on %s after %.0f s: %s",
            ", ".join(receivers),
            self.routing.give_up_after_seconds,
            error,
        )
