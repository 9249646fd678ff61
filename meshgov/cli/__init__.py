"""The `meshgov` command."""

from __future__ import annotations

import sys
import traceback

import click

from meshgov import __version__
from meshgov.cli.acls import acls
from meshgov.cli.alerts import alerts
from meshgov.cli.broker import broker
from meshgov.cli.catalog import catalog
from meshgov.cli.check import check
from meshgov.cli.compat import compat
from meshgov.cli.contracts import export
from meshgov.cli.demo import demo
from meshgov.cli.imports import import_
from meshgov.cli.keys import keys
from meshgov.cli.lineage import lineage
from meshgov.cli.output import output
from meshgov.cli.register import register
from meshgov.cli.registry import registry
from meshgov.cli.run import run
from meshgov.cli.scan import scan
from meshgov.cli.tail import tail
from meshgov.cli.topics import topics
from meshgov.cli.up import up
from meshgov.settings import Settings


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="meshgov")
def cli() -> None:
    """meshgov: data product contracts, enforced on Apache Kafka."""


cli.add_command(acls)
cli.add_command(alerts)
cli.add_command(broker)
cli.add_command(catalog)
cli.add_command(check)
cli.add_command(compat)
cli.add_command(demo)
cli.add_command(export)
cli.add_command(import_)
cli.add_command(keys)
cli.add_command(lineage)
cli.add_command(output)
cli.add_command(register)
cli.add_command(registry)
cli.add_command(run)
cli.add_command(scan)
cli.add_command(tail)
cli.add_command(topics)
cli.add_command(up)


EXIT_CRASH = 3


def main() -> None:
    """Exit codes a CI gate can trust: 0 and 1 are results (accepted/compatible/clean,
    rejected/incompatible/PII found), 2 bad input or no answer, 3 an internal failure,
    told in one line (the traceback with MESHGOV_DEBUG=1)."""
    try:
        sys.exit(cli.main(standalone_mode=True))
    except Exception as error:  # noqa: BLE001 - what no command made a result or usage error
        if Settings.load().debug:
            traceback.print_exc()
        click.secho(f"internal error: {type(error).__name__}: {error}"[:2000], fg="red", err=True)
        sys.exit(EXIT_CRASH)
