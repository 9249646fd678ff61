"""`meshgov broker start|stop|status`: the local Kafka node."""

from __future__ import annotations

import time
from pathlib import Path

import click

from meshgov.broker import KAFKA_VERSION, LocalBroker, ensure_kafka_jars
from meshgov.broker.cluster import LocalCluster
from meshgov.broker.security import OAuthValidation
from meshgov.cli.errors import reported_errors
from meshgov.settings import Settings


def _broker(
    data_dir: Path | None,
    port: int,
    controller_port: int,
    secure: bool = False,
    tls_port: int | None = None,
    oauth: OAuthValidation | None = None,
) -> LocalBroker:
    settings = Settings.load()
    return LocalBroker(
        data_dir or settings.home / ("kafka-secure" if secure else "kafka"),
        settings.cache,
        port,
        controller_port,
        java_home=settings.java_home,
        secure=secure,
        tls_port=tls_port,
        oauth=oauth,
    )


_secure = click.option(
    "--secure",
    is_flag=True,
    help="SASL_SSL (SCRAM-SHA-512) with TLS certificates for loopback and ACLs enforced; "
    "data in $MESHGOV_HOME/kafka-secure.",
)


def _cluster(data_dir: Path | None, nodes: int, port: int, heap: str) -> LocalCluster:
    settings = Settings.load()
    ports = [(port + 2 * i, port + 2 * i + 1) for i in range(nodes)]
    return LocalCluster(
        data_dir or settings.home / "kafka-cluster",
        settings.cache,
        ports,
        heap=heap,
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
@click.option(
    "--nodes",
    default=1,
    show_default=True,
    type=click.IntRange(1, 9),
    help="Nodes of one KRaft quorum (3: replication factor 3, min.insync.replicas 2); node i "
    "listens on --port + 2(i-1), its controller on the port after.",
)
@_secure
@click.option(
    "--tls-port",
    type=int,
    help="With --secure, also a listener on this port where clients authenticate by a client "
    "certificate of meshgov's CA alone (mutual TLS; CN=name is User:name).",
)
@click.option(
    "--oauth-jwks",
    help="With --secure, also take OAUTHBEARER tokens signed by a key of this JWKS (an https "
    "or file URL); the token's sub is the principal. Needs --oauth-issuer and --oauth-audience.",
)
@click.option("--oauth-issuer", help="The identity provider's iss claim.")
@click.option("--oauth-audience", help="The aud claim the broker's tokens must carry.")
def start(
    data_dir: Path | None,
    port: int,
    controller_port: int,
    heap: str,
    timeout: float,
    nodes: int,
    secure: bool,
    tls_port: int | None,
    oauth_jwks: str | None,
    oauth_issuer: str | None,
    oauth_audience: str | None,
) -> None:
    """Start the broker (fetching Kafka on first use) and wait until it answers."""
    oauth = None
    given = [oauth_jwks, oauth_issuer, oauth_audience]
    if any(given):
        if not all(given) or not secure:
            raise click.BadParameter(
                "OAUTHBEARER needs --secure, --oauth-jwks, --oauth-issuer and --oauth-audience",
                param_hint="--oauth-jwks",
            )
        oauth = OAuthValidation(str(oauth_jwks), str(oauth_issuer), str(oauth_audience))
    if nodes > 1 and secure:
        raise click.BadParameter("--secure runs one node", param_hint="--nodes")
    if tls_port is not None and not secure:
        raise click.BadParameter("a TLS port needs --secure", param_hint="--tls-port")
    if nodes > 1:
        cluster = _cluster(data_dir, nodes, port, "384m" if heap == "512m" else heap)
        with reported_errors():
            began = time.monotonic()
            cluster.start(timeout=timeout)
        click.echo(
            f"Kafka {KAFKA_VERSION}: {nodes} nodes ready in {time.monotonic() - began:.1f}s, "
            f"data in {cluster.data_dir}"
        )
        click.echo(f"bootstrap servers: {cluster.bootstrap}")
        return
    node = _broker(data_dir, port, controller_port, secure, tls_port, oauth)
    node.heap = heap
    with reported_errors():
        already = node.status().running
        began = time.monotonic()
        status = node.start(timeout=timeout)
    state = "already running" if already else f"started in {time.monotonic() - began:.1f}s"
    click.echo(f"Kafka {KAFKA_VERSION} {state} (pid {status.pid}), data in {status.data_dir}")
    click.echo(f"bootstrap servers: {status.bootstrap}")
    if node.security is not None:
        click.echo(
            f"SASL_SSL; the super user's client properties (administration only): "
            f"MESHGOV_CLIENT_CONFIG={node.security.client_properties_file}"
        )
    if already:  # what it listens on was settled at its start
        return
    if oauth is not None:
        click.echo(
            f"OAUTHBEARER tokens of {oauth.issuer} for {oauth.audience} on {status.bootstrap}"
        )
    if node.tls_bootstrap is not None:
        click.echo(f"mutual TLS (client certificates of meshgov's CA): {node.tls_bootstrap}")


@broker.command()
@_data_dir
@_secure
def stop(data_dir: Path | None, secure: bool) -> None:
    """Stop the broker, and the nodes of a cluster started with --nodes, gracefully; the
    data stays for the next start."""
    settings = Settings.load()
    clusters = [data_dir] if data_dir is not None else [settings.home / "kafka-cluster"]
    with reported_errors():
        stopped = any(
            LocalCluster(d, settings.cache).stop() for d in clusters if LocalCluster.exists(d)
        )
        if data_dir is None or not LocalCluster.exists(data_dir):
            stopped = _broker(data_dir, 9092, 9093, secure).stop() or stopped
    click.echo("broker stopped" if stopped else "broker was not running")


@broker.command()
@_data_dir
@_secure
def status(data_dir: Path | None, secure: bool) -> None:
    """Say whether the broker runs and where; exit 1 when it does not."""
    current = _broker(data_dir, 9092, 9093, secure).status()
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
