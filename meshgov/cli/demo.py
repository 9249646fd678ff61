"""`meshgov demo`: the mission's situation, played for real through Kafka in about a minute."""

from __future__ import annotations

import json
import signal
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import click

from meshgov.broker.local import free_port
from meshgov.cli.errors import reported_errors
from meshgov.cli.up import StatusDisplay, interrupt, registry_line
from meshgov.demo.player import Player
from meshgov.demo.scenario import PRODUCTS
from meshgov.demo.watch import MeshWatch, describe, summary, summary_table
from meshgov.kafka.clients import DeliveryError
from meshgov.mesh import LocalMesh, MeshOptions
from meshgov.models.policy import DomainPrincipal, Principals
from meshgov.settings import Settings


@click.command()
@click.option(
    "--bootstrap-servers",
    "bootstrap",
    help="[default: $KAFKA_BOOTSTRAP_SERVERS, else the local broker, started if needed]",
)
@click.option("--keep", is_flag=True, help="Keep the mesh running afterwards, until Ctrl-C.")
@click.option(
    "--summary-json",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write the summary, with every verdict and breach, as JSON here.",
)
@click.option("--no-registry", is_flag=True, help="Start no local Schema Registry.")
@click.option(
    "--secure",
    is_flag=True,
    help="On the secured local broker (SASL_SSL, ACLs): every component, team and reader "
    "as its own principal, with least privilege.",
)
def demo(
    bootstrap: str | None, keep: bool, summary_json: Path | None, no_registry: bool, secure: bool
) -> None:
    """Fifteen domain teams register data products and publish data; watch the mesh decide
    and catch missed deadlines, dropped rows and leaked PII, live."""
    prefix = f"demo-{uuid.uuid4().hex[:6]}."
    catalog_port, dashboard_port = (8081, 8080) if keep else (free_port(), free_port())
    display = StatusDisplay(interactive=False)
    with reported_errors():
        settings = Settings.load(bootstrap=bootstrap, topic_prefix=prefix)
    options = MeshOptions(
        settings,
        catalog_port,
        dashboard_port,
        log_dir=settings.log_dir / prefix.rstrip("."),
        registry=not no_registry,
        secure=secure,
        principals=demo_principals(prefix) if secure else Principals(),
        forget_principals=True,  # the demo's topics are its own, and so are its principals
    )
    signal.signal(signal.SIGTERM, interrupt)
    started = time.monotonic()
    with reported_errors(), LocalMesh(options, display.event) as mesh:
        assert mesh.settings is not None
        click.echo(f"meshgov demo: Kafka at {mesh.settings.bootstrap}, topics {prefix}*")
        click.echo(registry_line(mesh))
        if not mesh.wait_ready():
            raise click.ClickException("the mesh did not get ready within 180 s")
        click.echo(f"mesh ready in {time.monotonic() - started:.0f} s\n")
        if mesh.settings.client_config_dir is not None:
            click.echo(
                f"every component, team and reader connects as its own principal, with "
                f"least privilege (their client properties: {mesh.settings.client_config_dir})"
            )
        watch = MeshWatch(
            mesh.settings_as(watch_principal(prefix)),
            lambda event: click.echo(f"  {describe(event)}"),
        )
        watch.start()
        player = Player(
            mesh.settings,
            watch,
            lambda text: click.echo(f"\n== {text}"),
            lambda team: mesh.settings_as(team_principal(prefix, team)),
        )
        try:
            player.play()
            watch.wait_for(_settled, timeout=15)
        except (TimeoutError, DeliveryError) as error:  # say what, not a traceback
            raise click.ClickException(str(error)) from None
        finally:
            player.close()
            watch.stop()
            del player  # its producer, before the broker stops
        result = summary(watch.seen)
        click.echo("")
        for line in summary_table(result):
            click.echo(line)
        click.echo(f"\ndemo finished in {time.monotonic() - started:.0f} s")
        if summary_json is not None:
            summary_json.write_text(json.dumps({"topic_prefix": prefix, **result}, indent=2))
        if keep:
            _keep(mesh, prefix)


def demo_principals(prefix: str) -> Principals:
    """The demo's own principals, named after its topic prefix so that no other mesh on the
    broker shares them: each component, each team (writing its own products' topics) and
    the watch, a consumer."""
    from meshgov.kafka.acls import DELIVERY_SERVICES
    from meshgov.processors.registry import PROCESSORS

    topics: dict[str, list[str]] = {}
    for product in PRODUCTS:
        owned = topics.setdefault(product.team, [])
        if product.streaming:
            owned.append(f"{prefix}{product.topic}")
    return Principals(
        processors={
            name: f"User:{prefix}meshgov-{name}" for name in [*PROCESSORS, *DELIVERY_SERVICES]
        },
        domains={
            team: DomainPrincipal(principal=team_principal(prefix, team), topics=owned)
            for team, owned in topics.items()
        },
        consumers=[watch_principal(prefix)],
        dashboard=f"User:{prefix}meshgov-dashboard",
        catalog=f"User:{prefix}meshgov-catalog-api",
        registry=f"User:{prefix}meshgov-registry",
    )


def team_principal(prefix: str, team: str) -> str:
    return f"User:{prefix}team-{team}"


def watch_principal(prefix: str) -> str:
    return f"User:{prefix}watch"


def _settled(seen: Any) -> bool:
    """Every breach the story causes has been reported."""
    from meshgov.demo.scenario import expected

    wanted = expected().breaches
    states = {
        (b.product, b.kind.value, b.rule if b.kind.value != "PII_LEAK" else b.field)
        for b in seen.breaches
    }
    return all(key in states for key in wanted) and len(seen.breaches) >= sum(
        len(v) for v in wanted.values()
    )


def _keep(mesh: LocalMesh, prefix: str) -> None:
    click.echo(
        f"\nThe mesh stays up (Ctrl-C stops it). Explore it with the other commands:\n"
        f"  export MESHGOV_TOPIC_PREFIX={prefix}\n"
        f"  meshgov catalog search; meshgov catalog lineage orders-events\n"
        f"  meshgov tail breaches --from-beginning\n"
        f"  the dashboard: {mesh.dashboard_url}\n"
        f"  curl {mesh.catalog_url}"
    )
    try:
        while True:
            mesh.step()
            time.sleep(0.5)
    except KeyboardInterrupt:
        click.echo("\nstopping...")
    sys.stdout.flush()
