"""What a field's name (or doc, or tags) says about the PII it holds."""

from __future__ import annotations

import re
from functools import lru_cache

from meshgov.models.descriptor import PiiClass

_SPLIT = re.compile(r"[^A-Za-z0-9]+|(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")

# Token sequences (joined without separators) that name a class.
_NAMES: dict[PiiClass, tuple[str, ...]] = {
    PiiClass.EMAIL: ("email", "mail", "emailaddress", "mailaddress", "emailaddr"),
    PiiClass.PHONE: (
        "phone",
        "telephone",
        "tel",
        "mobile",
        "cell",
        "cellphone",
        "msisdn",
        "fax",
        "phonenumber",
        "mobilenumber",
        "telefon",
        "telefono",
        "telephone",
    ),
    PiiClass.US_SSN: ("ssn", "socialsecurity", "socialsecuritynumber", "socialsecurityno"),
    PiiClass.CREDIT_CARD: (
        "creditcard",
        "cardnumber",
        "ccnumber",
        "ccnum",
        "pan",
        "cardno",
        "creditcardnumber",
        "cc",
    ),
    PiiClass.IBAN: ("iban", "ibannumber"),
    PiiClass.IP_ADDRESS: ("ip", "ipaddress", "ipv4", "ipv6", "ipaddr", "remoteaddr", "clientip"),
    PiiClass.DATE_OF_BIRTH: (
        "dob",
        "birthdate",
        "dateofbirth",
        "birthday",
        "bornon",
        "birthdt",
        "geburtsdatum",
    ),
    PiiClass.PERSON: (
        "fullname",
        "firstname",
        "lastname",
        "surname",
        "givenname",
        "familyname",
        "middlename",
        "customername",
        "contactname",
        "personname",
        "cardholder",
        "cardholdername",
        "holdername",
        "patientname",
        "employeename",
        "recipientname",
        "username_full",
    ),
    PiiClass.STREET_ADDRESS: (
        "address",
        "streetaddress",
        "street",
        "addressline",
        "addressline1",
        "addressline2",
        "homeaddress",
        "shippingaddress",
        "billingaddress",
        "postaladdress",
        "mailingaddress",
        "addr",
        "residentialaddress",
        "deliveryaddress",
    ),
    PiiClass.PASSPORT: ("passport", "passportno", "passportnumber", "passportid"),
}
# Words that, next to "address", mean something that is not a street address.
_NOT_STREET = frozenset({"email", "mail", "ip", "mac", "web", "url", "wallet", "memory"})
_TIME_WORDS = frozenset(
    {
        "at",
        "date",
        "time",
        "timestamp",
        "ts",
        "created",
        "updated",
        "modified",
        "shipped",
        "ordered",
        "delivered",
        "on",
        "day",
        "due",
        "expires",
        "expiry",
        "start",
        "end",
        "since",
    }
)
_DOC_PHRASES: tuple[tuple[str, PiiClass], ...] = (
    ("e-mail", PiiClass.EMAIL),
    ("email", PiiClass.EMAIL),
    ("phone", PiiClass.PHONE),
    ("mobile number", PiiClass.PHONE),
    ("social security", PiiClass.US_SSN),
    ("credit card", PiiClass.CREDIT_CARD),
    ("card number", PiiClass.CREDIT_CARD),
    ("iban", PiiClass.IBAN),
    ("ip address", PiiClass.IP_ADDRESS),
    ("date of birth", PiiClass.DATE_OF_BIRTH),
    ("birth date", PiiClass.DATE_OF_BIRTH),
    ("full name", PiiClass.PERSON),
    ("person's name", PiiClass.PERSON),
    ("street address", PiiClass.STREET_ADDRESS),
    ("postal address", PiiClass.STREET_ADDRESS),
    ("home address", PiiClass.STREET_ADDRESS),
    ("passport", PiiClass.PASSPORT),
)


def tokens(name: str) -> list[str]:
    """'emailAddress' -> [email, address]; 'e_mail' -> [e, mail]; 'DOB' -> [dob]."""
    return [t.lower() for t in _SPLIT.split(name) if t]


# Scanned data may bring ever new field names: the caches keep the most recent, short ones.
_CACHED_NAMES = 16384
_CACHED_NAME_CHARS = 256


def classify_name(name: str) -> PiiClass | None:
    """The PII class a field name announces, if any."""
    if len(name) > _CACHED_NAME_CHARS:
        return _classify_name(name)
    return _cached_classify_name(name)


def _classify_name(name: str) -> PiiClass | None:
    parts = tokens(name.rsplit(".", 1)[-1])
    if not parts:
        return None
    joined = "".join(parts)
    if joined in ("email", "emailaddress") or (parts[-1] in ("mail", "email") and "e" in parts):
        return PiiClass.EMAIL
    # Try the whole name, then each run of tokens ending at the last one, then any token.
    candidates = [joined] + ["".join(parts[i:]) for i in range(1, len(parts))]
    for candidate in candidates:
        for pii, spellings in _NAMES.items():
            if candidate in spellings:
                return _refine(pii, parts)
    for part in parts:
        for pii in (
            PiiClass.EMAIL,
            PiiClass.PHONE,
            PiiClass.US_SSN,
            PiiClass.IBAN,
            PiiClass.PASSPORT,
            PiiClass.DATE_OF_BIRTH,
        ):
            if part in _NAMES[pii] and part not in ("mail", "cell", "cc", "pan", "tel", "ip"):
                return _refine(pii, parts)
    if "birth" in parts or "born" in parts:
        return PiiClass.DATE_OF_BIRTH
    if "name" in parts and parts[0] in ("first", "last", "full", "given", "family", "middle"):
        return PiiClass.PERSON
    return None


def _refine(pii: PiiClass, parts: list[str]) -> PiiClass | None:
    if pii is PiiClass.STREET_ADDRESS and _NOT_STREET & set(parts):
        return (
            PiiClass.EMAIL
            if {"email", "mail"} & set(parts)
            else (PiiClass.IP_ADDRESS if "ip" in parts else None)
        )
    return pii


def field_hint(field: str | None) -> tuple[PiiClass | None, bool]:
    """The class a field name announces, and whether it names some other date or time
    (`shipped_at`), in which a date is not a birth date."""
    if field is not None and len(field) > _CACHED_NAME_CHARS:
        return _field_hint(field)
    return _cached_field_hint(field)


def _field_hint(field: str | None) -> tuple[PiiClass | None, bool]:
    if not field:
        return None, False
    pii = classify_name(field)
    other_date = pii is not PiiClass.DATE_OF_BIRTH and bool(_TIME_WORDS & set(tokens(field)))
    return pii, other_date


_cached_classify_name = lru_cache(maxsize=_CACHED_NAMES)(_classify_name)
_cached_field_hint = lru_cache(maxsize=_CACHED_NAMES)(_field_hint)


def classify_doc(doc: str | None) -> PiiClass | None:
    if not doc:
        return None
    text = doc.casefold()
    for phrase, pii in _DOC_PHRASES:
        if phrase in text:
            return pii
    return None


def classify_tags(tags: list[str] | tuple[str, ...]) -> PiiClass | None:
    """Tags such as 'pii:email', 'PII.EMAIL' or 'email'; a bare 'pii' means OTHER."""
    bare = False
    for tag in tags:
        text = tag.casefold().replace("-", "_")
        value = re.split(r"[:.=/]", text, maxsplit=1)
        name = value[-1] if len(value) > 1 and value[0] == "pii" else text
        if name == "pii":
            bare = True
            continue
        for pii in PiiClass:
            if name in (pii.value.casefold(), pii.name.casefold()):
                return pii
        if (named := classify_name(name)) is not None:
            return named
    return PiiClass.OTHER if bare else None
