"""Value detectors: does this string hold PII, and of which class?

Formats that carry structure are validated by it (Luhn and issuer ranges, mod-97 and country
lengths, SSN area/group/serial rules, libphonenumber's numbering plans), so numbers that fail
a checksum stay negative. The field name, when known, settles what a value alone cannot: a
date in `birth_date` is a birth date, a date in `shipped_at` is not.
"""

from __future__ import annotations

import ipaddress
import re
from datetime import date
from functools import cache

import phonenumbers

from meshgov.checks.pii.fields import field_hint
from meshgov.checks.pii.lexicon import (
    NAME_PARTICLES,
    NAME_SUFFIXES,
    STREET_PREFIXES,
    STREET_SUFFIXES,
    STREET_WORDS,
    TITLES,
)
from meshgov.models.descriptor import PiiClass

EMAIL = re.compile(r"^[A-Za-z0-9._%+'\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,24}$")
_DIGITS_SEPARATED = re.compile(r"^\d[\d \-]{11,22}\d$")
_SSN = re.compile(r"^(\d{3})-(\d{2})-(\d{4})$|^(\d{3}) (\d{2}) (\d{4})$")
_SSN_BARE = re.compile(r"^(\d{3})(\d{2})(\d{4})$")
_IBAN = re.compile(r"^[A-Z]{2}\d{2}[A-Z0-9]{10,30}$")
_PHONE_CHARS = re.compile(r"^\+?[\d\s().\-/]{6,24}(?:\s*(?:x|ext\.?|#)\s*\d{1,6})?$", re.IGNORECASE)
# Shapes that are something else: dates, amounts, SSN-shaped numbers (valid or not).
_NOT_A_PHONE = re.compile(
    r"\d{4}-\d{2}-\d{2}|\d{1,2}[./\-]\d{1,2}[./\-]\d{2,4}|\d+[.,]\d{1,2}|\d{3}-\d{2}-\d{4}"
)
_PASSPORT = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]{5,8}$|^[0-9]{2}[A-Z]{2}[0-9]{5}$")
_PASSPORT_CONTEXT = re.compile(r"^[A-Z0-9]{6,10}$")
# Academic degrees written with dots: "B.Eng.", "Dipl.-Ing.", "M.Sc.".
_DEGREE = re.compile(r"^(?:[A-Za-z]{1,5}\.){1,3}(?:-?[A-Za-z]{1,5}\.)?$")
# Letters, with inner hyphens or apostrophes (straight or typographic, U+2019).
_WORD = re.compile(r"^[^\W\d_][^\W\d_'\u2019\-.]*(?:[\-'\u2019][^\W\d_]+)*\.?$")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_DMY = re.compile(r"^(\d{1,2})[./\-](\d{1,2})[./\-](\d{4})$")
_TEXT_DATE = re.compile(r"^(?:(\d{1,2})\s+)?([A-Za-z]{3,9})\.?\s+(?:(\d{1,2}),?\s+)?(\d{4})$")
_MONTHS = {
    m: i
    for i, m in enumerate(
        ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"],
        start=1,
    )
}

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


def card_issuer_known(digits: str) -> bool:
    """Issuer ranges (IIN) of the major networks, with their lengths."""
    length, two, four = len(digits), int(digits[:2]), int(digits[:4])
    six = int(digits[:6])
    if digits[0] == "4":
        return length in (13, 16, 19)  # Visa
    if 51 <= two <= 55 or 222100 <= six <= 272099:
        return length == 16  # Mastercard
    if two in (34, 37):
        return length == 15  # American Express
    if four == 6011 or 644 <= int(digits[:3]) <= 649 or two == 65 or 622126 <= six <= 622925:
        return 16 <= length <= 19  # Discover
    if two == 35:
        return 16 <= length <= 19  # JCB (3528-3589 issued; the 35 prefix is theirs)
    if four in (1800, 2131):
        return length == 15  # JCB, legacy
    if 300 <= int(digits[:3]) <= 305 or two in (36, 38, 39) or four == 3095:
        return 14 <= length <= 19  # Diners Club
    if two == 62:
        return 16 <= length <= 19  # UnionPay
    if (
        digits[:4]
        in ("5018", "5020", "5038", "5893", "6304", "6759", "6761", "6762", "6763", "0604")
        or 56 <= two <= 58
        or two == 67
        or digits[:3] == "639"
    ):
        return 12 <= length <= 19  # Maestro
    return False


def is_credit_card(value: str) -> bool:
    if not _DIGITS_SEPARATED.match(value) and not (value.isdigit() and 12 <= len(value) <= 19):
        return False
    digits = value.replace(" ", "").replace("-", "")
    return 12 <= len(digits) <= 19 and card_issuer_known(digits) and luhn_valid(digits)


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
    """Area 001-899 but 666, group 01-99, serial 0001-9999; bare nine digits only when the
    field says SSN."""
    match = _SSN.match(value)
    if match:
        parts = [p for p in match.groups() if p is not None]
        return _ssn_parts_valid(*parts)
    if hinted and (bare := _SSN_BARE.match(value)):
        return _ssn_parts_valid(*bare.groups())
    return False


def is_iban(value: str) -> bool:
    compact = value.replace(" ", "").upper()
    if not _IBAN.match(compact) or IBAN_LENGTHS.get(compact[:2]) != len(compact):
        return False
    rearranged = compact[4:] + compact[:4]
    number = "".join(str(int(char, 36)) for char in rearranged)
    return int(number) % 97 == 1


def is_ip_address(value: str) -> bool:
    if ":" not in value and value.count(".") != 3:
        return False
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


def is_phone(value: str, hinted: bool = False) -> bool:
    """A phone number in international or national form. Without a phone-like field name it
    must look like one (a + or separators), so bare digit strings such as ids stay negative."""
    if not _PHONE_CHARS.match(value):
        return False
    main = re.split(r"\s*(?:x|ext\.?|#)\s*\d", value, maxsplit=1, flags=re.IGNORECASE)[0]
    digits = re.sub(r"\D", "", main)
    if not 7 <= len(digits) <= 15:
        return False
    stripped = main.strip()
    separators = len(re.findall(r"[\s().\-/]+", stripped.lstrip("+")))
    formatted = stripped.startswith("+") or "(" in stripped or separators >= 2
    if not (formatted or hinted):
        return False
    if _NOT_A_PHONE.fullmatch(stripped):
        return False
    return _possible_phone(main)


@cache
def _possible_phone(text: str) -> bool:
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
    March 12, 1987, 12 March 1987."""
    try:
        if match := _ISO_DATE.match(value):
            return date(int(match[1]), int(match[2]), int(match[3]))
        if match := _DMY.match(value):
            first, second, year = int(match[1]), int(match[2]), int(match[3])
            day, month = (first, second) if second <= 12 else (second, first)
            return date(year, month, day)
        if match := _TEXT_DATE.match(value):
            month_number = _MONTHS.get(match[2][:3].lower())
            day_text = match[1] or match[3]
            if month_number is None or day_text is None:
                return None
            return date(int(match[4]), month_number, int(day_text))
    except ValueError:
        return None
    return None


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


@cache
def _first_names() -> frozenset[str]:
    """About 45,000 first names of many countries, from the gender-guesser package's
    name dictionary (Jörg Michael's nam_dict)."""
    import gender_guesser.detector as lexicon

    names: set[str] = set()
    for key in lexicon.Detector().names:
        for part in re.split(r"[ +\-]", key):
            if len(part) > 1:
                names.add(part.casefold())
    return frozenset(names)


def is_person(value: str, hinted: bool = False) -> bool:
    """Two to five capitalised name words (titles and suffixes allowed) whose first name is
    a known first name; with a name-like field, any such words."""
    text = value.replace(",", " ").strip()
    words = text.split()
    if not 2 <= len(words) <= 7 or len(text) > 80:
        return False
    core = [
        w
        for w in words
        if w.casefold().rstrip(".") not in TITLES | NAME_SUFFIXES and not _DEGREE.match(w)
    ]
    named = [w for w in core if w.casefold() not in NAME_PARTICLES]
    if not 1 <= len(core) <= 5 or (len(named) < 2 and not hinted) or not named:
        return False
    for position, word in enumerate(core):
        bare = word.rstrip(".")
        if bare.casefold() in NAME_PARTICLES:
            continue
        inner = 0 < position < len(core) - 1
        if hinted and inner and bare.islower() and len(bare) <= 4:
            continue  # a connector such as "de los", "bin", "ter"
        if not _WORD.match(word) or not bare[:1].isupper():
            return False
        if bare.isupper() and len(bare) > 3:
            return False
    if hinted:
        return True
    known = _first_names()
    given = [w.casefold().rstrip(".") for w in named]

    def is_first_name(word: str) -> bool:
        return word in known or all(part in known for part in word.split("-") if part)

    # "Smith, John" puts the given name last.
    return is_first_name(given[0]) or ("," in value and is_first_name(given[-1]))


def is_street_address(value: str, hinted: bool = False) -> bool:
    """A house number and a street type ("12 Main Street", "Goethestraße 5a", "12, rue de la
    Paix", "Via Roma 3"); with an address-like field, a street type alone is enough."""
    text = value.replace("\n", " ").strip()
    if not 5 <= len(text) <= 160 or "@" in text:
        return False
    tokens = re.findall(r"[^\W\d_][\w'.\-]*|\d+[A-Za-z]?", text)
    words = [t.casefold() for t in tokens if not t[0].isdigit()]
    has_number = any(t[0].isdigit() for t in tokens)
    has_street = any(_street_word(w.rstrip(".,")) for w in words) or any(
        w.endswith(STREET_SUFFIXES) and len(w) > 5 for w in words
    )
    if not has_street or not words:
        return False
    if has_number or hinted:
        return True
    # "Praça André Sampaio": a street type first, then a capitalised name.
    first = tokens[0].casefold().rstrip(".,")
    rest = [t for t in tokens[1:] if t.casefold() not in NAME_PARTICLES]
    return first in STREET_PREFIXES and bool(rest) and all(t[:1].isupper() for t in rest)


def _street_word(word: str) -> bool:
    return word in STREET_WORDS or (word.endswith("s") and word[:-1] in STREET_WORDS)


def is_passport(value: str, hinted: bool = False) -> bool:
    compact = value.replace(" ", "").upper()
    if hinted:
        return bool(_PASSPORT_CONTEXT.match(compact)) and any(c.isdigit() for c in compact)
    return bool(_PASSPORT.match(value.strip())) and sum(c.isdigit() for c in compact) >= 5


_EMBEDDED: tuple[tuple[re.Pattern[str], PiiClass], ...] = (
    (
        re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,24}"),
        PiiClass.EMAIL,
    ),
    (re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?\b"), PiiClass.IBAN),
    (re.compile(r"(?<![\d-])\d(?:[ \-]?\d){11,18}(?![\d-])"), PiiClass.CREDIT_CARD),
    (re.compile(r"(?<![\d-])\d{3}-\d{2}-\d{4}(?![\d-])"), PiiClass.US_SSN),
    (re.compile(r"\+\d[\d ().\-]{6,20}\d"), PiiClass.PHONE),
    (re.compile(r"(?<![\d.])\d{1,3}(?:\.\d{1,3}){3}(?![\d.])"), PiiClass.IP_ADDRESS),
)


_HAS_DIGIT_OR_AT = re.compile(r"[\d@]")


def detect_embedded(text: str) -> list[PiiClass]:
    """Structured PII inside free text ("call me on +44 20 7946 0958"), each validated."""
    found = []
    for pattern, label in _EMBEDDED:
        for match in pattern.finditer(text):
            if _detect_whole(match.group(0), None) == [label]:
                found.append(label)
                break
    return found


def detect(value: str, field: str | None = None) -> list[PiiClass]:
    """The PII classes `value` holds, knowing the name of its field when given."""
    text = value.strip()
    if not text or len(text) > 4096:
        return []
    found = _detect_whole(text, field)
    # Every kind searched for inside text has a digit or an @; most prose has neither.
    if not found and " " in text and len(text) > 12 and _HAS_DIGIT_OR_AT.search(text):
        return detect_embedded(text)
    return found


def _detect_whole(text: str, field: str | None) -> list[PiiClass]:
    if len(text) > 512:
        return []
    hint, other_date = field_hint(field)
    if EMAIL.match(text):
        return [PiiClass.EMAIL]
    if is_iban(text):
        return [PiiClass.IBAN]
    if is_credit_card(text):
        return [PiiClass.CREDIT_CARD]
    if is_us_ssn(text, hint is PiiClass.US_SSN):
        return [PiiClass.US_SSN]
    if is_ip_address(text):
        return [PiiClass.IP_ADDRESS]
    if is_date_of_birth(text, hint, other_date):
        return [PiiClass.DATE_OF_BIRTH]
    if hint is PiiClass.PASSPORT and is_passport(text, hinted=True):
        return [PiiClass.PASSPORT]
    if is_phone(text, hint is PiiClass.PHONE):
        return [PiiClass.PHONE]
    if is_street_address(text, hint is PiiClass.STREET_ADDRESS):
        return [PiiClass.STREET_ADDRESS]
    if is_person(text, hint is PiiClass.PERSON):
        return [PiiClass.PERSON]
    if hint is None and is_passport(text):
        return [PiiClass.PASSPORT]
    return []
