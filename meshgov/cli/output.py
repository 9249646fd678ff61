"""`meshgov output PRODUCT`: announce a batch output."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import click

from meshgov.cli.errors import EXIT_ERROR, reported_errors
from meshgov.cli.options import mesh_settings
from meshgov.client.outputs import publish_output
from meshgov.models.events import ColumnStats
from meshgov.settings import Settings


def _column(text: str) -> ColumnStats:
    """NAME[:NULLS[:DISTINCT]]"""
    name, *numbers = text.split(":")
    try:
        values = [int(n) for n in numbers]
    except ValueError:
        raise click.BadParameter(f"{text!r}: expected NAME[:NULLS[:DISTINCT]]") from None
    return ColumnStats(
        name=name,
        null_count=values[0] if values else 0,
        distinct_count=values[1] if len(values) > 1 else None,
    )


def _instant(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not an ISO-8601 instant") from None
    if moment.tzinfo is None:
        raise click.BadParameter(f"{value!r} needs a time zone, e.g. {value}Z or {value}+00:00")
    return moment


@click.command()
@click.argument("product")
@click.option("--port", required=True, help="The output port's name.")
@click.option("--run", "run_id", required=True, help="This run's id, e.g. 2026-11-25.")
@click.option("--rows", type=int, required=True, help="Rows written.")
@click.option(
    "--source-rows", type=int, default=None, help="Rows in the source, for row_count_vs_source."
)
@click.option("--scheduled-for", default=None, help="The scheduled run it fulfils (ISO-8601).")
@click.option("--interval-start", default=None)
@click.option("--interval-end", default=None)
@click.option("--column", "columns", multiple=True, help="NAME[:NULLS[:DISTINCT]], repeatable.")
@click.option(
    "--sample",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="JSON Lines of a few rows, for PII inspection.",
)
@mesh_settings()
def output(
    product: str,
    port: str,
    run_id: str,
    rows: int,
    source_rows: int | None,
    scheduled_for: str | None,
    interval_start: str | None,
    interval_end: str | None,
    columns: tuple[str, ...],
    sample: Path | None,
    settings: Settings,
) -> None:
    """Publish an OutputPublished event for a batch run of PRODUCT."""
    sample_rows = []
    if sample is not None:
        for number, line in enumerate(sample.read_text(encoding="utf-8").splitlines(), start=1):
            if line.strip():
                try:
                    row = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise click.BadParameter(f"{sample}, line {number}: {exc.msg}") from None
                sample_rows.append({k: None if v is None else str(v) for k, v in row.items()})
    with reported_errors():
        try:
            published = publish_output(
                product,
                port,
                run_id,
                rows,
                settings,
                source_row_count=source_rows,
                scheduled_for=_instant(scheduled_for),
                interval_start=_instant(interval_start),
                interval_end=_instant(interval_end),
                columns=[_column(c) for c in columns],
                sample=sample_rows,
            )
        except ConnectionError as error:
            click.secho(f"error: {error}", fg="red", err=True)
            raise SystemExit(EXIT_ERROR) from None
    click.echo(f"published output {published.output_id} of {product}/{port} run {run_id}")
