"""`meshgov alerts run`: breaches and notices to the receivers of the policy file."""

from __future__ import annotations

import sys

import click

from meshgov.cli.errors import EXIT_ERROR
from meshgov.cli.options import mesh_settings
from meshgov.cli.service import run_service
from meshgov.kafka.clients import KafkaClients
from meshgov.models.policy import load_policy
from meshgov.settings import Settings


@click.group()
def alerts() -> None:
    """Breaches and notices routed to people."""


@alerts.command(name="run")
@mesh_settings()
@click.option("--policy", help="Global policy file [default: $MESHGOV_POLICY].")
def run_alerts(settings: Settings, policy: str | None) -> None:
    """Send every breach, and every breaking change scheduled upstream of a product, to the
    receivers the policy file's `alerts` routes name, until stopped."""
    from meshgov.alerts.router import AlertRouter

    routing = load_policy(policy or settings.policy_path).alerts
    if not routing.routes:
        click.secho("error: the policy file routes no alerts (alerts.routes)", fg="red", err=True)
        sys.exit(EXIT_ERROR)
    router = AlertRouter(settings, KafkaClients(settings), routing)
    run_service(settings, router.run)
