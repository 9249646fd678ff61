"""`meshgov import registry`: the subjects a Schema Registry already holds become accepted
histories (meshgov.registry.adoption), registered version by version through the mesh."""

from __future__ import annotations

import re
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import click

from meshgov.cli.contracts import import_odcs
from meshgov.cli.errors import EXIT_ERROR, reported_errors
from meshgov.cli.options import mesh_settings
from meshgov.cli.register import EXIT_REJECTED
from meshgov.client.registration import (
    RegistrationTimeoutError,
    build_registration,
    register_all,
)
from meshgov.kafka.clients import DeliveryError, EventPublisher, KafkaClients, read_to_end
from meshgov.models.descriptor import EMAIL
from meshgov.models.events import ACCEPTED_DECISIONS, Registration, Severity
from meshgov.models.loading import DescriptorError, parse_descriptor
from meshgov.models.sla import CompatibilityMode
from meshgov.processors.signals import AdoptionPlan, encode_signal
from meshgov.registry.adoption import (
    Adoption,
    SubjectHistory,
    adopt,
    descriptor,
    read_subjects,
)
from meshgov.registry.governance import SubjectAction, schema_fingerprint
from meshgov.settings import Settings


@click.group(name="import")
def import_() -> None:
    """Bring what a platform already has under meshgov's governance."""


@import_.command(name="odcs")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the descriptor here [default: standard output].",
)
def odcs(file: Path, output: Path | None) -> None:
    """An ODCS v3 contract FILE as a meshgov descriptor; what it cannot map is listed."""
    import_odcs(file, output)


@import_.command()
@mesh_settings()
@click.option("--owner", required=True, help="Owner (an email) of every adopted product.")
@click.option("--domain", help="Domain of every adopted product [default: from the owner].")
@click.option("--subject", "pattern", help="Only subjects matching this regular expression.")
@click.option("--as", "submitted_by", help="Who submits [default: user@host].")
@click.option(
    "--write",
    "write_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Also write each product's latest descriptor here, for its team to own.",
)
@click.option("--dry-run", is_flag=True, help="Print what would be registered; register nothing.")
@click.option("--timeout", default=120.0, show_default=True, help="Seconds to wait per round.")
def registry(
    settings: Settings,
    owner: str,
    domain: str | None,
    pattern: str | None,
    submitted_by: str | None,
    write_dir: Path | None,
    dry_run: bool,
    timeout: float,
) -> None:
    """Adopt the registry's <topic>-value subjects: each becomes a product registered once
    per version, oldest first, at the subject's compatibility level. Exit 0 all adopted,
    1 some version rejected, 2 on error."""
    try:
        wanted = re.compile(pattern) if pattern else None
    except re.error as error:
        raise click.BadParameter(
            f"not a regular expression: {error}", param_hint="--subject"
        ) from None
    if not EMAIL.match(owner):
        raise click.BadParameter(f"{owner!r} is not an e-mail address", param_hint="--owner")
    if not settings.schema_registry_url:
        click.secho(
            "error: no Schema Registry: set MESHGOV_SCHEMA_REGISTRY_URL", fg="red", err=True
        )
        sys.exit(EXIT_ERROR)
    histories = _read(settings, wanted)
    with reported_errors():
        governed = _governed_subjects(settings)
    now = datetime.now(UTC)
    products: dict[str, Adoption] = {}
    for adoption in (adopt(h) for h in histories):
        if adoption.skipped is None and adoption.subject in governed:
            adoption = _skipped(adoption, f"governed already, by {governed[adoption.subject]}")
        if adoption.skipped is None:
            problem = _invalid(adoption, owner, domain, now)
            if problem is not None:
                adoption = _skipped(adoption, problem)
        if adoption.skipped is None and adoption.product in products:
            adoption = Adoption(
                adoption.subject,
                adoption.product,
                skipped=f"product {adoption.product} is adopted from "
                f"{products[adoption.product].subject} already",
            )
        if adoption.skipped is not None:
            click.echo(f"skipped {adoption.subject}: {adoption.skipped}")
            continue
        assert adoption.product is not None
        products[adoption.product] = adoption
    if dry_run:
        for adoption in products.values():
            steps = ", ".join(
                f"v{a.registered.version} as {a.version}{' (breaking)' if a.breaking else ''}"
                for a in adoption.versions
            )
            click.echo(f"{adoption.subject} -> {adoption.product}: {steps}")
        return
    rejected = _register_rounds(
        settings, list(products.values()), owner, domain, submitted_by, timeout, write_dir
    )
    click.echo(f"adopted {len(products) - len(rejected)} of {len(products)} subjects")
    sys.exit(EXIT_REJECTED if rejected else 0)


def _skipped(adoption: Adoption, why: str) -> Adoption:
    return Adoption(adoption.subject, adoption.product, skipped=why)


def _invalid(adoption: Adoption, owner: str, domain: str | None, now: datetime) -> str | None:
    """Why the descriptors of an adoption do not parse, if they do not."""
    for step in adoption.versions:
        try:
            parse_descriptor(descriptor(adoption, step, owner, domain, now), adoption.subject)
        except DescriptorError as error:
            return f"version {step.registered.version}: {error}".replace("\n", " ")
    return None


def _governed_subjects(settings: Settings) -> dict[str, str]:
    """The subjects meshgov governs already (its subjects processor's effects), by product:
    adopting one again would make a second product of it."""
    from meshgov.processors.subjects import PROCESSOR

    governed = {}
    clients = KafkaClients(settings)
    for message in read_to_end(clients, PROCESSOR.effects_topic(settings)):
        try:
            action = SubjectAction.model_validate_json(message.value() or b"")
        except ValueError:
            continue
        governed[action.subject] = action.product
    return governed


def _read(settings: Settings, wanted: re.Pattern[str] | None) -> list[SubjectHistory]:
    import httpx
    from confluent_kafka.schema_registry.error import SchemaRegistryError

    try:
        registry = KafkaClients(settings).schema_registry()
        return read_subjects(registry, wanted, settings.topic("mesh."))
    except (SchemaRegistryError, httpx.HTTPError) as error:
        click.secho(
            f"error: the Schema Registry at {settings.schema_registry_url}: {error}",
            fg="red",
            err=True,
        )
        sys.exit(EXIT_ERROR)


def _announce(settings: Settings, adoptions: list[Adoption], until: datetime) -> None:
    """Tell the subjects processor which versions are about to be accepted, so the later
    ones, in the registry already, are not taken for drift while their rounds come."""
    from meshgov.processors.subjects import PROCESSOR

    publisher = EventPublisher(KafkaClients(settings))
    for adoption in adoptions:
        plan = AdoptionPlan(
            subject=adoption.subject,
            fingerprints=[schema_fingerprint(a.registered.schema_text) for a in adoption.versions],
            until=until,
        )
        publisher.send_raw(
            PROCESSOR.signals_topic(settings),
            str(adoption.product).encode(),
            encode_signal(plan),
        )
    try:
        publisher.flush()
    except DeliveryError as error:  # no subjects processor has run here: nothing to tell
        click.echo(f"note: the subjects processor was not told of the adoption: {error}")


def _register_rounds(
    settings: Settings,
    adoptions: list[Adoption],
    owner: str,
    domain: str | None,
    submitted_by: str | None,
    timeout: float,
    write_dir: Path | None,
) -> set[str]:
    """Round k registers the k-th version of every subject still going, so hundreds of
    subjects take as many rounds as the longest history; a rejected version stops its
    subject (what follows would be checked against a history without it)."""
    rejected: set[str] = set()
    rounds = max((len(a.versions) for a in adoptions), default=0)
    _announce(settings, adoptions, datetime.now(UTC) + timedelta(seconds=timeout * (rounds + 1)))
    for index in range(rounds):
        at = datetime.now(UTC)
        batch: dict[str, tuple[Adoption, Registration]] = {}
        for adoption in adoptions:
            if adoption.subject in rejected or index >= len(adoption.versions):
                continue
            text = descriptor(adoption, adoption.versions[index], owner, domain, at)
            batch[adoption.subject] = (adoption, build_registration(text, submitted_by, at))
        try:
            with reported_errors():
                verdicts = register_all([r for _, r in batch.values()], settings, timeout)
        except (RegistrationTimeoutError, ConnectionError) as error:
            click.secho(f"error: {error}", fg="red", err=True)
            sys.exit(EXIT_ERROR)
        for subject, (adoption, registration) in batch.items():
            verdict = verdicts[registration.registration_id]
            step = adoption.versions[index]
            line = (
                f"{subject} v{step.registered.version} -> {adoption.product} "
                f"{step.version}: {verdict.decision.value}"
            )
            if verdict.decision in ACCEPTED_DECISIONS:
                click.echo(line)
                if write_dir is not None and index == len(adoption.versions) - 1:
                    write_dir.mkdir(parents=True, exist_ok=True)
                    (write_dir / f"{adoption.product}.yaml").write_text(
                        registration.descriptor, encoding="utf-8"
                    )
                if index == 0 and adoption.compatibility is CompatibilityMode.NONE:
                    click.secho(
                        f"    ! {subject} is at compatibility NONE in the registry: nothing "
                        f"protects its consumers until {adoption.product}'s schema_stability "
                        f"says otherwise",
                        fg="yellow",
                    )
                continue
            rejected.add(subject)
            click.secho(line, fg="red")
            for outcome in verdict.checks:
                for finding in outcome.findings:
                    if finding.severity is Severity.ERROR:
                        click.echo(f"    x {outcome.check} {finding.code}: {finding.message}")
    return rejected
