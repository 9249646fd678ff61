"""Values made of words: a person's name, a street address."""

from __future__ import annotations

import re
import unicodedata
from functools import cache

from meshgov.checks.pii.lexicon import (
    COMMON_WORDS,
    FUNCTION_WORDS,
    MONTHS,
    NAME_PARTICLES,
    NAME_SUFFIXES,
    NOT_SURNAMES,
    STREET_PREFIXES,
    STREET_SUFFIXES,
    STREET_TYPES,
    STREET_WORDS,
    TITLES,
    words,
)

# Academic degrees written with dots: "B.Eng.", "Dipl.-Ing.", "M.Sc.".
_DEGREE = re.compile(r"^(?:[A-Za-z]{1,5}\.){1,3}(?:-?[A-Za-z]{1,5}\.)?$")
# Letters, with inner hyphens or apostrophes (straight or typographic, U+2019).
_WORD = re.compile(r"^[^\W\d_][^\W\d_'\u2019\-.]*(?:[\-'\u2019][^\W\d_]+)*\.?$")
_ADDRESS_TOKEN = re.compile(r"[^\W\d_][\w'.\-]*|\d+[A-Za-z]?")
_LOWER_WORD = re.compile(r"(?<![\w'.\-])[a-zß-ÿ][\w'.\-]*")
# A number joined to another by a colon, or "::": a port, a time, an IPv6 address.
_NOT_AN_ADDRESS = re.compile(r"\w:\w|::")
_NOT_NAMES = TITLES | NAME_SUFFIXES
# Lower-case words an address line may have besides street types and name particles.
_ADDRESS_LOWER = words(
    "bis ter apt apt. piso puerta esc. esc planta dcha izq bajo andar sala casa bloco lote "
    "et e y i of the l' d' d\u2019 l\u2019 sur sous les des aux do "
    "dei degli delle dal al los las el"
)


@cache
def first_names() -> frozenset[str]:
    """About 45,000 first names of many countries, from the gender-guesser package's
    name dictionary (Jörg Michael's nam_dict)."""
    import gender_guesser.detector as lexicon

    names: set[str] = set()
    for key in lexicon.Detector().names:
        for part in re.split(r"[ +\-]", key):
            if len(part) > 1:
                names.add(part.casefold())
    return frozenset(names)


def is_first_name(word: str) -> bool:
    """A known first name, hyphenated ones ("Hans-Jürgen") included, with or without its
    accents ("Élodie"); `word` casefolded."""
    known = first_names()
    if word in known or ("-" in word and all(p in known for p in word.split("-") if p)):
        return True
    if word.isascii():
        return False
    plain = _unaccented(word)
    return plain != word and is_first_name(plain)


def _unaccented(word: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", word) if not unicodedata.combining(c))


def not_a_surname(word: str) -> bool:
    """Words that end a name rather than go on with it: "Victoria Station", "Rose Garden
    Ltd", "Anna and", a month; `word` casefolded."""
    return (
        word in FUNCTION_WORDS
        or word in NOT_SURNAMES
        or word in STREET_TYPES
        or word in MONTHS
        or word.endswith(STREET_SUFFIXES[:4])
    )


def is_title(word: str) -> bool:
    return word.casefold().rstrip(".") in TITLES


def is_person(value: str, hinted: bool = False) -> bool:
    """Two to five capitalised name words (titles and suffixes allowed) whose first name is
    a known first name; with a name-like field, any such words."""
    text = value.replace(",", " ").strip()
    words = text.split()
    if not 2 <= len(words) <= 7 or len(text) > 80:
        return False
    if not hinted and any(w[0].islower() and w not in NAME_PARTICLES for w in words):
        return False  # a sentence, or a thing's name
    core = [w for w in words if w.casefold().rstrip(".") not in _NOT_NAMES and not _DEGREE.match(w)]
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
    given = [w.casefold().rstrip(".") for w in named]
    if common_word(given[0]) or any(not_a_surname(w) for w in given[1:]):
        return False
    # "Smith, John" puts the given name last.
    return is_first_name(given[0]) or ("," in value and is_first_name(given[-1]))


def is_street_address(value: str, hinted: bool = False) -> bool:
    """A house number and a street type ("12 Main Street", "Goethestraße 5a", "12, rue de la
    Paix", "Via Roma 3"); with an address-like field, a street type alone is enough. Without
    such a field the value must read as an address line, not a sentence."""
    text = value.replace("\n", " ").strip()
    if not 5 <= len(text) <= 160 or " " not in text or "@" in text:
        return False
    if _NOT_AN_ADDRESS.search(text):
        return False
    if not hinted and any(_not_in_address_line(m.group()) for m in _LOWER_WORD.finditer(text)):
        return False
    tokens = _ADDRESS_TOKEN.findall(text)
    words = [t.casefold() for t in tokens if not t[0].isdigit()]
    has_number = any(t[0].isdigit() for t in tokens)
    has_street = any(street_word(w.rstrip(".,")) for w in words) or any(
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


def _not_in_address_line(word: str) -> bool:
    """A lower-case word that is no street type, name particle or unit: the text is a
    sentence ("Meet me at the park at 5")."""
    bare = word.rstrip(".,")
    return not (bare in _ADDRESS_LOWER or bare in NAME_PARTICLES or street_word(bare))


def street_word(word: str) -> bool:
    """A street type or unit word, casefolded: "street", "strasse", "rue", "apt"."""
    return word in STREET_WORDS or (word.endswith("s") and word[:-1] in STREET_WORDS)


def common_word(word: str) -> bool:
    return word.casefold() in COMMON_WORDS
