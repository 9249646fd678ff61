"""`meshgov registry fetch|start|stop|status`: a local Confluent-compatible Schema Registry."""

from __future__ import annotations

import time
from pathlib import Path

import click

from meshgov.cli.errors import reported_errors
from meshgov.cli.options import mesh_settings
from meshgov.kafka.cluster import resolve
from meshgov.registry import (
    APICURIO_VERSION,
    LocalRegistry,
    RegistryError,
    ensure_registry_distribution,
    find_registry_java,
)
from meshgov.registry.local import STORAGES, Storage
from meshgov.settings import Settings

_data_dir = click.option(
    "--data-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Where the registry keeps its state file (and log) [default: $MESHGOV_HOME/registry, "
    "log in $MESHGOV_HOME/logs].",
)


def _registry(
    settings: Settings,
    data_dir: Path | None,
    port: int = 0,
    management_port: int = 0,
    storage: Storage = "memory",
    heap: str = "512m",
) -> LocalRegistry:
    return LocalRegistry(
        data_dir or settings.home / "registry",
        settings.cache,
        port,
        management_port,
        storage,
        bootstrap=settings.bootstrap or None,
        topic_prefix=settings.topic_prefix,
        heap=heap,
        java_home=settings.java_home,
        log_file=None if data_dir else settings.log_dir / "schema-registry.log",
    )


@click.group()
def registry() -> None:
    """Run a local Schema Registry (Apicurio Registry, Confluent-compatible API) from Maven
    Central's distribution."""


@registry.command()
@_data_dir
@click.option("--port", default=8085, show_default=True, help="HTTP port on 127.0.0.1 (0: free).")
@click.option(
    "--management-port",
    default=0,
    show_default=True,
    help="Health and metrics port on 127.0.0.1 (0: a free one).",
)
@click.option(
    "--storage",
    type=click.Choice(STORAGES),
    default="memory",
    show_default=True,
    help="memory: schemas are lost on stop; kafkasql: kept in topics of the mesh's Kafka.",
)
@click.option("--heap", default="512m", show_default=True, help="JVM heap size.")
@click.option("--timeout", default=90.0, show_default=True, help="Seconds to wait for readiness.")
@mesh_settings(resolve_cluster=False)
def start(
    settings: Settings,
    data_dir: Path | None,
    port: int,
    management_port: int,
    storage: Storage,
    heap: str,
    timeout: float,
) -> None:
    """Start the registry (fetching it on first use), wait until it is ready, print its URL."""
    with reported_errors():
        if storage == "kafkasql":
            settings = resolve(settings)
            protocol = settings.kafka_properties().get("security.protocol", "PLAINTEXT")
            if protocol.upper() != "PLAINTEXT":
                raise RegistryError(
                    f"the local registry's kafkasql storage cannot reach a {protocol} cluster "
                    f"yet (its Java clients get no client properties): use --storage memory "
                    f"or a registry of your own (MESHGOV_SCHEMA_REGISTRY_URL)"
                )
        node = _registry(settings, data_dir, port, management_port, storage, heap)
        already = node.status().running
        began = time.monotonic()
        status = node.start(timeout=timeout)
    state = "already running" if already else f"started in {time.monotonic() - began:.1f}s"
    where = "in memory" if status.storage == "memory" else f"kafkasql on {status.bootstrap}"
    click.echo(
        f"Apicurio Registry {APICURIO_VERSION} {state} (pid {status.pid}), storage {where}, "
        f"log in {status.log_file}"
    )
    click.echo(f"schema registry URL: {status.url}")


@registry.command()
@_data_dir
def stop(data_dir: Path | None) -> None:
    """Stop the registry gracefully."""
    with reported_errors():
        stopped = _registry(Settings.load(), data_dir).stop()
    click.echo("registry stopped" if stopped else "registry was not running")


@registry.command()
@_data_dir
def status(data_dir: Path | None) -> None:
    """Say whether the registry runs and where; exit 1 when it does not."""
    current = _registry(Settings.load(), data_dir).status()
    if current.running:
        where = "in memory" if current.storage == "memory" else f"kafkasql on {current.bootstrap}"
        click.echo(f"running (pid {current.pid}) at {current.url}, storage {where}")
    else:
        click.echo(f"not running (data in {current.data_dir})")
        raise SystemExit(1)


@registry.command()
def fetch() -> None:
    """Fetch Apicurio Registry from Maven Central into the cache and find the Java 21+ it
    runs on, without starting anything."""
    settings = Settings.load()
    with reported_errors():
        app = ensure_registry_distribution(settings.cache)
        click.echo(f"Apicurio Registry {APICURIO_VERSION} in {app}")
        try:
            java = find_registry_java(settings.java_home)
        except RegistryError as error:
            raise RegistryError(f"fetched, but it cannot run: {error}") from None
    click.echo(f"runs on {java}")
