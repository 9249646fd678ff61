"""`meshgov register product.yaml`: publish a registration and wait for its verdict."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from meshgov.cli.errors import EXIT_ERROR, reported_errors
from meshgov.cli.options import mesh_settings
from meshgov.client.registration import (
    RegistrationTimeoutError,
    build_registration,
    publish,
    register_data_product,
)
from meshgov.models.events import ACCEPTED_DECISIONS, Decision, Severity, Verdict
from meshgov.models.loading import DescriptorError
from meshgov.settings import Settings
from meshgov.signing import SigningKey, sign

EXIT_REJECTED = 1


def exit_code(verdict: Verdict) -> int:
    """0 accepted or scheduled, 1 rejected, 2 undecided (a required check did not answer)."""
    if verdict.decision in ACCEPTED_DECISIONS:
        return 0
    return EXIT_REJECTED if verdict.decision is Decision.REJECTED else EXIT_ERROR


_COLOURS = {
    Decision.ACCEPTED: "green",
    Decision.ACCEPTED_WITH_WARNINGS: "yellow",
    Decision.SCHEDULED: "cyan",
    Decision.REJECTED: "red",
    Decision.UNDECIDED: "magenta",
}


def print_verdict(verdict: Verdict) -> None:
    effective = f" (effective {verdict.effective_at:%Y-%m-%d})" if verdict.effective_at else ""
    click.secho(
        f"{verdict.product} {verdict.version}: {verdict.decision.value}{effective}",
        fg=_COLOURS[verdict.decision],
        bold=True,
    )
    click.echo(f"decided in {verdict.latency_ms} ms, registration {verdict.registration_id}")
    for outcome in verdict.checks:
        click.echo(f"  {outcome.check}: {outcome.status.value}")
        for finding in outcome.findings:
            marker = {Severity.ERROR: "x", Severity.WARNING: "!", Severity.INFO: "-"}[
                finding.severity
            ]
            where = f" [{finding.path}]" if finding.path else ""
            click.echo(f"    {marker} {finding.code}{where}: {finding.message}")


@click.command()
@click.argument("descriptor", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@mesh_settings()
@click.option("--as", "submitted_by", help="Who submits [default: user@host].")
@click.option("--timeout", default=60.0, show_default=True, help="Seconds to wait for the verdict.")
@click.option("--no-wait", is_flag=True, help="Publish and return at once.")
@click.option(
    "--sign",
    "key_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Sign with this private key (meshgov keys new); its key id is the file name before "
    ".private.pem.",
)
def register(
    descriptor: Path,
    settings: Settings,
    submitted_by: str | None,
    timeout: float,
    no_wait: bool,
    key_path: Path | None,
) -> None:
    """Register DESCRIPTOR and print its verdict. Exit 0 accepted or scheduled, 1 rejected,
    2 on error or no verdict in time."""
    try:
        key = SigningKey.load(key_path) if key_path is not None else None
    except ValueError as error:
        click.secho(f"error: {error}", fg="red", err=True)
        sys.exit(EXIT_ERROR)
    try:
        with reported_errors():
            if no_wait:
                registration = build_registration(descriptor, submitted_by)
                if key is not None:
                    registration = sign(registration, key)
                publish(settings, registration)
                click.echo(f"published registration {registration.registration_id}")
                return
            verdict = register_data_product(descriptor, settings, submitted_by, timeout, key)
    except DescriptorError as error:
        click.secho(str(error), fg="red", err=True)
        sys.exit(EXIT_REJECTED)
    except (RegistrationTimeoutError, ConnectionError) as error:
        click.secho(f"error: {error}", fg="red", err=True)
        sys.exit(EXIT_ERROR)
    print_verdict(verdict)
    sys.exit(exit_code(verdict))
