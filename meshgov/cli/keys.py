"""`meshgov keys new`: a signing key for a domain team's registrations."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import click

from meshgov.cli.errors import EXIT_ERROR
from meshgov.signing import ALGORITHMS, new_key


@click.group()
def keys() -> None:
    """Keys that sign registrations (the policy file's signers verify them)."""


@keys.command()
@click.argument("kid")
@click.option("--algorithm", type=click.Choice(ALGORITHMS), default="EdDSA", show_default=True)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("."),
    show_default=True,
    help="Directory for KID.private.pem and KID.jwks.json.",
)
def new(kid: str, algorithm: str, out: Path) -> None:
    """Write a new private key KID.private.pem (readable by you only) and its public half
    KID.jwks.json, which the policy file lists under `signers` for the team's domains."""
    private_path, public_path = out / f"{kid}.private.pem", out / f"{kid}.jwks.json"
    if private_path.exists():
        click.secho(f"error: {private_path} exists; choose another key id", fg="red", err=True)
        sys.exit(EXIT_ERROR)
    pem, jwks = new_key(kid, algorithm)
    out.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(private_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as file:
        file.write(pem)
    public_path.write_text(json.dumps(jwks, indent=2) + "\n", encoding="utf-8")
    click.echo(f"private key {private_path} (keep it secret), public keys {public_path}")
    click.echo(
        f"policy file:\n  signers:\n    - name: {kid}\n      jwks: {public_path}\n"
        f"      domains: [YOUR-DOMAIN]"
    )
