"""`meshgov up`: the whole mesh on this machine until Ctrl-C."""

from __future__ import annotations

import signal
import sys
import threading
import time
from collections.abc import Sequence
from datetime import datetime
from types import FrameType

import click

from meshgov.cli.errors import reported_errors
from meshgov.cli.options import mesh_settings
from meshgov.mesh import LocalMesh, MeshOptions
from meshgov.settings import Settings
from meshgov.supervisor import Child


class StatusDisplay:
    """One line per component, redrawn in place on a terminal; elsewhere (a log, CI) one
    line per change."""

    def __init__(self, interactive: bool) -> None:
        self.interactive = interactive
        self.drawn = 0

    def event(self, child: Child, what: str) -> None:
        if not self.interactive or what.startswith("exited"):
            stamp = datetime.now().strftime("%H:%M:%S")
            self._clear()
            click.echo(f"{stamp} {child.component.name}: {what}")
            if what.startswith("exited"):
                for line in child.log_tail(8).splitlines():
                    click.echo(f"    {line}")

    def _clear(self) -> None:
        if self.interactive and self.drawn:
            click.echo(f"\x1b[{self.drawn}F\x1b[J", nl=False)
            self.drawn = 0

    def render(self, children: Sequence[Child]) -> None:
        if not self.interactive:
            return
        self._clear()
        for child in children:
            lag = "" if child.lag is None else f"  lag {child.lag}"
            pid = f"pid {child.pid}" if child.pid else "-"
            restarts = f"  restarts {child.starts - 1}" if child.starts > 1 else ""
            click.echo(
                f"  {child.component.name:<14} {child.state.value:<9} {pid:<11}{lag}{restarts}"
            )
        self.drawn = len(children)


def registry_line(mesh: LocalMesh) -> str:
    assert mesh.settings is not None
    if mesh.settings.schema_registry_url:
        local = " (local Apicurio Registry, schemas in Kafka)" if mesh.registry else ""
        return f"Schema Registry at {mesh.settings.schema_registry_url}{local}"
    return mesh.registry_note or "no Schema Registry: subjects go ungoverned"


STOPPING = threading.Event()


def interrupt(signum: int, frame: FrameType | None) -> None:
    """SIGTERM and Ctrl-C: the same clean stop. The flag too, since an interrupt raised in
    a librdkafka call (the lag probe's) comes out as a SystemError, which would lose it."""
    STOPPING.set()
    raise KeyboardInterrupt


@click.command()
@mesh_settings(resolve_cluster=False)
@click.option("--catalog-port", default=8081, show_default=True)
@click.option("--dashboard-port", default=8080, show_default=True)
@click.option(
    "--no-registry",
    is_flag=True,
    help="Start no local Schema Registry when none is configured (subjects go ungoverned).",
)
@click.option(
    "--secure",
    is_flag=True,
    help="On the secured local broker (SASL_SSL, ACLs): every component, and every principal "
    "the policy names, as its own SCRAM user with least-privilege ACLs.",
)
def up(
    settings: Settings, catalog_port: int, dashboard_port: int, no_registry: bool, secure: bool
) -> None:
    """Run the whole mesh here until interrupted: broker (the local one, started if needed,
    unless a cluster is configured), Schema Registry (likewise), topics, every processor and
    the catalog API. Crashed processors are restarted; Ctrl-C stops everything cleanly."""
    display = StatusDisplay(sys.stdout.isatty())
    options = MeshOptions(
        settings, catalog_port, dashboard_port, registry=not no_registry, secure=secure
    )
    signal.signal(signal.SIGTERM, interrupt)
    signal.signal(signal.SIGINT, interrupt)
    with reported_errors(), LocalMesh(options, display.event) as mesh:
        assert mesh.settings is not None
        click.echo(
            f"meshgov up: Kafka at {mesh.settings.bootstrap}"
            f"{' (local broker)' if mesh.broker else ''}; catalog API {mesh.catalog_url}"
        )
        click.echo(registry_line(mesh))
        if mesh.settings.client_config_dir is not None:
            click.echo(
                f"each component connects as its own principal; the principals' client "
                f"properties: {mesh.settings.client_config_dir}"
            )
        if "up" in mesh.metrics_urls:
            click.echo(f"Prometheus metrics: {mesh.metrics_urls['up']} (each component's: up.json)")
        click.echo("Ctrl-C stops everything.")
        try:
            announced = False
            while not STOPPING.is_set():
                mesh.step()
                assert mesh.supervisor is not None
                display.render(mesh.supervisor.children)
                if not announced and mesh.ready():
                    announced = True
                    if not display.interactive:
                        click.echo("all components ready")
                time.sleep(0.5)
        except KeyboardInterrupt:
            pass
        click.echo("\nstopping: committing offsets and closing...")
    click.echo("stopped.")
