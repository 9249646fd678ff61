"""`meshgov check product.yaml`: every registration-time check, offline, for CI gates."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from meshgov.checks.offline import check_offline
from meshgov.cli.register import EXIT_REJECTED, exit_code, print_verdict
from meshgov.client.registration import build_registration
from meshgov.models.loading import DescriptorError
from meshgov.models.policy import load_policy
from meshgov.settings import Settings


@click.command()
@click.argument("descriptor", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--previous",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="An accepted earlier descriptor of the product (repeat, oldest first).",
)
@click.option(
    "--policy",
    type=click.Path(exists=True, dir_okay=False),
    default=None,
    help="Global policy file [default: $MESHGOV_POLICY].",
)
@click.option("--as", "submitted_by", help="Who submits [default: user@host].")
@click.option("--json", "as_json", is_flag=True, help="Print the verdict as JSON.")
def check(
    descriptor: Path,
    previous: tuple[Path, ...],
    policy: str | None,
    submitted_by: str | None,
    as_json: bool,
) -> None:
    """Run every registration-time check on DESCRIPTOR as the platform would. Exit 0
    accepted or scheduled, 1 rejected, 2 on error or when a required check is not one
    `meshgov check` runs (undecided)."""
    try:
        settings = Settings.load(policy_path=policy)
        rules = load_policy(settings.policy_path)
        registration = build_registration(descriptor, submitted_by)
        verdict = check_offline(
            registration,
            [p.read_text(encoding="utf-8") for p in previous],
            rules,
            settings.required_checks,
        )
    except DescriptorError as error:
        click.secho(str(error), fg="red", err=True)
        sys.exit(EXIT_REJECTED)
    except (OSError, ValueError) as error:
        click.secho(f"error: {error}", fg="red", err=True)
        sys.exit(2)
    if as_json:
        click.echo(verdict.model_dump_json(indent=2))
    else:
        print_verdict(verdict)
    sys.exit(exit_code(verdict))
