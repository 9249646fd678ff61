"""Turning expected failures into one readable line and an exit code."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import click
from confluent_kafka import KafkaException

from meshgov.broker.errors import BrokerError
from meshgov.codec.errors import RegistryUnavailableError
from meshgov.kafka.cluster import NoClusterError
from meshgov.registry.errors import RegistryError

EXIT_ERROR = 2


@contextmanager
def reported_errors() -> Iterator[None]:
    """Print known failures as `error: ...` and exit 2, without a stack trace."""
    try:
        yield
    except (
        BrokerError,
        NoClusterError,
        RegistryError,
        RegistryUnavailableError,
        KafkaException,
    ) as exc:
        click.secho(f"error: {exc}", fg="red", err=True)
        raise SystemExit(EXIT_ERROR) from None


def echo_table(rows: Sequence[Sequence[str]]) -> None:
    """Print rows as aligned columns; the first row is the header."""
    if not rows:
        return
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        line = "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True))
        click.echo(line.rstrip())
