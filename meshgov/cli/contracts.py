"""`meshgov export odcs PRODUCT` and `meshgov import odcs FILE`: a product's contract in the
Open Data Contract Standard, out of the catalog and into a meshgov descriptor."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from meshgov.catalog.reader import read_catalog
from meshgov.cli.errors import EXIT_ERROR, reported_errors
from meshgov.cli.options import mesh_settings
from meshgov.contracts.odcs_export import odcs_yaml
from meshgov.models.events import Severity
from meshgov.models.loading import DescriptorError, load_descriptor, parse_descriptor
from meshgov.models.writing import descriptor_yaml
from meshgov.settings import Settings


@click.group()
def export() -> None:
    """A product's accepted contract in another format."""


@export.command(name="odcs")
@click.argument("product")
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write it here [default: standard output].",
)
@mesh_settings()
def export_odcs(product: str, output: Path | None, settings: Settings) -> None:
    """The accepted contract of PRODUCT (from the catalog) as ODCS v3 YAML."""
    with reported_errors():
        entry = read_catalog(settings).get(product)
    if entry is None:
        raise click.ClickException(f"no product named {product!r} in the catalog")
    accepted = parse_descriptor(entry.descriptor, product).data_product
    text = odcs_yaml(accepted, settings.bootstrap)
    if output is None:
        click.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
        click.echo(f"wrote {output}")


def import_odcs(file: Path, output: Path | None) -> None:
    """An ODCS v3 contract FILE as a meshgov descriptor; what it could not map is listed."""
    try:
        product = load_descriptor(file).data_product
    except DescriptorError as error:
        click.secho(f"error: {error}", fg="red", err=True)
        sys.exit(EXIT_ERROR)
    origin = product.contract_origin
    if origin is None:
        click.secho(
            f"error: {file} is not an ODCS v3 contract (apiVersion: v3.x, kind: DataContract)",
            fg="red",
            err=True,
        )
        sys.exit(EXIT_ERROR)
    for note in origin.notes:
        level = "warning" if note.severity is Severity.WARNING else "note"
        click.echo(f"{level}: {note.path}: {note.message}", err=True)
    text = descriptor_yaml(product)
    if output is None:
        click.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
        click.echo(f"wrote {output}", err=True)
