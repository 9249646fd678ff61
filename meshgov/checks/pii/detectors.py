"""Value detectors: does this string hold PII, of which class, and where?

A value is first judged whole (an e-mail address, a card number, a name, an address line);
a value that is none of these is scanned as free text for the PII inside it. The field
name, when known, settles what a value alone cannot: a date in `birth_date` is a birth
date, a date in `shipped_at` is not; nine digits in `ssn` are an SSN. A field name matters
only through `field_hint(field)`: `meshgov scan` caches findings by value and hint.
"""

from __future__ import annotations

import re
from datetime import date

from meshgov.checks.pii.fields import field_hint
from meshgov.checks.pii.formats import (
    EMAIL,
    IBAN_LENGTHS,
    PHONE_REGIONS,
    card_issuer_known,
    is_credit_card,
    is_email,
    is_iban,
    is_ip_address,
    is_passport,
    is_phone,
    is_us_ssn,
    luhn_valid,
    parse_date,
)
from meshgov.checks.pii.text import Match, scan_text
from meshgov.checks.pii.words import is_person, is_street_address
from meshgov.models.descriptor import PiiClass

__all__ = [
    "EMAIL",
    "IBAN_LENGTHS",
    "PHONE_REGIONS",
    "Match",
    "card_issuer_known",
    "classify_value",
    "detect",
    "find",
    "is_credit_card",
    "is_date_of_birth",
    "is_email",
    "is_iban",
    "is_ip_address",
    "is_passport",
    "is_person",
    "is_phone",
    "is_street_address",
    "is_us_ssn",
    "luhn_valid",
    "parse_date",
]

MAX_TEXT = 4096  # longer values are not scanned
MAX_VALUE = 512  # longer values are not judged whole
# What free text must have for a scan to find anything: a digit, an @, a colon (IPv6) or
# a capital letter (a name).
_WORTH_SCANNING = re.compile(r"[\d@:]|[^\W\d_a-z]")
# A single token that is no PII as a whole holds some only behind punctuation that is not
# part of ids, hashes and amounts: "(192.168.1.1)", "ip=10.0.0.1", "<jane@example.com>".
_TOKEN_WORTH_SCANNING = re.compile(r"[@(\[<=:;,'\"+]")
_TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")
_SPACE = re.compile(r"\s")  # the characters str.isspace() is true of, exactly


def is_date_of_birth(value: str, hint: PiiClass | None, other_date_field: bool) -> bool:
    """A date in a birth-date field; without a field name, a plain date 14 to 110 years ago.
    Never a date in a field named for something else (shipped_at) or a timestamp."""
    parsed = parse_date(value)
    if parsed is None or other_date_field:
        return False
    if hint is PiiClass.DATE_OF_BIRTH:
        return True
    years = date.today().year - parsed.year
    return 14 <= years <= 110


def classify_value(text: str, field: str | None = None) -> PiiClass | None:
    """The class of PII `text` is as a whole, if it is one (stripped, at most 512 chars)."""
    if len(text) > MAX_VALUE:
        return None
    hint, other_date = field_hint(field)
    if "@" in text and EMAIL.match(text):
        return PiiClass.EMAIL
    if is_iban(text):
        return PiiClass.IBAN
    if is_credit_card(text, hint is PiiClass.CREDIT_CARD):
        return PiiClass.CREDIT_CARD
    if is_us_ssn(text, hint is PiiClass.US_SSN):
        return PiiClass.US_SSN
    if is_ip_address(text):
        return PiiClass.IP_ADDRESS
    if is_date_of_birth(text, hint, other_date):
        return PiiClass.DATE_OF_BIRTH
    if hint is PiiClass.PASSPORT and is_passport(text, hinted=True):
        return PiiClass.PASSPORT
    if is_phone(text, hint is PiiClass.PHONE):
        return PiiClass.PHONE
    if is_street_address(text, hint is PiiClass.STREET_ADDRESS):
        return PiiClass.STREET_ADDRESS
    if is_person(text, hint is PiiClass.PERSON):
        return PiiClass.PERSON
    if hint is None and is_passport(text):
        return PiiClass.PASSPORT
    return None


def find(value: str, field: str | None = None) -> list[Match]:
    """Where `value` holds PII, knowing the name of its field when given: one match
    spanning the value when it is PII as a whole, else the matches inside it, in order."""
    text = value.strip()
    if not text or len(text) > MAX_TEXT:
        return []
    offset = len(value) - len(value.lstrip())
    label = classify_value(text, field)
    if label is not None:
        return [Match(offset, offset + len(text), label)]
    if not _WORTH_SCANNING.search(text):
        return []
    if not _SPACE.search(text) and (
        not _TOKEN_WORTH_SCANNING.search(text) or _TIMESTAMP.match(text)
    ):
        return []
    hint, _ = field_hint(field)
    return [Match(m.start + offset, m.end + offset, m.label) for m in scan_text(text, hint)]


def detect(value: str, field: str | None = None) -> list[PiiClass]:
    """The PII classes `value` holds, in the order they first appear."""
    return list(dict.fromkeys(match.label for match in find(value, field)))
