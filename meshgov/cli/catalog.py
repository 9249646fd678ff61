"""`meshgov catalog search|show|lineage`: find products and what they depend on."""

from __future__ import annotations

import json

import click

from meshgov.catalog.reader import read_catalog
from meshgov.catalog.view import CatalogView
from meshgov.cli.errors import echo_table, reported_errors
from meshgov.cli.options import mesh_settings
from meshgov.settings import Settings


def _view(settings: Settings) -> CatalogView:
    with reported_errors():
        return read_catalog(settings)


connection = mesh_settings()


@click.group()
def catalog() -> None:
    """The catalog of accepted data products."""


@catalog.command()
@click.argument("text", required=False)
@click.option("--domain")
@click.option("--owner")
@click.option("--tag")
@click.option("--json", "as_json", is_flag=True)
@connection
def search(
    text: str | None,
    domain: str | None,
    owner: str | None,
    tag: str | None,
    as_json: bool,
    settings: Settings,
) -> None:
    """Products matching TEXT (all words) and the filters."""
    found = _view(settings).search(text, domain, owner, tag)
    if as_json:
        click.echo(json.dumps([e.model_dump(mode="json", exclude={"descriptor"}) for e in found]))
        return
    rows = [("PRODUCT", "VERSION", "STATUS", "HEALTH", "DOMAIN", "OWNER")]
    rows += [
        (e.product, e.current_version, e.status.value, e.health.value, e.domain, e.owner)
        for e in found
    ]
    echo_table(rows)


@catalog.command()
@click.argument("name")
@click.option("--json", "as_json", is_flag=True)
@connection
def show(name: str, as_json: bool, settings: Settings) -> None:
    """One product: versions, status, health, lineage, descriptor."""
    entry = _view(settings).get(name)
    if entry is None:
        raise click.ClickException(f"no product named {name!r} in the catalog")
    if as_json:
        click.echo(entry.model_dump_json(indent=2))
        return
    scheduled = ""
    if entry.scheduled_version and entry.scheduled_effective_at:
        when = f"{entry.scheduled_effective_at:%Y-%m-%d}"
        scheduled = f", {entry.scheduled_version} scheduled for {when}"
    click.echo(f"{entry.product} {entry.current_version} ({entry.status.value}{scheduled})")
    click.echo(f"owner {entry.owner}, domain {entry.domain}, health {entry.health.value}")
    if entry.description:
        click.echo(entry.description)
    upstream = ", ".join(entry.upstream) or "-"
    downstream = ", ".join(entry.downstream) or "-"
    click.echo(f"upstream: {upstream}; downstream: {downstream}")
    for breach in entry.open_breaches:
        since = f"{breach.opened_at:%Y-%m-%d %H:%M}"
        click.echo(f"open breach: {breach.kind.value} on {breach.port or '-'} since {since}")
    for version in entry.versions:
        accepted = f"{version.accepted_at:%Y-%m-%d %H:%M}"
        click.echo(f"  {version.version}  {version.decision.value}  {accepted}")


@catalog.command()
@click.argument("name")
@click.option(
    "--direction", type=click.Choice(["up", "down", "both"]), default="both", show_default=True
)
@click.option("--json", "as_json", is_flag=True)
@connection
def lineage(name: str, direction: str, as_json: bool, settings: Settings) -> None:
    """What NAME consumes (up) and what consumes it (down), transitively."""
    view = _view(settings)
    if view.get(name) is None:
        raise click.ClickException(f"no product named {name!r} in the catalog")
    result = {
        "upstream": view.lineage(name, upstream=True) if direction in ("up", "both") else [],
        "downstream": view.lineage(name, upstream=False) if direction in ("down", "both") else [],
    }
    if as_json:
        click.echo(json.dumps({"product": name, **result}))
        return
    click.echo(
        " ← ".join([name, *result["upstream"]]) if result["upstream"] else f"{name}: no upstream"
    )
    click.echo(
        " → ".join([name, *result["downstream"]])
        if result["downstream"]
        else f"{name}: no downstream"
    )


@catalog.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8081, show_default=True)
@connection
def serve(host: str, port: int, settings: Settings) -> None:
    """Serve search and lookup over HTTP (JSON) until interrupted."""
    from meshgov.catalog.http import make_server
    from meshgov.catalog.live import LiveCatalog
    from meshgov.http import serve_until_interrupted

    live = LiveCatalog(settings)
    live.start()
    server = make_server(live, host, port)
    click.echo(f"catalog API on http://{host}:{server.server_port}/products")
    serve_until_interrupted(server, live.stop)
