"""`meshgov alerts run`: breaches and notices to the receivers of the policy file."""

from __future__ import annotations

import logging
import signal
import sys
import threading
from typing import Any

import click

from meshgov.cli.errors import EXIT_ERROR, reported_errors
from meshgov.cli.options import mesh_settings
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

    logging.basicConfig(level="INFO", format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    routing = load_policy(policy or settings.policy_path).alerts
    if not routing.routes:
        click.secho("error: the policy file routes no alerts (alerts.routes)", fg="red", err=True)
        sys.exit(EXIT_ERROR)
    stop = threading.Event()

    def stopped(*_: Any) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, stopped)
    signal.signal(signal.SIGINT, stopped)
    from meshgov.metrics import serve_if_configured

    serve_if_configured(settings)
    with reported_errors():
        AlertRouter(settings, KafkaClients(settings), routing).run(stop)
