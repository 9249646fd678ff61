"""PII inside free text: candidates cut out by their shape, validated as whole values are,
and raised by the words around them ("passport no. XK4821937", "born 12 March 1985").

Context is the nearest context word before a candidate (within a few words), or failing
that just after it, in English, German, French, Spanish, Italian, Dutch and Portuguese; the
field's name counts as context for the whole text. The nearest word wins, so in "passport
C01X00T47, phone 030 901820" each number gets its own.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from meshgov.checks.pii.formats import (
    EMAIL_IN_TEXT,
    digit_count,
    is_birth_year,
    is_credit_card,
    is_iban,
    is_ip_address,
    is_passport,
    is_phone,
    is_us_ssn,
    parse_date,
)
from meshgov.checks.pii.lexicon import (
    CONTEXT_WORDS,
    MONTHS,
    NAME_PARTICLES,
    STREET_PREFIXES,
    STREET_TYPES,
    STREET_WORDS,
    words,
)
from meshgov.checks.pii.words import common_word, is_first_name, is_title, not_a_surname
from meshgov.models.descriptor import PiiClass

PERSON = PiiClass.PERSON


@dataclass(frozen=True, slots=True)
class Match:
    """A span of the scanned text, [start, end), and the class of PII it holds."""

    start: int
    end: int
    label: PiiClass


# When candidates overlap, the more structured one wins: a card number holds a phone-shaped
# run of digits, an IP address a date-shaped one.
_PRIORITY = {
    label: rank
    for rank, label in enumerate(
        [
            PiiClass.EMAIL,
            PiiClass.IBAN,
            PiiClass.CREDIT_CARD,
            PiiClass.IP_ADDRESS,
            PiiClass.US_SSN,
            PiiClass.DATE_OF_BIRTH,
            PiiClass.PASSPORT,
            PiiClass.PHONE,
            PiiClass.STREET_ADDRESS,
            PiiClass.PERSON,
        ]
    )
}
_BEFORE = 32  # characters between a context word and its candidate
_AFTER = 16
# INTRO first: "called" opens a name before "call" opens a phone number.
_KIND_ORDER = ("INTRO", *(kind for kind in CONTEXT_WORDS if kind != "INTRO"))


class _Node:
    __slots__ = ("children", "endings")

    def __init__(self) -> None:
        self.children: dict[str, _Node] = {}
        self.endings: list[str] = []


def trie(words: Iterable[tuple[str, str]]) -> str:
    """A regex alternation of (literal, ending) pairs written as a trie, longer words
    first: Python's re tries every branch of a flat alternation at each position, and
    only one first letter of a trie. "_" in a literal is a space."""
    root = _Node()
    for literal, ending in words:
        node = root
        for char in literal:
            node = node.children.setdefault(char, _Node())
        if ending not in node.endings:
            node.endings.append(ending)

    def emit(node: _Node) -> str:
        branches = [
            (r"\s+" if char == "_" else re.escape(char)) + emit(child)
            for char, child in sorted(node.children.items())
        ]
        branches += node.endings
        return branches[0] if len(branches) == 1 else f"(?:{'|'.join(branches)})"

    return emit(root)


def _alternation(words: Iterable[str]) -> str:
    return trie((word, "") for word in words)


def _context_pattern() -> re.Pattern[str]:
    """One trie of all context words; the empty group closing each word is named for its
    kind ("PHONE_12")."""
    words = []
    for kind in _KIND_ORDER:
        for number, word in enumerate(CONTEXT_WORDS[kind].split()):
            ending = r"[^\W\d_]*" if word.endswith("*") else r"(?![^\W_])"
            words.append((word.rstrip("*"), f"{ending}(?P<{kind}_{number}>)"))
    return re.compile(rf"(?<![^\W_]){trie(words)}", re.IGNORECASE)


_CONTEXT = _context_pattern()
_LETTERS = re.compile(r"[^\W\d_]+")
_DIGIT = re.compile(r"\d")
_UPPER = re.compile(r"[A-Z\u00c0-\u00d6\u00d8-\u00de]")

_EDGE = r"(?![\w\-/]|[.:,]\d)"  # not followed by more of a number
_SEPARATORS = re.compile(r"[ \-./()]+")
_PHONE = re.compile(rf"(?<![\w+\-./])(?<!\d:)\+?\(?\d[\d \-./()]{{4,20}}\d{_EDGE}")
_PHONE_SHAPE = re.compile(r"^\(\d{2,5}\)\s?\d|^\d{3}([.\- ])\d{3}\1\d{4}$")
_CARD = re.compile(rf"(?<![\w\-.+,])\d(?:[ \-]?\d){{11,18}}{_EDGE}")
_IBAN = re.compile(r"(?<![\w\-])[A-Z]{2}\d{2}(?:[ \-]?[A-Z0-9]{1,4}){3,9}(?![\w\-])")
_SSN = re.compile(rf"(?<![\w\-.+,])\d{{3}}([\- .])\d{{2}}\1\d{{4}}{_EDGE}")
_BARE_NINE = re.compile(rf"(?<![\w\-.+,])\d{{9}}{_EDGE}")
_AFTER_COUNTRY_CODE = re.compile(r"\+\d{1,3}[ \-]?$")
_IPV4 = re.compile(r"(?<![\w.\-])\d{1,3}(?:\.\d{1,3}){3}(?:/\d{1,2})?(?::\d{1,5})?(?![\w\-]|\.\d)")
_IPV6 = re.compile(
    r"(?<![\w.\[])(\[)?(?:[0-9A-Fa-f]{0,4}:){2,7}(?:\d{1,3}(?:\.\d{1,3}){3}|[0-9A-Fa-f]{1,4})?"
    r"(?:%[\w.\-]+)?(?(1)\](?::\d{1,5})?)(?:/\d{1,3})?(?![\w])"
)
_MONTH = _alternation(MONTHS)
_DATE = re.compile(
    r"(?<![\w.\-/])(?:\d{4}-\d{1,2}-\d{1,2}|\d{1,2}([./\-])\d{1,2}\1\d{4}"
    rf"|\d{{1,2}}(?:st|nd|rd|th|er|º|°)?\.?(?:\s+|-)(?:of\s+|de\s+)?(?:{_MONTH})\.?,?"
    r"(?:\s+|-)(?:de\s+|del\s+)?\d{4}"
    rf"|(?:{_MONTH})\.?\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}})(?![\w\-/]|[.:]\d)",
    re.IGNORECASE,
)
_PASSPORT_TOKEN = re.compile(r"(?<![\w@])[A-Za-z0-9]{6,10}(?![\w\-@])")
_NAME_TOKEN = re.compile(r"[^\W\d_]+(?:['\u2019\-][^\W\d_]+)*\.?")

_PARTICLES = (
    r"(?:(?:de|del|della|dei|di|da|do|dos|das|du|des|la|le|los|las|van|von|der|den)\s+|l'|d')*"
)
_NAME_WORD = r"[^\W\d_a-z][\w'\u2019\-]*"
_HOUSE_NUMBER = r"\d{1,5}(?:bis|ter|[A-Za-z])?(?:\s?[-/]\s?(?:\d{1,4}|[A-Za-z]\b))?"
# Street types after a house number and a name; these four are surnames too ("Oliver Hill").
_EN_TYPES = STREET_TYPES | {"grove", "hill", "walk", "row"}
_FRENCH_LOWER = ("rue", "avenue", "boulevard", "chemin", "allée", "impasse", "quai", "place")


# "742 Evergreen Terrace", "1600 Pennsylvania Ave NW", "221B Baker Street".
_NUMBER_FIRST = re.compile(
    rf"(?<![\w.,:\-/]){_HOUSE_NUMBER},?\s+(?:{_NAME_WORD}\s+){{1,3}}"
    rf"(?i:({_alternation(STREET_WORDS)})s?)\.?(?:\s+(?:N|S|E|W|NE|NW|SE|SW)\b)?(?![\w])"
)
# "12, rue de la Paix", "5 avenue Victor Hugo".
_NUMBER_THEN_TYPE = re.compile(
    rf"(?<![\w.,:\-/])\d{{1,5}}(?:\s?(?:bis|ter))?,?\s+(?i:{_alternation(STREET_PREFIXES)})"
    rf"\s+{_PARTICLES}{_NAME_WORD}(?:\s+{_PARTICLES}{_NAME_WORD}){{0,3}}"
)
# "Calle de Alcalá 12", "Via Roma 3", "Rua Augusta, 1500", "rue de la Paix 12".
_TYPE_FIRST = re.compile(
    rf"(?<![\w])((?i:{_alternation(STREET_PREFIXES)}))\s+{_PARTICLES}{_NAME_WORD}"
    rf"(?:\s+{_PARTICLES}{_NAME_WORD}){{0,3}},?\s+(?:n[º°o.]\s*)?{_HOUSE_NUMBER}(?![\w:]|[.,]\d)"
)
_GERMANIC = words(
    "straße strasse str. weg allee platz gasse straat laan plein gracht kade dijk singel steeg "
    "ring damm ufer pfad steig markt dreef chaussee"
)
# "str." is a word "str" to the word finder.
_GERMANIC_ENDINGS = tuple(w.rstrip(".") for w in _GERMANIC)
# "Goethestraße 5a", "Kerkstraat 12", "Berliner Straße 12".
_COMPOUND = re.compile(
    rf"(?<![\w])(?:[A-ZÄÖÜ][\w\-]{{2,}}?(?:{_alternation(_GERMANIC)})"
    rf"|[A-ZÄÖÜ][\w\-]+\s+(?i:{_alternation(_GERMANIC)}))\s+{_HOUSE_NUMBER}(?![\w:]|[.,]\d)"
)


class _Context:
    """The words of one text and the context words among them, found once."""

    __slots__ = ("_folded", "hint", "hits", "kinds", "text")

    def __init__(self, text: str, hint: PiiClass | None) -> None:
        self.hint = hint.value if hint is not None else None
        self.text = text
        self._folded: frozenset[str] | None = None
        self.hits: list[tuple[int, int, str]] = []
        for match in _CONTEXT.finditer(text):
            if match.lastgroup:
                kind = match.lastgroup.rpartition("_")[0]
                self.hits.append((match.start(), match.end(), kind))
        self.kinds = frozenset(kind for _, _, kind in self.hits) | {self.hint or ""}

    def folded(self) -> frozenset[str]:
        """The text's words, casefolded."""
        if self._folded is None:
            self._folded = frozenset(_LETTERS.findall(self.text.casefold()))
        return self._folded

    def near(self, start: int, end: int) -> str | None:
        """The kind of the nearest context word before [start, end), or just after it, or
        the field's class."""
        before: tuple[int, str] | None = None
        for hit_start, hit_end, kind in self.hits:
            if hit_end <= start:
                before = (hit_end, kind)
            elif hit_start >= end:
                if before is None and hit_start - end <= _AFTER:
                    return kind
                break
        if before is not None and start - before[0] <= _BEFORE:
            return before[1]
        return self.hint


def scan_text(text: str, hint: PiiClass | None = None) -> list[Match]:
    """The PII in `text`, in order, with no two matches overlapping. `hint` is the class the
    field's name announces, if any."""
    context = _Context(text, hint)
    found: list[Match] = []
    if "@" in text:
        _emails(text, found)
    if _DIGIT.search(text):
        _ibans(text, found)
        _cards(text, context, found)
        _ssns(text, context, found)
        _ipv4(text, context, found)
        _phones(text, context, found)
        _addresses(text, context, found)
        if PiiClass.DATE_OF_BIRTH.value in context.kinds:
            _dates(text, context, found)
        if PiiClass.PASSPORT.value in context.kinds:
            _passports(text, context, found)
    if "::" in text or text.count(":") >= 2:
        _ipv6(text, context, found)
    if _UPPER.search(text):
        _people(text, context, found)
    return _resolve(found)


def _resolve(found: list[Match]) -> list[Match]:
    chosen: list[Match] = []
    for match in sorted(found, key=lambda m: (_PRIORITY[m.label], m.start - m.end, m.start)):
        if all(match.end <= c.start or match.start >= c.end for c in chosen):
            chosen.append(match)
    return sorted(chosen, key=lambda m: m.start)


def _ends(candidate: str) -> list[int]:
    """Where `candidate` may end: all of it, then without each trailing group in turn
    ("4111 1111 1111 1111 123" holds a card number and a CVC)."""
    return [len(candidate)] + [m.start() for m in reversed(list(_SEPARATORS.finditer(candidate)))]


def _emails(text: str, found: list[Match]) -> None:
    for match in EMAIL_IN_TEXT.finditer(text):
        value = match.group()
        lead = len(value) - len(value.lstrip(".'-"))
        found.append(Match(match.start() + lead, match.end(), PiiClass.EMAIL))


def _ibans(text: str, found: list[Match]) -> None:
    for match in _IBAN.finditer(text):
        candidate = match.group()
        for end in _ends(candidate):
            if end >= 15 and is_iban(candidate[:end]):
                found.append(Match(match.start(), match.start() + end, PiiClass.IBAN))
                break


def _cards(text: str, context: _Context, found: list[Match]) -> None:
    for match in _CARD.finditer(text):
        candidate = match.group()
        hinted = context.near(match.start(), match.end()) == PiiClass.CREDIT_CARD.value
        for end in _ends(candidate):
            if is_credit_card(candidate[:end].rstrip(" -"), hinted):
                found.append(Match(match.start(), match.start() + end, PiiClass.CREDIT_CARD))
                break


def _ssns(text: str, context: _Context, found: list[Match]) -> None:
    for match in _SSN.finditer(text):
        if _AFTER_COUNTRY_CODE.search(text, 0, match.start()):
            continue  # "+1 212 55 5018" is a phone number
        kind = context.near(match.start(), match.end())
        dashed = match[1] == "-"
        if (dashed or kind != PiiClass.PHONE.value) and is_us_ssn(match.group()):
            found.append(Match(match.start(), match.end(), PiiClass.US_SSN))
    if PiiClass.US_SSN.value in context.kinds:
        for match in _BARE_NINE.finditer(text):
            kind = context.near(match.start(), match.end())
            if kind == PiiClass.US_SSN.value and is_us_ssn(match.group(), hinted=True):
                found.append(Match(match.start(), match.end(), PiiClass.US_SSN))


def _ipv4(text: str, context: _Context, found: list[Match]) -> None:
    for match in _IPV4.finditer(text):
        if context.near(match.start(), match.end()) == "VERSION":
            continue  # "version 2.4.1.0"
        if is_ip_address(match.group()):
            found.append(Match(match.start(), match.end(), PiiClass.IP_ADDRESS))


def _ipv6(text: str, context: _Context, found: list[Match]) -> None:
    for match in _IPV6.finditer(text):
        candidate, start = match.group(), match.start()
        if candidate.endswith(":") and not candidate.endswith("::"):
            candidate = candidate[:-1]  # "from fe80::1: refused"
        # "dead::beef" may be an address or a word; only the context says which.
        if not any(c.isdigit() for c in candidate) and (
            context.near(start, start + len(candidate)) != PiiClass.IP_ADDRESS.value
        ):
            continue
        if is_ip_address(candidate):
            found.append(Match(start, start + len(candidate), PiiClass.IP_ADDRESS))


def _phones(text: str, context: _Context, found: list[Match]) -> None:
    for match in _PHONE.finditer(text):
        candidate, start = match.group(), match.start()
        if candidate.startswith("(") and ")" not in candidate:
            candidate, start = candidate[1:], start + 1
        kind = context.near(start, start + len(candidate))
        for end in _ends(candidate):
            piece = candidate[:end].rstrip(" -./(")
            if digit_count(piece) < 7:
                break
            if _phone_in_text(piece, kind):
                found.append(Match(start, start + len(piece), PiiClass.PHONE))
                break


def _phone_in_text(piece: str, kind: str | None) -> bool:
    if piece.startswith(("+", "00")):
        return is_phone(piece)
    if kind == PiiClass.PHONE.value:
        return is_phone(piece, hinted=True)
    if kind is not None and kind not in ("GREETING", "INTRO", PiiClass.PERSON.value):
        return False  # the nearest word says it is a passport, an account, a version...
    return bool(_PHONE_SHAPE.search(piece)) and is_phone(piece)


def _dates(text: str, context: _Context, found: list[Match]) -> None:
    today = date.today()
    for match in _DATE.finditer(text):
        if context.near(match.start(), match.end()) != PiiClass.DATE_OF_BIRTH.value:
            continue
        day = parse_date(match.group())
        if day is not None and is_birth_year(day, today):
            found.append(Match(match.start(), match.end(), PiiClass.DATE_OF_BIRTH))


def _passports(text: str, context: _Context, found: list[Match]) -> None:
    for match in _PASSPORT_TOKEN.finditer(text):
        candidate = match.group()
        if not any(c.isdigit() for c in candidate):
            continue
        kind = context.near(match.start(), match.end())
        if kind == PiiClass.PASSPORT.value and is_passport(candidate, hinted=True):
            found.append(Match(match.start(), match.end(), PiiClass.PASSPORT))


def _addresses(text: str, context: _Context, found: list[Match]) -> None:
    words = context.folded()
    # Each pattern runs only when the text has a word it needs.
    if words & _EN_TYPES or any(w[:-1] in _EN_TYPES for w in words if w.endswith("s")):
        _numbered_streets(text, found)
    prefix = bool(words & STREET_PREFIXES)
    if prefix:
        for match in _NUMBER_THEN_TYPE.finditer(text):
            found.append(Match(match.start(), match.end(), PiiClass.STREET_ADDRESS))
        for match in _TYPE_FIRST.finditer(text):
            kind = match[1]
            # "via Email 3" is not an address; French writes its street types in lower case.
            if kind[0].isupper() or kind.casefold() in _FRENCH_LOWER:
                found.append(Match(match.start(), match.end(), PiiClass.STREET_ADDRESS))
    if any(w.endswith(_GERMANIC_ENDINGS) for w in words):
        for match in _COMPOUND.finditer(text):
            found.append(Match(match.start(), match.end(), PiiClass.STREET_ADDRESS))


def _numbered_streets(text: str, found: list[Match]) -> None:
    for match in _NUMBER_FIRST.finditer(text):
        kind = match[1].casefold()
        if kind in _EN_TYPES or kind + "s" in _EN_TYPES:
            found.append(Match(match.start(), match.end(), PiiClass.STREET_ADDRESS))


def _people(text: str, context: _Context, found: list[Match]) -> None:
    tokens = list(_NAME_TOKEN.finditer(text))
    index = 0
    while index < len(tokens):
        word = tokens[index].group()
        if not word[0].isupper():
            index += 1
            continue
        if is_title(word):
            end = _name_run(text, tokens, index + 1)
            if end > index + 1:
                found.append(Match(tokens[index].start(), _word_end(tokens[end - 1]), PERSON))
                index = end
                continue
        bare = word.rstrip(".")
        if _name_like(word) and not common_word(bare) and not _is_context(context, tokens[index]):
            kind = context.near(tokens[index].start(), tokens[index].end())
            if kind == "INTRO" or is_first_name(bare.casefold()):
                end = _name_run(text, tokens, index)
                match = _person(tokens[index:end], kind)
                if match is not None:
                    found.append(match)
                    index = end
                    continue
        index += 1


def _is_context(context: _Context, token: re.Match[str]) -> bool:
    position = token.start()
    return any(start <= position < end for start, end, _ in context.hits)


def _name_like(word: str) -> bool:
    bare = word.rstrip(".")
    return bare[:1].isupper() and (not bare.isupper() or len(bare) == 1) and len(bare) < 30


def _word_end(token: re.Match[str]) -> int:
    """A sentence's full stop is not part of the name before it; an initial's is."""
    word = token.group()
    return token.end() - 1 if word.endswith(".") and len(word) > 3 else token.end()


def _name_run(text: str, tokens: list[re.Match[str]], first: int) -> int:
    """The end (exclusive) of the run of name words from tokens[first]: capitalised words
    and initials apart by one space, with particles ("van der") between them."""
    end = first
    while end < len(tokens) and end - first < 6:
        token = tokens[end]
        word = token.group()
        if end > first and text[tokens[end - 1].end() : token.start()] not in (" ", "  "):
            break
        if word.casefold() in NAME_PARTICLES:
            following = end + 1
            while following < len(tokens) and tokens[following].group() in NAME_PARTICLES:
                following += 1  # "van der", "de la"
            if end == first or following == len(tokens):
                break
            if not _name_like(tokens[following].group()):
                break
        elif not _name_like(word) or (end > first and is_title(word)):
            break
        end += 1
        if word.endswith(".") and len(word) > 3:
            break  # the end of a sentence
    return end


def _person(run: list[re.Match[str]], kind: str | None) -> Match | None:
    """A name from the start of `run`, whose first word is a first name (or follows "my
    name is"): two to four name words, or one after "Dear" or "name:"."""
    if kind == "INTRO":
        return Match(run[0].start(), _word_end(run[min(len(run), 3) - 1]), PERSON)
    words = [t.group().rstrip(".").casefold() for t in run]
    named: list[int] = []
    for position, word in enumerate(words):
        if word in NAME_PARTICLES or (len(word) == 1 and 0 < position < len(words) - 1):
            continue  # "van der", an initial
        if named and not_a_surname(word):
            break
        named.append(position)
        if len(named) == 4:
            break
    if len(named) == 1 and kind not in ("GREETING", PERSON.value):
        return None
    return Match(run[0].start(), _word_end(run[named[-1]]), PERSON)
