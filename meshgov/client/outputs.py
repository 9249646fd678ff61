"""Announcing a batch output, for producers without Kafka code of their own."""

from __future__ import annotations

import getpass
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime

from meshgov.kafka.clients import DeliveryError, EventPublisher, KafkaClients
from meshgov.kafka.cluster import resolve
from meshgov.kafka.topics import OUTPUTS
from meshgov.models import ids
from meshgov.models.events import ColumnStats, OutputPublished
from meshgov.settings import Settings


def output_event(
    product: str,
    port: str,
    run_id: str,
    row_count: int,
    *,
    source_row_count: int | None = None,
    scheduled_for: datetime | None = None,
    interval_start: datetime | None = None,
    interval_end: datetime | None = None,
    columns: Sequence[ColumnStats] = (),
    sample: Sequence[Mapping[str, str | None]] = (),
    published_by: str | None = None,
    published_at: datetime | None = None,
) -> OutputPublished:
    """The OutputPublished announcing one output of `port`, with a deterministic id."""
    return OutputPublished(
        output_id=ids.output_id(product, port, run_id),
        product=product,
        port=port,
        run_id=run_id,
        scheduled_for=scheduled_for,
        interval_start=interval_start,
        interval_end=interval_end,
        published_at=published_at or datetime.now(UTC),
        row_count=row_count,
        source_row_count=source_row_count,
        columns=list(columns),
        sample=[dict(row) for row in sample],
        published_by=published_by or getpass.getuser(),
    )


def publish_output(
    product: str,
    port: str,
    run_id: str,
    row_count: int,
    settings: Settings | None = None,
    *,
    source_row_count: int | None = None,
    scheduled_for: datetime | None = None,
    interval_start: datetime | None = None,
    interval_end: datetime | None = None,
    columns: Sequence[ColumnStats] = (),
    sample: Sequence[Mapping[str, str | None]] = (),
    published_by: str | None = None,
    published_at: datetime | None = None,
) -> OutputPublished:
    """Publish an OutputPublished event to mesh.outputs and return it."""
    settings = resolve(settings or Settings.load())
    output = output_event(
        product,
        port,
        run_id,
        row_count,
        source_row_count=source_row_count,
        scheduled_for=scheduled_for,
        interval_start=interval_start,
        interval_end=interval_end,
        columns=columns,
        sample=sample,
        published_by=published_by,
        published_at=published_at,
    )
    try:
        EventPublisher(KafkaClients(settings)).publish(OUTPUTS, output)
    except DeliveryError as error:
        raise ConnectionError(f"could not publish the output: {error}") from None
    return output
