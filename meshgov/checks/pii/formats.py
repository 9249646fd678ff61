"""Validators of the structured formats: e-mail addresses, IBANs, card numbers, US SSNs, IP
addresses, phone numbers, calendar dates and passport numbers.

Formats that carry structure are validated by it (Luhn and issuer ranges, mod-97 and country
lengths, SSN area/group/serial rules, libphonenumber's numbering plans), so numbers that fail
a checksum stay negative. Each function takes one candidate, already cut out of its text.
"""

from __future__ import annotations

import ipaddress
import re
from datetime import date
from functools import lru_cache

import phonenumbers

from meshgov.checks.pii.lexicon import MONTHS

# Local parts and domains may be internationalised: "jürgen@müller.de", "a@xn--mller-kva.de",
# and a punycode top-level domain ("xn--p1ai") has digits and hyphens.
_EMAIL_BODY = (
    r"[\w.%+'\-]+@(?:[^\W_](?:[\w\-]{0,61}[^\W_])?\.)+(?:xn--[a-z0-9\-]{1,59}|[^\W\d_]{2,24})"
)
EMAIL = re.compile(rf"^{_EMAIL_BODY}$", re.IGNORECASE)
EMAIL_IN_TEXT = re.compile(rf"(?<![\w.%+'\-]){_EMAIL_BODY}(?![\w\-])", re.IGNORECASE)

_DIGITS_SEPARATED = re.compile(r"^\d[\d \-]{11,22}\d$")
_SSN = re.compile(r"^(\d{3})([\- .])(\d{2})\2(\d{4})$")
_SSN_BARE = re.compile(r"^(\d{3})(\d{2})(\d{4})$")
_IBAN = re.compile(r"^[A-Z]{2}\d{2}[A-Z0-9]{10,30}$")
_IBAN_SEPARATORS = re.compile(r"[ \-]")
_DIGIT = re.compile(r"\d")  # no character upper-cases to a digit: compact IBANs keep theirs
_PHONE_CHARS = re.compile(r"^\+?[\d\s().\-/]{6,24}(?:\s*(?:x|ext\.?|#)\s*\d{1,6})?$", re.IGNORECASE)
_PHONE_EXTENSION = re.compile(r"\s*(?:x|ext\.?|#)\s*\d", re.IGNORECASE)
# Shapes that are something else: dates, amounts, SSN-shaped numbers (valid or not), IPv4
# addresses and CIDR blocks, bracketed or not.
_NOT_A_PHONE = re.compile(
    r"\d{4}-\d{2}-\d{2}|\d{1,2}[./\-]\d{1,2}[./\-]\d{2,4}|\d+[.,]\d{1,2}|\d{3}-\d{2}-\d{4}"
    r"|\(?\d{1,3}(?:\.\d{1,3}){3}(?:/\d{1,2})?\)?"
)
# All an address ipaddress can parse is made of (a zone after "%" excepted).
_IP_CHARS = re.compile(r"[0-9A-Fa-f:.]+")
_PASSPORT = re.compile(
    r"^(?:[A-Z]{1,2}[0-9][A-Z0-9]{5,8}|[0-9]{2}[A-Z]{2}[0-9]{5}|[A-Z]{3}[0-9]{6})$"
)
# German passports: a letter of CFGHJK, then eight of an alphabet without vowels.
_GERMAN_PASSPORT = re.compile(r"^[CFGHJK][CFGHJKLMNPRTVWXYZ0-9]{8}$")
_PASSPORT_CONTEXT = re.compile(r"^[A-Z0-9]{6,10}$")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_NUMERIC_DMY = re.compile(r"^(\d{1,2})([./\-])(\d{1,2})\2(\d{4})$")
# "12 March 1985", "12th of March 1985", "12. März 1985", "12 de marzo de 1985", "12-Mar-1985".
_TEXT_DMY = re.compile(
    r"^(\d{1,2})(?:st|nd|rd|th|er|º|°)?\.?(?:\s+|-)(?:of\s+|de\s+)?([^\W\d_]{3,10})\.?,?"
    r"(?:\s+|-)(?:de\s+|del\s+)?(\d{4})$",
    re.IGNORECASE,
)
# "March 12, 1985", "Mar. 12th 1985".
_TEXT_MDY = re.compile(
    r"^([^\W\d_]{3,10})\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})$", re.IGNORECASE
)

IBAN_LENGTHS = {
    "AD": 24,
    "AE": 23,
    "AL": 28,
    "AT": 20,
    "AZ": 28,
    "BA": 20,
    "BE": 16,
    "BG": 22,
    "BH": 22,
    "BR": 29,
    "BY": 28,
    "CH": 21,
    "CR": 22,
    "CY": 28,
    "CZ": 24,
    "DE": 22,
    "DK": 18,
    "DO": 28,
    "EE": 20,
    "EG": 29,
    "ES": 24,
    "FI": 18,
    "FO": 18,
    "FR": 27,
    "GB": 22,
    "GE": 22,
    "GI": 23,
    "GL": 18,
    "GR": 27,
    "GT": 28,
    "HR": 21,
    "HU": 28,
    "IE": 22,
    "IL": 23,
    "IQ": 23,
    "IS": 26,
    "IT": 27,
    "JO": 30,
    "KW": 30,
    "KZ": 20,
    "LB": 28,
    "LC": 32,
    "LI": 21,
    "LT": 20,
    "LU": 20,
    "LV": 21,
    "MC": 27,
    "MD": 24,
    "ME": 22,
    "MK": 19,
    "MR": 27,
    "MT": 31,
    "MU": 30,
    "NL": 18,
    "NO": 15,
    "PK": 24,
    "PL": 28,
    "PS": 29,
    "PT": 25,
    "QA": 29,
    "RO": 24,
    "RS": 22,
    "SA": 24,
    "SC": 31,
    "SE": 24,
    "SI": 19,
    "SK": 24,
    "SM": 27,
    "ST": 25,
    "SV": 28,
    "TL": 23,
    "TN": 24,
    "TR": 26,
    "UA": 29,
    "VA": 22,
    "VG": 24,
    "XK": 20,
}
PHONE_REGIONS = (
    "US",
    "GB",
    "DE",
    "FR",
    "ES",
    "IT",
    "NL",
    "BR",
    "IN",
    "JP",
    "AU",
    "CA",
    "MX",
    "CH",
    "SE",
    "PL",
)


_NO_DIGITS = str.maketrans("", "", "0123456789")


def digit_count(text: str) -> int:
    return len(text) - len(text.translate(_NO_DIGITS))


def is_email(value: str) -> bool:
    return bool(EMAIL.match(value))


def luhn_valid(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = ord(char) - 48
        if index % 2:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


# Issuer ranges (IIN) of the card networks and the lengths each issues, most specific
# prefixes first.
_R12_19 = tuple(range(12, 20))
_R16_19 = (16, 17, 18, 19)
_ISSUERS: tuple[tuple[str, tuple[int, ...]], ...] = (
    ("34 37", (15,)),  # American Express
    ("1", (15,)),  # UATP
    ("2200 2201 2202 2203 2204", _R16_19),  # Mir
    ("2131 1800", (15,)),  # JCB, legacy
    ("5019", (16,)),  # Dankort
    ("9792", (16,)),  # Troy
    ("506 507 650 6521 6522", _R16_19),  # Verve, RuPay, Elo
    ("4", (13, 16, 19)),  # Visa, Visa Electron
    (
        "51 52 53 54 55 2221 2222 2223 2224 2225 2226 2227 2228 2229 223 224 225 226 227 228 229 "
        "23 24 25 26 270 271 2720",
        (16,),
    ),  # Mastercard
    ("6011 644 645 646 647 648 649 65", _R16_19),  # Discover
    ("35", _R16_19),  # JCB
    ("300 301 302 303 304 305 3095 36 38 39", (14, *_R16_19)),  # Diners Club
    ("60 81 82 508 353 356", (16,)),  # RuPay
    ("62", _R16_19),  # UnionPay
    ("636 637 638", _R16_19),  # InterPayment, InstaPayment
    ("5018 5020 5038 5893 6304 6759 676 0604 639 56 57 58 67", _R12_19),  # Maestro
)
_ISSUER_PREFIXES = tuple((tuple(prefixes.split()), lengths) for prefixes, lengths in _ISSUERS)


def card_issuer_known(digits: str) -> bool:
    """Whether `digits` starts with a card network's issuer range and has a length it issues."""
    for prefixes, lengths in _ISSUER_PREFIXES:
        if digits.startswith(prefixes):
            return len(digits) in lengths
    return False


def is_credit_card(value: str, hinted: bool = False) -> bool:
    """A Luhn-valid number of an issuer's range and length; with a card-like field or context,
    any Luhn-valid number of 12 to 19 digits."""
    if not _DIGITS_SEPARATED.match(value) and not (value.isdigit() and 12 <= len(value) <= 19):
        return False
    digits = value.replace(" ", "").replace("-", "")
    if not 12 <= len(digits) <= 19 or not luhn_valid(digits) or len(set(digits)) == 1:
        return False
    return hinted or card_issuer_known(digits)


def _ssn_parts_valid(area: str, group: str, serial: str) -> bool:
    area_number = int(area)
    return (
        area_number != 0
        and area_number != 666
        and area_number < 900
        and group != "00"
        and serial != "0000"
    )


def is_us_ssn(value: str, hinted: bool = False) -> bool:
    """Area 001-899 but 666, group 01-99, serial 0001-9999, separated by dashes, spaces or
    dots; bare nine digits only when the field or the text says SSN."""
    if match := _SSN.match(value):
        return _ssn_parts_valid(match[1], match[3], match[4])
    if hinted and (bare := _SSN_BARE.match(value)):
        return _ssn_parts_valid(*bare.groups())
    return False


def is_iban(value: str) -> bool:
    """Country, check digits and account, compact or grouped by spaces or dashes."""
    if not _DIGIT.search(value):
        return False
    compact = _IBAN_SEPARATORS.sub("", value).upper()
    if not _IBAN.match(compact) or IBAN_LENGTHS.get(compact[:2]) != len(compact):
        return False
    rearranged = compact[4:] + compact[:4]
    number = "".join(str(int(char, 36)) for char in rearranged)
    return int(number) % 97 == 1


def is_ip_address(value: str) -> bool:
    """An IPv4 or IPv6 address as logs and configurations write it, also with a port
    (10.0.0.1:8080, [2001:db8::1]:443), a zone (fe80::1%eth0) or a prefix (10.0.0.0/8)."""
    text = value
    if " " in text:
        return False
    if text.startswith("["):
        host, closed, rest = text[1:].partition("]")
        if not closed or (rest and not _is_port(rest)) or ":" not in host:
            return False
        return _address(host)
    if "." in text and text.count(":") == 1:
        text, _, port = text.partition(":")
        if not _is_port(":" + port):
            return False
    return _address(text)


def _is_port(text: str) -> bool:
    return text[:1] == ":" and text[1:].isdigit() and len(text) <= 6 and int(text[1:]) <= 65535


def _address(text: str) -> bool:
    if ":" not in text and text.count(".") != 3:
        return False
    if not any(c.isalnum() for c in text):
        return False  # "::", "...": nothing addressed
    host, slash, prefix = text.partition("/")
    if "%" not in host and not _IP_CHARS.fullmatch(host):
        return False  # what ipaddress would refuse, without the cost of its exception
    try:
        if slash:
            if not prefix.isdigit() or "%" in host:
                return False
            ipaddress.ip_network(text, strict=False)
        else:
            ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def is_phone(value: str, hinted: bool = False) -> bool:
    """A phone number in international or national form. Without a phone-like field name it
    must look like one (a + or separators), so bare digit strings such as ids stay negative."""
    if not _PHONE_CHARS.match(value):
        return False
    main = _PHONE_EXTENSION.split(value, maxsplit=1)[0]
    digits = re.sub(r"\D", "", main)
    if not 7 <= len(digits) <= 15:
        return False
    stripped = main.strip()
    separators = len(re.findall(r"[\s().\-/]+", stripped.lstrip("+")))
    # "0151 23456789", "06-12345678": a trunk prefix and one separator are a national number.
    national = stripped.startswith("0") and not stripped.startswith("00") and separators == 1
    formatted = stripped.startswith("+") or "(" in stripped or separators >= 2 or national
    if not (formatted or hinted):
        return False
    if _NOT_A_PHONE.fullmatch(stripped):
        return False
    return possible_phone(main)


@lru_cache(maxsize=8192)  # bounded: scanned data brings ever new numbers
def possible_phone(text: str) -> bool:
    """With + or 00, a possible number of its country; otherwise a valid number of one of
    the regions the detectors know."""
    candidates = [text]
    # "+44(0)115 4960914": the national trunk prefix in brackets is not dialled from abroad.
    if "(0)" in text:
        candidates.append(text.replace("(0)", ""))
    for candidate in candidates:
        if candidate.startswith(("+", "00")):
            try:
                number = phonenumbers.parse(
                    candidate.replace("00", "+", 1) if candidate.startswith("00") else candidate,
                    None,
                )
            except phonenumbers.NumberParseException:
                continue
            if phonenumbers.is_possible_number(number):
                return True
            continue
        for region in PHONE_REGIONS:
            try:
                number = phonenumbers.parse(candidate, region)
            except phonenumbers.NumberParseException:
                continue
            if phonenumbers.is_possible_number(number) and phonenumbers.is_valid_number(number):
                return True
    return False


def parse_date(value: str) -> date | None:
    """A calendar date written without a time: 1987-03-12, 12/03/1987, 12.03.1987,
    March 12, 1987, 12 March 1987, 12. März 1987, 12 de marzo de 1987."""
    try:
        if match := _ISO_DATE.match(value):
            return date(int(match[1]), int(match[2]), int(match[3]))
        if match := _NUMERIC_DMY.match(value):
            first, second, year = int(match[1]), int(match[3]), int(match[4])
            day, month = (first, second) if second <= 12 else (second, first)
            return date(year, month, day)
        if match := _TEXT_DMY.match(value):
            day_text, month_text, year_text = match[1], match[2], match[3]
        elif match := _TEXT_MDY.match(value):
            month_text, day_text, year_text = match[1], match[2], match[3]
        else:
            return None
        named = MONTHS.get(month_text.casefold())
        return None if named is None else date(int(year_text), named, int(day_text))
    except ValueError:
        return None


def is_birth_year(day: date, today: date) -> bool:
    """Someone alive could have been born on `day`."""
    return day <= today and today.year - day.year <= 120


def is_passport(value: str, hinted: bool = False) -> bool:
    """The letter-and-digit shapes of passport numbers (US A12345678, FR 12AB34567, DE
    C01X00T47, IT YA1234567, ES PAA123456); with a passport-like field or context, also
    all-digit and lower-case ones."""
    if hinted:
        compact = value.replace(" ", "").upper()
        return bool(_PASSPORT_CONTEXT.match(compact)) and any(c.isdigit() for c in compact)
    text = value.strip()
    if _PASSPORT.match(text) and digit_count(text) >= 5:
        return True
    return bool(_GERMAN_PASSPORT.match(text)) and digit_count(text) >= 2
