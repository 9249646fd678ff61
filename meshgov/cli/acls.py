"""`meshgov acls plan|apply`: the mesh's least-privilege ACLs (meshgov.kafka.acls) against
those of the cluster."""

from __future__ import annotations

import sys

import click

from meshgov.cli.errors import EXIT_ERROR, reported_errors
from meshgov.cli.options import mesh_settings
from meshgov.kafka.acls import Acl, AclAdmin, desired_acls, diff, managed_principals
from meshgov.kafka.clients import KafkaClients
from meshgov.models.policy import load_policy
from meshgov.settings import Settings

EXIT_DIFFERS = 1

_policy = click.option(
    "--policy",
    "policy_path",
    type=click.Path(exists=True, dir_okay=False),
    help="The policy file naming the principals [default: $MESHGOV_POLICY].",
)


@click.group()
def acls() -> None:
    """ACLs from the policy file's principals, for a cluster with an authorizer."""


def _changes(settings: Settings, policy_path: str | None) -> tuple[AclAdmin, set[Acl], set[Acl]]:
    try:
        policy = load_policy(policy_path or settings.policy_path)
    except ValueError as error:
        click.secho(f"error: {error}", fg="red", err=True)
        sys.exit(EXIT_ERROR)
    principals = policy.principals
    admin = AclAdmin(KafkaClients(settings).admin())
    try:
        desired_acls(settings, principals)
    except ValueError as error:
        click.secho(f"error: {error}", fg="red", err=True)
        sys.exit(EXIT_ERROR)
    with reported_errors():
        add, remove = diff(
            desired_acls(settings, principals),
            admin.current(),
            managed_principals(settings, principals),
        )
    return admin, add, remove


def _show(add: set[Acl], remove: set[Acl]) -> None:
    for acl in sorted(add):
        click.echo(f"+ {acl.describe()}")
    for acl in sorted(remove):
        click.echo(f"- {acl.describe()}")


@acls.command()
@mesh_settings()
@_policy
def plan(settings: Settings, policy_path: str | None) -> None:
    """Print what `apply` would add (+) and remove (-); exit 0 when nothing, 1 otherwise."""
    _, add, remove = _changes(settings, policy_path)
    _show(add, remove)
    if not add and not remove:
        click.echo("the cluster's ACLs are as the policy says")
        return
    sys.exit(EXIT_DIFFERS)


@acls.command()
@mesh_settings()
@_policy
def apply(settings: Settings, policy_path: str | None) -> None:
    """Make the cluster's ACLs of the policy's principals what the policy says."""
    admin, add, remove = _changes(settings, policy_path)
    _show(add, remove)
    with reported_errors():
        admin.apply(add, remove)
    click.echo(f"{len(add)} added, {len(remove)} removed")
