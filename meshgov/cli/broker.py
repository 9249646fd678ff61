"""`meshgov broker start|stop|status`: the local Kafka node."""

from __future__ import annotations

import time
from pathlib import Path

import click

from meshgov.broker import KAFKA_VERSION, LocalBroker, ensure_kafka_jars
from meshgov.cli.errors import reported_errors
from meshgov.settings import Settings


def _broker(data_dir: Path | None, port: int, controller_port: int) -> LocalBroker:
    settings = Settings.load()
    return LocalBroker(
        data_dir or settings.home / "kafka",
        settings.cache,
        port,
        controller_port,
        java_home=settings.java_home,
    )


_data_dir = click.option(
    "--data-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Where the broker keeps its data [default: $MESHGOV_HOME/kafka].",
)


@click.group()
def broker() -> None:
    """Run a local Apache Kafka broker (KRaft, single node) from Maven Central's jars."""


@broker.command()
@_data_dir
@click.option("--port", default=9092, show_default=True, help="Client port on 127.0.0.1.")
@click.option("--controller-port", default=9093, show_default=True)
@click.option("--heap", default="512m", show_default=True, help="JVM heap size.")
@click.option("--timeout", default=90.0, show_default=True, help="Seconds to wait for readiness.")
def start(
    data_dir: Path | None, port: int, controller_port: int, heap: str, timeout: float
) -> None:
    """Start the broker (fetching Kafka on first use) and wait until it answers."""
    node = _broker(data_dir, port, controller_port)
    node.heap = heap
    with reported_errors():
        already = node.status().running
        began = time.monotonic()
        status = node.start(timeout=timeout)
    state = "already running" if already else f"started in {time.monotonic() - began:.1f}s"
    click.echo(f"Kafka {KAFKA_VERSION} {state} (pid {status.pid}), data in {status.data_dir}")
    click.echo(f"bootstrap servers: {status.bootstrap}")


@broker.command()
@_data_dir
def stop(data_dir: Path | None) -> None:
    """Stop the broker gracefully; its data stays for the next start."""
    node = _broker(data_dir, 9092, 9093)
    with reported_errors():
        stopped = node.stop()
    click.echo("broker stopped" if stopped else "broker was not running")


@broker.command()
@_data_dir
def status(data_dir: Path | None) -> None:
    """Say whether the broker runs and where; exit 1 when it does not."""
    current = _broker(data_dir, 9092, 9093).status()
    if current.running:
        click.echo(
            f"running (pid {current.pid}) at {current.bootstrap}, data in {current.data_dir}"
        )
    else:
        click.echo(f"not running (data in {current.data_dir})")
        raise SystemExit(1)


@broker.command()
def fetch() -> None:
    """Fetch Kafka's jars from Maven Central into the cache, without starting anything."""
    with reported_errors():
        libs = ensure_kafka_jars(Settings.load().cache)
    click.echo(f"Kafka {KAFKA_VERSION}: {sum(1 for _ in libs.glob('*.jar'))} jars in {libs}")
