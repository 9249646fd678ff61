"""Emitting the mesh's lineage as OpenLineage events, through openlineage-python's client
and its own transports (HTTP to Marquez, DataHub or OpenMetadata, a Kafka topic...),
configured in the client's own format (an openlineage.yml: MESHGOV_OPENLINEAGE_CONFIG, or
the client's OPENLINEAGE_URL / OPENLINEAGE_CONFIG).

It keeps the catalog (mesh.catalog, read in full) to know each product's accepted ports:
every product's job is emitted when the emitter starts and whenever the product or one of
its upstreams changes. Batch runs and breaches (mesh.outputs, mesh.sla-breaches) are read
in the `lineage` consumer group and committed once emitted (meshgov.kafka.progress): a
receiver that is down is retried, never skipped; one that refuses an event sends it to
mesh.dead-letters."""

from __future__ import annotations

import logging
import threading
import time
from datetime import UTC, datetime
from typing import Any

import yaml
from openlineage.client import OpenLineageClient
from openlineage.client.event_v2 import JobEvent, RunEvent

from meshgov.catalog.tail import CatalogTail
from meshgov.kafka.clients import KafkaClients
from meshgov.kafka.progress import DeliveryError, ProgressFollower
from meshgov.kafka.topics import OUTPUTS, SLA_BREACHES
from meshgov.lineage.events import breach_events, job_event, output_events
from meshgov.models.descriptor import DataProduct
from meshgov.models.events import CatalogEntry, Event, OutputPublished, SlaBreach
from meshgov.models.loading import DescriptorError, parse_descriptor
from meshgov.settings import Settings

log = logging.getLogger("meshgov.lineage")

NAME = "lineage"


def lineage_client(settings: Settings) -> OpenLineageClient:
    if settings.openlineage_config is not None:
        config = yaml.safe_load(settings.openlineage_config.read_text(encoding="utf-8"))
        return OpenLineageClient(config=config)
    return OpenLineageClient()  # its own discovery: OPENLINEAGE_URL, OPENLINEAGE_CONFIG


class _JobsHeldBackError(Exception):
    """A job event was not taken; the rest are not tried before the backoff passed."""


class Catalog:
    """The accepted products, parsed once per catalog update."""

    def __init__(self) -> None:
        self.products: dict[str, DataProduct] = {}

    def put(self, entry: CatalogEntry) -> bool:
        """True if what lineage says of the product changed."""
        try:
            product = parse_descriptor(entry.descriptor, entry.product).data_product
        except DescriptorError:
            return False
        before = self.products.get(entry.product)
        self.products[entry.product] = product
        return before is None or before.model_dump() != product.model_dump()

    def remove(self, name: str) -> None:
        self.products.pop(name, None)

    def downstream(self, name: str) -> list[DataProduct]:
        return [p for p in self.products.values() if any(i.product == name for i in p.input_ports)]


class LineageEmitter:
    def __init__(
        self, settings: Settings, clients: KafkaClients, client: OpenLineageClient
    ) -> None:
        self.settings = settings
        self.clients = clients
        self.client = client
        self.catalog = Catalog()
        self.emitted: list[JobEvent | RunEvent] = []  # the last few, for `status`
        self.tail = CatalogTail(settings, clients)
        self._pending_jobs: set[str] = set()  # jobs the receiver has not taken yet
        self._jobs_due = 0.0
        self._jobs_backoff = 1.0
        self.follower = ProgressFollower(
            clients,
            NAME,
            settings.group(NAME),
            [settings.topic(OUTPUTS), settings.topic(SLA_BREACHES)],
            self._deliver_run,
            between_polls=self._follow_catalog,
        )

    def run(self, stop: threading.Event) -> None:
        self.tail.start()
        try:
            self._follow_catalog(until_caught_up=True)
            log.info("Ready: lineage of %d products", len(self.catalog.products))
            self.follower.run(stop)
        finally:
            self.tail.close()

    # -- the catalog: jobs ----------------------------------------------------------------

    def _follow_catalog(self, until_caught_up: bool = False) -> None:
        changed: set[str] = set()
        for change in self.tail.poll(until_caught_up):
            if isinstance(change, str):
                self.catalog.remove(change)
            elif self.catalog.put(change):
                changed.add(change.product)
                changed.update(p.name for p in self.catalog.downstream(change.product))
        if self._pending_jobs and time.monotonic() >= self._jobs_due:
            changed |= self._pending_jobs
        for index, name in enumerate(sorted(changed)):
            try:
                self._emit_job(name)
            except _JobsHeldBackError:  # the receiver is away: the rest wait with it
                self._pending_jobs.update(sorted(changed)[index:])
                return

    def _emit_job(self, name: str) -> None:
        product = self.catalog.products.get(name)
        if product is None:
            self._pending_jobs.discard(name)
            return
        event = job_event(
            product,
            self.catalog.products,
            self.settings.openlineage_namespace,
            self.settings.bootstrap,
            datetime.now(UTC),
        )
        try:
            self._emit(event)
        except DeliveryError as error:  # tried again, with backoff, between the runs
            log.warning("lineage: the job of %s was not emitted: %s", name, error)
            self._pending_jobs.add(name)
            self._jobs_due = time.monotonic() + self._jobs_backoff
            self._jobs_backoff = min(self._jobs_backoff * 2, 60.0)
            raise _JobsHeldBackError from None
        self._pending_jobs.discard(name)
        self._jobs_backoff = 1.0

    # -- runs and breaches, in the lineage group ------------------------------------------

    def _deliver_run(self, event: Event) -> None:
        product = self.catalog.products.get(getattr(event, "product", ""))
        if product is None:
            return  # not an accepted product: no lineage
        events: list[RunEvent] = []
        namespace, bootstrap = self.settings.openlineage_namespace, self.settings.bootstrap
        try:
            if isinstance(event, OutputPublished):
                events = output_events(event, product, namespace, bootstrap)
            elif isinstance(event, SlaBreach):
                events = breach_events(event, product, namespace, bootstrap)
        except KeyError:
            return  # a port the accepted version does not have
        for run_event in events:
            self._emit(run_event)

    def _emit(self, event: JobEvent | RunEvent) -> None:
        try:
            self.client.emit(event)
        except Exception as error:
            raise DeliveryError(f"OpenLineage: {error}", transient=_transient(error)) from error
        self.emitted = [*self.emitted[-99:], event]


def _transient(error: BaseException) -> bool:
    """A refusal of the event itself (4xx but 408 and 429) is permanent; the rest passes."""
    response: Any = getattr(error, "response", None)
    status = getattr(response, "status_code", None)
    return not (isinstance(status, int) and 400 <= status < 500 and status not in (408, 429))
