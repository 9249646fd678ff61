"""Masked evidence: enough to recognise what was found, never the value itself."""

from __future__ import annotations

import re

from meshgov.checks.pii.detectors import find
from meshgov.models.descriptor import PiiClass

_WORD_CHAR = re.compile(r"\w")


def _stars(text: str, keep: int = 1) -> str:
    return text[:keep] + "***" if text else "***"


def mask(value: str, pii: PiiClass | None) -> str:
    """`value`, a PII value of class `pii`, masked for a report."""
    text = value.strip()
    if pii is PiiClass.EMAIL and "@" in text:
        local, _, domain = text.partition("@")
        host, _, tld = domain.rpartition(".")
        return f"{_stars(local)}@{_stars(host)}.{tld}"
    digits = re.sub(r"\D", "", text)
    if pii is PiiClass.CREDIT_CARD and len(digits) >= 12:
        return "**** **** **** " + digits[-4:]
    if pii is PiiClass.US_SSN and len(digits) == 9:
        return "***-**-" + digits[-4:]
    if pii is PiiClass.IBAN:
        compact = re.sub(r"[ \-]", "", text)
        return compact[:2] + "*" * (len(compact) - 6) + compact[-4:]
    if pii is PiiClass.PHONE and len(digits) >= 6:
        return "*" * (len(digits) - 2) + digits[-2:]
    if pii is PiiClass.IP_ADDRESS:
        host = text.lstrip("[")
        if ":" in host and host.count(".") != 3:
            return host.split(":", 1)[0] + ":****:****"
        return host.split(".", 1)[0] + ".*.*.*"
    if pii is PiiClass.PASSPORT and len(text) > 3:
        return "*" * (len(text) - 2) + text[-2:]
    if pii is PiiClass.DATE_OF_BIRTH:
        return _WORD_CHAR.sub("*", text)  # month names too: "** ***** ****"
    # Names, addresses and anything else: the first letter of each word.
    return " ".join(_stars(word) for word in text.split()) or "***"


def evidence(value: str, field: str | None = None) -> dict[PiiClass, str]:
    """The first value of each class found in `value`, masked: for free text, the match
    alone, not the sentence around it."""
    found: dict[PiiClass, str] = {}
    for match in find(value, field):
        found.setdefault(match.label, mask(value[match.start : match.end], match.label))
    return found


def redact(value: str, field: str | None = None) -> str:
    """`value` with each PII match replaced by its class in angle brackets: "call
    <PHONE> after six". Nothing of a match is left."""
    parts: list[str] = []
    cursor = 0
    for match in find(value, field):
        parts += [value[cursor : match.start], f"<{match.label.value}>"]
        cursor = match.end
    parts.append(value[cursor:])
    return "".join(parts)
