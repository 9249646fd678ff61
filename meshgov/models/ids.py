"""Deterministic event ids: the same cause always yields the same id, so replays de-duplicate."""

import uuid

_NAMESPACE = uuid.UUID("6f1c1c0e-5b8e-4d8a-9f57-5d1d3c2a9e10")


def derived_id(kind: str, *parts: str) -> str:
    """A UUIDv5 over `kind` and `parts`; parts are joined unambiguously."""
    name = "\x1f".join((kind, *parts))
    return str(uuid.uuid5(_NAMESPACE, name))


def verdict_id(registration_id: str) -> str:
    return derived_id("verdict", registration_id)


def undecided_verdict_id(registration_id: str) -> str:
    """An UNDECIDED verdict's: the final verdict that follows it keeps verdict_id()."""
    return derived_id("verdict-undecided", registration_id)


def check_result_id(registration_id: str, check: str) -> str:
    return derived_id("check-result", registration_id, check)


def output_id(product: str, port: str, run_id: str) -> str:
    return derived_id("output", product, port, run_id)


def breach_id(product: str, port: str | None, kind: str, subject: str | None, episode: str) -> str:
    return derived_id("breach", product, port or "", kind, subject or "", episode)


def dead_letter_id(topic: str, partition: int, offset: int) -> str:
    return derived_id("dead-letter", topic, str(partition), str(offset))
