"""Masked evidence: enough to recognise what was found, never the value itself."""

from __future__ import annotations

import re

from meshgov.models.descriptor import PiiClass


def _stars(text: str, keep: int = 1) -> str:
    return text[:keep] + "***" if text else "***"


def mask(value: str, pii: PiiClass | None) -> str:
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
        compact = text.replace(" ", "")
        return compact[:2] + "*" * (len(compact) - 6) + compact[-4:]
    if pii is PiiClass.PHONE and len(digits) >= 6:
        return "*" * (len(digits) - 2) + digits[-2:]
    if pii is PiiClass.IP_ADDRESS:
        if ":" in text:
            return text.split(":", 1)[0] + ":****:****"
        return text.split(".", 1)[0] + ".*.*.*"
    if pii is PiiClass.PASSPORT and len(text) > 3:
        return "*" * (len(text) - 2) + text[-2:]
    if pii is PiiClass.DATE_OF_BIRTH:
        return re.sub(r"\d", "*", text)
    # Names, addresses and anything else: the first letter of each word.
    return " ".join(_stars(word) for word in text.split()) or "***"
