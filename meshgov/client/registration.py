"""Registering a data product: publish the registration, wait for its verdict."""

from __future__ import annotations

import getpass
import socket
import time
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from confluent_kafka import OFFSET_END

from meshgov.codec import DecodeError
from meshgov.kafka.clients import DeliveryError, EventPublisher, KafkaClients
from meshgov.kafka.cluster import resolve
from meshgov.kafka.topics import REGISTRATIONS, VERDICTS
from meshgov.models.events import CheckStatus, Decision, Registration, Verdict
from meshgov.models.loading import load_descriptor, parse_descriptor
from meshgov.settings import Settings
from meshgov.signing import SigningKey, sign


class RegistrationTimeoutError(TimeoutError):
    def __init__(
        self, registration: Registration, timeout: float, undecided: Verdict | None = None
    ) -> None:
        why = "no verdict"
        if undecided is not None:
            silent = ", ".join(c.check for c in undecided.checks if c.status is CheckStatus.PENDING)
            why = f"only an UNDECIDED verdict (waiting for {silent})"
        super().__init__(
            f"{why} for registration {registration.registration_id} of "
            f"{registration.product} within {timeout:.0f} s; it is on mesh.registrations and "
            f"will be decided when the processors run (see `meshgov tail verdicts`)"
        )
        self.registration = registration
        self.undecided = undecided


def default_submitter() -> str:
    return f"{getpass.getuser()}@{socket.gethostname()}"


def build_registration(
    descriptor: str | Path,
    submitted_by: str | None = None,
    submitted_at: datetime | None = None,
) -> Registration:
    """A Registration of a descriptor file (a Path) or text; invalid descriptors raise
    DescriptorError before anything is sent."""
    if isinstance(descriptor, Path):
        text = descriptor.read_text(encoding="utf-8")
        product = load_descriptor(descriptor).data_product
    else:
        text = descriptor
        product = parse_descriptor(text).data_product
    return Registration(
        registration_id=str(uuid.uuid4()),
        product=product.name,
        version=product.version,
        domain=product.domain,
        owner=product.owner,
        descriptor=text,
        submitted_by=submitted_by or default_submitter(),
        submitted_at=submitted_at or datetime.now(UTC),
    )


def register_data_product(
    descriptor: str | Path,
    settings: Settings | None = None,
    submitted_by: str | None = None,
    timeout: float = 60.0,
    signing_key: SigningKey | None = None,
) -> Verdict:
    """Publish a registration (signed with `signing_key`, if given) and return its final
    verdict (RegistrationTimeoutError if none comes in time, with the UNDECIDED verdict if
    one came)."""
    registration = build_registration(descriptor, submitted_by)
    if signing_key is not None:
        registration = sign(registration, signing_key)
    return register_all([registration], settings, timeout)[registration.registration_id]


def register_all(
    registrations: Sequence[Registration],
    settings: Settings | None = None,
    timeout: float = 60.0,
) -> dict[str, Verdict]:
    """Publish registrations and return their final verdicts by registration id
    (RegistrationTimeoutError naming the first still without one at the timeout)."""
    settings = resolve(settings or Settings.load())
    clients = KafkaClients(settings)
    codec = clients.codec()
    consumer = clients.consumer()
    waiting = {r.registration_id: r for r in registrations}
    verdicts: dict[str, Verdict] = {}
    undecided: dict[str, Verdict] = {}
    try:
        # Listen from the current end before publishing, so no verdict can be missed.
        clients.assign_all(consumer, [settings.topic(VERDICTS)], OFFSET_END)
        publish_all(settings, registrations)
        deadline = time.monotonic() + timeout
        while len(verdicts) < len(waiting) and time.monotonic() < deadline:
            message = consumer.poll(0.5)
            if message is None or message.error():
                continue
            try:
                verdict = codec.decode(message.value() or b"", Verdict)
            except DecodeError:
                continue
            if verdict.registration_id not in waiting:
                continue
            if verdict.decision is Decision.UNDECIDED:
                undecided[verdict.registration_id] = verdict
            else:
                verdicts[verdict.registration_id] = verdict
        for registration_id, registration in waiting.items():
            if registration_id not in verdicts:
                raise RegistrationTimeoutError(
                    registration, timeout, undecided.get(registration_id)
                )
        return verdicts
    finally:
        consumer.close()


def publish(settings: Settings, registration: Registration) -> None:
    publish_all(settings, [registration])


def publish_all(settings: Settings, registrations: Sequence[Registration]) -> None:
    publisher = EventPublisher(KafkaClients(settings))
    try:
        for registration in registrations:
            publisher.send(REGISTRATIONS, registration)
        publisher.flush()
    except DeliveryError as error:
        raise ConnectionError(f"could not publish the registration: {error}") from None
