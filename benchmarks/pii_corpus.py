"""A labelled PII corpus made here, from generators and templates of this file alone.

Eight locales (en_US, en_GB, de_DE, fr_FR, es_ES, it_IT, nl_NL, pt_BR) and the ten labels,
each as a value alone, a value with its field name, and inside sentences; hard negatives
the same three ways (ids, hashes, versions, timestamps, amounts, numbers that fail their
checksum, dates of other events, company and product names, ports, MAC addresses...).

Two parts, each deterministic by its seed:

- `dev`, which the detectors were tuned on;
- `held_out`, never tuned on: another seed, its own sentence templates, its own field
  names, more people, streets and hard-negative kinds, and forms `dev` does not use
  (unicode e-mail local parts, bracketed IPv6 with a port, dashed IBANs, textual US dates).

The benchmark reports figures on `held_out` only.
"""

from __future__ import annotations

import hashlib
import ipaddress
import random
import re
import unicodedata
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

from meshgov.models.descriptor import PiiClass

Split = Literal["dev", "held_out"]
Kind = Literal["alone", "field", "sentence"]
LABELS = [p for p in PiiClass if p is not PiiClass.OTHER]
LOCALES = ("en_US", "en_GB", "de_DE", "fr_FR", "es_ES", "it_IT", "nl_NL", "pt_BR")
SEEDS: dict[Split, int] = {"dev": 1, "held_out": 20261125}


def _list(text: str, separator: str | None = None) -> list[str]:
    return text.split(separator)


@dataclass(frozen=True)
class Item:
    value: str
    field: str | None
    labels: frozenset[PiiClass]
    kind: Kind
    locale: str
    # Where each PII value sits in a sentence: (start, end, label).
    spans: tuple[tuple[int, int, PiiClass], ...] = ()


# People and streets: `dev` draws from the first two thirds of each list, `held_out` from all.
FIRST_NAMES = {
    "en_US": "James Mary Robert Patricia Michael Jennifer William Linda David Elizabeth Richard "
    "Barbara Joseph Susan Thomas Jessica Charles Sarah Christopher Karen Daniel Nancy Matthew "
    "Lisa Anthony Betty Brian Ashley Kevin Emily",
    "en_GB": "Oliver Amelia George Isla Harry Ava Jack Emily Charlie Sophie Thomas Grace Oscar "
    "Lily James Freya William Ella Henry Poppy Alfie Evie Archie Florence Arthur Rosie",
    "de_DE": "Lukas Anna Leon Marie Finn Sophie Jonas Lena Paul Hannah Felix Laura Maximilian "
    "Lea Jürgen Ursula Klaus Petra Hans-Peter Anna-Lena Tobias Katrin Stefan Sabine Dieter",
    "fr_FR": "Jean Marie Pierre Camille Louis Léa Lucas Chloé Hugo Manon Jean-Luc Marie-Claire "
    "Antoine Élodie François Inès Mathieu Juliette Nicolas Margaux Julien Céline Olivier",
    "es_ES": "José María Antonio Carmen Manuel Lucía Francisco Ana David Laura Javier Marta "
    "Carlos Elena Miguel Paula Alejandro Sofía Pablo Cristina Sergio Raquel Jorge Pilar",
    "it_IT": "Giuseppe Maria Giovanni Anna Antonio Giulia Marco Francesca Luca Chiara "
    "Alessandro Sara Matteo Elena Lorenzo Martina Davide Federica Stefano Valentina Paolo "
    "Alessia Roberto Silvia",
    "nl_NL": "Daan Emma Sem Julia Lucas Mila Levi Tess Finn Sophie Jesse Anna Bram Fenna Thijs "
    "Sanne Ruben Lotte Niels Femke Joris Marloes",
    "pt_BR": "João Maria José Ana Pedro Juliana Lucas Mariana Gabriel Fernanda Rafael Beatriz "
    "Mateus Larissa Gustavo Camila Thiago Letícia Felipe Aline Rodrigo Vanessa",
}
LAST_NAMES = {
    "en_US": "Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez "
    "Hernandez Lopez Wilson Anderson Taylor Moore Jackson Martin Thompson White Harris Clark "
    "Lewis Walker Okafor Nguyen Patel Kowalski O'Brien",
    "en_GB": "Taylor Davies Evans Thomas Roberts Wright Walker Robinson Thompson Hughes Edwards "
    "Green Hall Wood Harris Lewis Martin Jackson Clarke Turner Okonkwo Begum Khan McDonald",
    "de_DE": "Müller Schmidt Schneider Fischer Weber Meyer Wagner Becker Schulz Hoffmann "
    "Schäfer Koch Bauer Richter Klein Wolf Schröder Neumann Schwarz Zimmermann Krüger Yilmaz",
    "fr_FR": "Martin Bernard Dubois Thomas Robert Richard Petit Durand Leroy Moreau Simon "
    "Laurent Lefèvre Michel Garcia David Bertrand Roux Fournier Girard Benali Nguyen",
    "es_ES": "García Rodríguez González Fernández López Martínez Sánchez Pérez Gómez Martín "
    "Jiménez Ruiz Hernández Díaz Moreno Álvarez Romero Navarro Torres Domínguez Vázquez",
    "it_IT": "Rossi Russo Ferrari Esposito Bianchi Romano Colombo Ricci Marino Greco Bruno "
    "Gallo Conti Costa Giordano Mancini Rizzo Lombardi Moretti Barbieri Fontana",
    "nl_NL": "de Jong|Jansen|de Vries|van den Berg|van Dijk|Bakker|Janssen|Visser|Smit|Meijer|"
    "de Boer|Mulder|de Groot|Bos|Vos|Peters|Hendriks|van Leeuwen|Dekker|Brouwer",
    "pt_BR": "Silva Santos Oliveira Souza Rodrigues Ferreira Alves Pereira Lima Gomes Costa "
    "Ribeiro Martins Carvalho Almeida Lopes Soares Fernandes Vieira Barbosa",
}
TITLES = {
    "en_US": ["Mr.", "Ms.", "Mrs.", "Dr."],
    "en_GB": ["Mr", "Ms", "Mrs", "Dr"],
    "de_DE": ["Herr", "Frau", "Dr."],
    "fr_FR": ["M.", "Mme", "Dr"],
    "es_ES": ["Sr.", "Sra.", "Dr."],
    "it_IT": ["Sig.", "Sig.ra", "Dott."],
    "nl_NL": ["Dhr.", "Mevr.", "Dr."],
    "pt_BR": ["Sr.", "Sra.", "Dr."],
}
STREETS = {
    "en_US": "Maple Oak Washington Lincoln Elm Pine Cedar Sunset Highland Madison Jefferson "
    "Franklin Walnut Chestnut Evergreen Pennsylvania Magnolia Willow",
    "en_GB": "Victoria Church Station Mill Manor Albert Windsor Queens Kings Baker Abbey "
    "Chapel Elm Orchard Bridge Meadow Rectory Grange",
    "de_DE": "Goethe Schiller Haupt Bahnhof Linden Berg Garten Kirch Mozart Beethoven "
    "Friedrich Wald Rosen Birken Schul Mühlen Eichen Buchen",
    "fr_FR": "de la Paix|Victor Hugo|de la République|de la Gare|du Moulin|des Lilas|Jean Jaurès|"
    "Pasteur|du Général de Gaulle|Voltaire|des Écoles|Gambetta|de Verdun|Émile Zola",
    "es_ES": "de Alcalá|Mayor|de la Castellana|de Cervantes|del Sol|de Goya|de Serrano|de Toledo|"
    "de Velázquez|del Prado|de Colón|de San Vicente",
    "it_IT": "Roma|Garibaldi|Mazzini|Dante|Cavour|Giuseppe Verdi|Vittorio Emanuele|dei Mille|"
    "Manzoni|Marconi|della Repubblica|XX Settembre",
    "nl_NL": "Kerk Dorp Molen School Stations Heren Keizers Prinsen Eiken Linden Beuken "
    "Wilhelmina Juliana Oranje",
    "pt_BR": "Augusta|Paulista|das Flores|Tiradentes|Oscar Freire|dos Andradas|da Consolação|"
    "Sete de Setembro|Rio Branco|Barão de Mauá|da Liberdade|Santos Dumont",
}
STREET_TYPES = {
    "en_US": ["Street", "St", "Avenue", "Ave", "Road", "Rd", "Boulevard", "Blvd", "Lane", "Drive"],
    "en_GB": ["Road", "Street", "Lane", "Close", "Crescent", "Avenue", "Gardens", "Grove", "Way"],
    "de_DE": ["straße", "weg", "allee", "platz", "gasse", "str."],
    "fr_FR": ["rue", "avenue", "boulevard", "place", "chemin", "allée"],
    "es_ES": ["Calle", "Avenida", "Paseo", "Plaza", "Camino"],
    "it_IT": ["Via", "Viale", "Piazza", "Corso", "Largo"],
    "nl_NL": ["straat", "laan", "weg", "plein", "gracht", "singel"],
    "pt_BR": ["Rua", "Avenida", "Travessa", "Praça", "Alameda"],
}
MONTHS = {
    "en": "January February March April May June July August September October November December",
    "de": "Januar Februar März April Mai Juni Juli August September Oktober November Dezember",
    "fr": "janvier février mars avril mai juin juillet août septembre octobre novembre décembre",
    "es": "enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre "
    "diciembre",
    "it": "gennaio febbraio marzo aprile maggio giugno luglio agosto settembre ottobre novembre "
    "dicembre",
    "nl": "januari februari maart april mei juni juli augustus september oktober november december",
    "pt": "janeiro fevereiro março abril maio junho julho agosto setembro outubro novembro "
    "dezembro",
}
MAIL_DOMAINS = _list(
    "gmail.com outlook.com yahoo.co.uk web.de gmx.de orange.fr free.fr hotmail.es libero.it "
    "ziggo.nl uol.com.br icloud.com proton.me example.org acme-corp.example"
)
IDN_DOMAINS = ("müller-bau.de", "café-olé.fr", "españa-viajes.es", "pörssi.fi", "пример.рф")
COMPANIES = _list(
    "Acme Widgets Ltd|Globex Corporation|Initech GmbH|Umbrella SA|Rose Garden Ltd|Blue Widget "
    "Deluxe|Jade Dragon Tea|Victoria Station|Hope Street Foods|Summer Sale|Golden Gate Bridge|"
    "Mercedes Benz|Grand Hotel Europa|Royal Bank|Apple Pay|Amazon Prime|Windows Server",
    "|",
)
CITIES = _list("Springfield Leeds Berlin Lyon Madrid Milano Utrecht Campinas Hamburg Bordeaux")


def _names(table: dict[str, str], locale: str, split: Split) -> list[str]:
    text = table[locale]
    names = text.split("|") if "|" in text else text.split()
    return names if split == "held_out" else names[: max(4, len(names) * 2 // 3)]


def _ascii(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text)
    return "".join(c for c in folded if not unicodedata.combining(c))


def _digits(rng: random.Random, count: int) -> str:
    return "".join(rng.choice("0123456789") for _ in range(count))


def _luhn_complete(body: str) -> str:
    total = 0
    for index, char in enumerate(reversed(body)):
        value = int(char)
        if index % 2 == 0:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return body + str((10 - total % 10) % 10)


def _group(text: str, sizes: Sequence[int], separator: str) -> str:
    parts, start = [], 0
    for size in sizes:
        parts.append(text[start : start + size])
        start += size
    if start < len(text):
        parts.append(text[start:])
    return separator.join(p for p in parts if p)


IBAN_FORMATS = {
    "DE": "18n",
    "GB": "4a14n",
    "FR": "10n11c2n",
    "ES": "20n",
    "IT": "1a10n12c",
    "NL": "4a10n",
    "BE": "12n",
    "AT": "16n",
    "CH": "5n12c",
    "PT": "21n",
    "PL": "24n",
    "BR": "23n1a1c",
    "IE": "4a14n",
    "LU": "3n13c",
}

IBAN_COUNTRIES = {
    "en_US": "GB IE DE",
    "en_GB": "GB IE",
    "de_DE": "DE AT CH",
    "fr_FR": "FR BE LU",
    "es_ES": "ES PT",
    "it_IT": "IT CH",
    "nl_NL": "NL BE",
    "pt_BR": "BR PT",
}

PASSPORT_COUNTRIES = {
    "en_US": "US",
    "en_GB": "UK IE",
    "de_DE": "DE AT",
    "fr_FR": "FR BE",
    "es_ES": "ES",
    "it_IT": "IT",
    "nl_NL": "NL BE",
    "pt_BR": "BR PT",
}

CARD_ISSUERS: tuple[tuple[str, tuple[int, ...]], ...] = (
    ("4", (13, 16, 16, 16, 19)),  # Visa
    ("51|52|53|54|55|2221|2500|2720", (16,)),  # Mastercard
    ("34|37", (15,)),  # American Express
    ("6011|65|644|649", (16, 19)),  # Discover
    ("3528|3589", (16, 19)),  # JCB
    ("300|305|36|38", (14,)),  # Diners Club
    ("5018|5020|5038|6304|6759|6761", (12, 13, 15, 16, 19)),  # Maestro
    ("62", (16, 17, 18, 19)),  # UnionPay
    ("2200|2204", (16,)),  # Mir
    ("60|6521", (16,)),  # RuPay
    ("506099|650002", (16, 19)),  # Verve
    ("9792", (16,)),  # Troy
    ("5019", (16,)),  # Dankort
    ("1", (15,)),  # UATP
)

LETTERS = "ABCDEFGHIJKLMNPRSTUVWXYZ"


class Generator:
    """Values of each label for one locale and split, from one random source."""

    def __init__(self, rng: random.Random, locale: str, split: Split) -> None:
        self.rng = rng
        self.locale = locale
        self.lang = locale[:2]
        self.split = split
        self.first = _names(FIRST_NAMES, locale, split)
        self.last = _names(LAST_NAMES, locale, split)
        self.streets = _names(STREETS, locale, split)

    def choice(self, options: Sequence[str]) -> str:
        return options[self.rng.randrange(len(options))]

    # --- people -------------------------------------------------------------------------

    def first_name(self) -> str:
        return self.choice(self.first)

    def last_name(self) -> str:
        return self.choice(self.last)

    def person(self, alone: bool = False) -> str:
        first, last = self.first_name(), self.last_name()
        roll = self.rng.random()
        if self.lang == "es" and roll < 0.3:
            return f"{first} {last} {self.last_name()}"
        if roll < 0.15:
            return f"{self.choice(TITLES[self.locale])} {first} {last}"
        if roll < 0.22 and alone:
            return f"{last}, {first}"
        if roll < 0.3 and self.lang == "en":
            return f"{first} {self.choice('ABCDEJKLMRST')}. {last}"
        return f"{first} {last}"

    def email(self) -> str:
        first, last = self.first_name(), self.last_name().replace(" ", "").replace("'", "")
        local = self.choice(
            [f"{first}.{last}", f"{first[0]}{last}", f"{first}{self.rng.randint(1, 99)}"]
        ).lower()
        unicode_local = self.split == "held_out" and self.rng.random() < 0.1
        local = local if unicode_local else _ascii(local)
        roll = self.rng.random()
        if roll < 0.12:
            domain = self.choice(IDN_DOMAINS)
            return f"{local}@{domain.encode('idna').decode() if roll < 0.06 else domain}"
        return f"{local}@{self.choice(MAIL_DOMAINS)}"

    # --- numbers ------------------------------------------------------------------------

    def phone(self, national_plain: bool = True) -> str:
        """A phone number of the locale, national or international, in the ways people
        write them. Without `national_plain`, no bare national digit strings."""
        rng = self.rng

        def d(count: int) -> str:
            return _digits(rng, count)

        lang = self.locale
        forms: list[str]
        if lang == "en_US":
            area = self.choice(["212", "415", "312", "617", "202", "305", "713", "206", "404"])
            ex, line = str(rng.randint(2, 9)) + d(2), d(4)
            forms = [
                f"({area}) {ex}-{line}",
                f"{area}-{ex}-{line}",
                f"{area}.{ex}.{line}",
                f"+1 {area} {ex} {line}",
                f"+1-{area}-{ex}-{line}",
                f"+1 ({area}) {ex}-{line}",
            ]
            plain = f"{area}{ex}{line}"
        elif lang == "en_GB":
            mobile = "7" + self.choice(["400", "500", "700", "800", "900", "911", "958"])
            mobile += d(6)
            forms = [
                f"0{mobile[:4]} {mobile[4:]}",
                f"+44 {mobile[:4]} {mobile[4:]}",
                f"+44 (0){mobile[:4]} {mobile[4:]}",
                f"020 7{d(3)} {d(4)}",
                f"0{self.choice(['161', '113', '121'])} 496 {d(4)}",
            ]
            plain = "0" + mobile
        elif lang == "de_DE":
            mobile = self.choice(["151", "152", "157", "160", "162", "170", "171", "176"]) + d(8)
            area = self.choice(["30", "40", "89", "69", "221"])
            land = area + str(rng.randint(2, 9)) + d(6)
            forms = [
                f"0{mobile[:3]} {mobile[3:]}",
                f"0{mobile[:3]}/{mobile[3:]}",
                f"0{mobile[:3]}-{mobile[3:]}",
                f"+49 {mobile[:3]} {mobile[3:]}",
                f"0{area} {land[len(area) :]}",
                f"+49 (0){area} {land[len(area) :]}",
                f"(0{area}) {land[len(area) :]}",
            ]
            plain = "0" + mobile
        elif lang == "fr_FR":
            body = self.choice(["6", "7", "1", "2", "3", "4", "5"]) + d(8)
            pairs = " ".join(body[i : i + 2] for i in range(1, 9, 2))
            forms = [
                f"0{body[0]} {pairs}",
                f"0{body[0]}.{pairs.replace(' ', '.')}",
                f"+33 {body[0]} {pairs}",
                f"+33 (0){body[0]} {pairs}",
            ]
            plain = "0" + body
        elif lang == "es_ES":
            body = self.choice(["6", "7", "91", "93", "96"])
            body += d(9 - len(body))
            forms = [
                f"{body[:3]} {body[3:6]} {body[6:]}",
                f"{body[:3]} {body[3:5]} {body[5:7]} {body[7:]}",
                f"+34 {body[:3]} {body[3:6]} {body[6:]}",
                f"+34 {body}",
            ]
            plain = body
        elif lang == "it_IT":
            if rng.random() < 0.6:
                body = "3" + str(rng.randint(2, 9)) + d(8)
                national = f"{body[:3]} {body[3:6]} {body[6:]}"
            else:
                body = self.choice(["02", "06"]) + d(8)
                national = f"{body[:2]} {body[2:6]} {body[6:]}"
            forms = [national, f"+39 {national}", f"+39 {body}"]
            plain = body
        elif lang == "nl_NL":
            if rng.random() < 0.6:
                body = "6" + d(8)
                national = self.choice(
                    [
                        f"06-{body[1:]}",
                        f"06 {body[1:]}",
                        f"06 {body[1:3]} {body[3:5]} {body[5:7]} {body[7:]}",
                    ]
                )
                intl = f"+31 6 {body[1:]}"
            else:
                area = self.choice(["20", "10", "30", "70"])
                body = area + str(rng.randint(2, 9)) + d(6)
                national = f"0{area} {body[2:5]} {body[5:]}"
                intl = f"+31 {area} {body[2:5]} {body[5:]}"
            forms = [national, intl]
            plain = "0" + body
        else:  # pt_BR
            area = self.choice(["11", "21", "31", "41", "51", "61", "71", "81"])
            if rng.random() < 0.7:
                local = "9" + str(rng.randint(6, 9)) + d(7)
                national = f"({area}) {local[:5]}-{local[5:]}"
            else:
                local = str(rng.randint(2, 5)) + d(7)
                national = f"({area}) {local[:4]}-{local[4:]}"
            forms = [
                national,
                f"{area} {local[:-4]}-{local[-4:]}",
                f"+55 {area} {local[:-4]}-{local[-4:]}",
            ]
            plain = area + local
        if national_plain and rng.random() < 0.15:
            return plain
        return self.choice(forms)

    def ssn(self, bare: bool = False) -> str:
        area = self.rng.choice([a for a in range(1, 900) if a != 666])
        parts = (
            f"{area:03d}",
            f"{self.rng.randint(1, 99):02d}",
            f"{self.rng.randint(1, 9999):04d}",
        )
        if bare:
            return "".join(parts)
        return self.choice(["-", "-", "-", " ", "."]).join(parts)

    def card(self) -> str:
        prefixes, lengths = CARD_ISSUERS[self.rng.randrange(len(CARD_ISSUERS))]
        prefix = self.choice(prefixes.split("|"))
        length = self.rng.choice(lengths)
        number = _luhn_complete(prefix + _digits(self.rng, length - len(prefix) - 1))
        roll = self.rng.random()
        if roll < 0.3:
            return number
        separator = " " if roll < 0.75 else "-"
        if length == 15 and prefix in ("34", "37"):
            return _group(number, (4, 6, 5), separator)
        if length == 14:
            return _group(number, (4, 6, 4), separator)
        return _group(number, (4, 4, 4, 4), separator)

    def iban(self, dashes: bool = False) -> str:
        country = self.choice([*IBAN_COUNTRIES[self.locale].split(), "DE", "FR", "PL"])
        bban = ""
        for count, kind in re.findall(r"(\d+)([anc])", IBAN_FORMATS[country]):
            alphabet = {"n": "0123456789", "a": "ABCDEFGHIJKLMNOPQRSTUVWXYZ"}.get(
                kind, "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
            )
            bban += "".join(self.rng.choice(alphabet) for _ in range(int(count)))
        number = int("".join(str(int(c, 36)) for c in bban + country + "00"))
        iban = f"{country}{98 - number % 97:02d}{bban}"
        roll = self.rng.random()
        if dashes or (self.split == "held_out" and roll < 0.15):
            return _group(iban, [4] * 9, "-")
        return iban if roll < 0.45 else _group(iban, [4] * 9, " ")

    def ip(self) -> str:
        rng = self.rng
        roll = rng.random()
        v4 = ".".join(str(rng.randint(1 if i == 0 else 0, 254)) for i in range(4))
        if roll < 0.45:
            return v4
        if roll < 0.52:
            return f"{v4}:{rng.choice([22, 80, 443, 5432, 8080, 9092])}"
        if roll < 0.58:
            net = ipaddress.ip_network(f"{v4}/{rng.choice([8, 16, 24, 28])}", strict=False)
            return str(net)
        v6 = ipaddress.IPv6Address(rng.getrandbits(128))
        forms = [
            str(v6),
            v6.exploded,
            "::1",
            f"fe80::{rng.getrandbits(16):x}:{rng.getrandbits(16):x}",
            f"2001:db8::{rng.getrandbits(16):x}",
            f"::ffff:{v4}",
            f"fe80::{rng.getrandbits(12):x}%eth0",
            f"2001:db8:{rng.getrandbits(16):x}::/48",
        ]
        if self.split == "held_out":
            forms += [f"[2001:db8::{rng.getrandbits(16):x}]:8443", f"fd00::{rng.getrandbits(8):x}"]
        return self.choice(forms)

    def birth_date(self) -> date:
        return date(1935, 1, 1) + timedelta(days=self.rng.randrange(365 * 70))

    def dob(self) -> str:
        day = self.birth_date()
        months = MONTHS[self.lang].split()
        month = months[day.month - 1]
        numeric = {
            "en_US": f"{day:%m/%d/%Y}",
            "en_GB": f"{day:%d/%m/%Y}",
            "de_DE": f"{day:%d.%m.%Y}",
            "fr_FR": f"{day:%d/%m/%Y}",
            "es_ES": f"{day:%d/%m/%Y}",
            "it_IT": f"{day:%d/%m/%Y}",
            "nl_NL": f"{day:%d-%m-%Y}",
            "pt_BR": f"{day:%d/%m/%Y}",
        }[self.locale]
        textual = {
            "en": f"{day.day} {month} {day.year}",
            "de": f"{day.day}. {month} {day.year}",
            "fr": f"{day.day} {month} {day.year}",
            "es": f"{day.day} de {month} de {day.year}",
            "it": f"{day.day} {month} {day.year}",
            "nl": f"{day.day} {month} {day.year}",
            "pt": f"{day.day} de {month} de {day.year}",
        }[self.lang]
        forms = [day.isoformat(), numeric, numeric, textual]
        if self.locale == "en_US" and self.split == "held_out":
            forms.append(f"{month} {day.day}, {day.year}")
        return self.choice(forms)

    def address(self) -> str:
        rng = self.rng
        number = str(rng.randint(1, 2400 if self.lang == "en" else 180))
        name = self.choice(self.streets)
        kind = self.choice(STREET_TYPES[self.locale])
        if self.lang == "en":
            suffix = self.choice(["", "", "", " NW", f", Apt {rng.randint(1, 40)}"])
            if self.locale == "en_GB" and suffix == " NW":
                suffix = ""
            return f"{number} {name} {kind}{suffix}"
        if self.lang == "de":
            letter = self.choice(["", "", "", "a", "b"])
            if rng.random() < 0.2:
                return f"{name}er Straße {number}{letter}"
            return f"{name}{kind} {number}{letter}"
        if self.lang == "nl":
            return f"{name}{kind} {number}{self.choice(['', '', '', '-A', 'bis'])}"
        if self.lang == "fr":
            return f"{number}{self.choice(['', ',', ' bis'])} {kind} {name}"
        if self.lang == "es":
            return f"{kind} {name}{self.choice([', ', ' '])}{number}{self.choice(['', ', 3º B'])}"
        if self.lang == "it":
            return f"{kind} {name}{self.choice([' ', ', '])}{number}"
        return f"{kind} {name}, {number}"  # pt

    def passport(self, alone: bool = False) -> str:
        countries = PASSPORT_COUNTRIES[self.locale].split()
        if not alone:
            countries += ["PL", "SE"]
        country = self.choice(countries)

        def letters(count: int) -> str:
            return "".join(self.rng.choice(LETTERS) for _ in range(count))

        def d(count: int) -> str:
            return _digits(self.rng, count)

        formats: dict[str, Callable[[], str]] = {
            "US": lambda: letters(1) + d(8) if alone or self.rng.random() < 0.6 else d(9),
            "UK": lambda: letters(2) + d(7) if alone else d(9),
            "IE": lambda: letters(2) + d(7),
            "DE": lambda: (
                self.choice("CFGHJK")
                + "".join(self.rng.choice("CFGHJKLMNPRTVWXYZ0123456789") for _ in range(8))
            ),
            "AT": lambda: letters(1) + d(7),
            "FR": lambda: d(2) + letters(2) + d(5),
            "BE": lambda: letters(2) + d(6),
            "ES": lambda: letters(3) + d(6),
            "IT": lambda: letters(2) + d(7),
            "NL": lambda: (
                letters(2)
                + "".join(self.rng.choice("ABCDEFGHIJKLMNPRSTUVWXYZ0123456789") for _ in range(6))
                + d(1)
            ),
            "BR": lambda: letters(2) + d(6),
            "PT": lambda: letters(1) + d(6),
            "PL": lambda: letters(2) + d(7),
            "SE": lambda: d(8),
        }
        value = formats[country]()
        return value.lower() if not alone and self.rng.random() < 0.25 else value

    def value(self, label: PiiClass, alone: bool = False) -> str:
        makers: dict[PiiClass, Callable[[], str]] = {
            PiiClass.EMAIL: self.email,
            PiiClass.PHONE: lambda: self.phone(national_plain=not alone),
            PiiClass.US_SSN: self.ssn,
            PiiClass.CREDIT_CARD: self.card,
            PiiClass.IBAN: self.iban,
            PiiClass.IP_ADDRESS: self.ip,
            PiiClass.DATE_OF_BIRTH: self.dob,
            PiiClass.PERSON: lambda: self.person(alone),
            PiiClass.STREET_ADDRESS: self.address,
            PiiClass.PASSPORT: lambda: self.passport(alone),
        }
        return makers[label]()

    # --- hard negatives -----------------------------------------------------------------

    def negative(self) -> tuple[str, str]:
        """A value that is no PII, and the kind of field it would sit in."""
        rng = self.rng
        kinds: list[Callable[[], tuple[str, str]]] = [
            lambda: (str(uuid.UUID(int=rng.getrandbits(128))), "id"),
            lambda: (f"ORD-{rng.randint(2019, 2026)}-{rng.randint(0, 999999):06d}", "order"),
            lambda: (f"SKU-{self.choice(LETTERS)}{rng.randint(10, 99)}-XL", "sku"),
            lambda: (f"{self._recent():%Y-%m-%dT%H:%M:%S}Z", "created"),
            lambda: (f"{rng.uniform(0, 99999):.2f}", "amount"),
            lambda: (hashlib.sha256(str(rng.random()).encode()).hexdigest(), "hash"),
            lambda: (hashlib.md5(str(rng.random()).encode()).hexdigest(), "hash"),
            lambda: (f"{rng.randint(0, 12)}.{rng.randint(0, 40)}.{rng.randint(0, 99)}", "version"),
            lambda: (self._bad_card(), "order"),
            lambda: (self._bad_iban(), "id"),
            lambda: (self._bad_ssn(), "id"),
            lambda: (self.choice(COMPANIES), "company"),
            lambda: (self._recent().isoformat(), "shipped"),
            lambda: (str(rng.randint(10**8, 10**12)), "order"),
            lambda: (
                f"{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}",
                "time",
            ),
            lambda: (self.choice(CITIES), "city"),
        ]
        if self.split == "held_out":
            kinds += [
                lambda: (":".join(f"{rng.getrandbits(8):02X}" for _ in range(6)), "device"),
                lambda: (self._isbn(), "isbn"),
                lambda: (f"1Z{rng.randint(100, 999)}AA1{_digits(rng, 9)}", "tracking"),
                lambda: (_luhn_complete("35" + _digits(rng, 12)), "device"),  # an IMEI
                lambda: (f"INV-{rng.randint(2020, 2026)}-{rng.randint(1, 9999):04d}", "invoice"),
                lambda: (f"{rng.randint(1, 99)}%", "rate"),
                lambda: (f"#{rng.getrandbits(24):06x}", "color"),
                lambda: (f"{rng.uniform(-90, 90):.4f}, {rng.uniform(-180, 180):.4f}", "location"),
                lambda: (f"Port {rng.randint(1, 9999)}:{rng.randint(1, 9999)}", "rule"),
                lambda: (
                    f"v{rng.randint(1, 9)}.{rng.randint(0, 20)}.{rng.randint(0, 9)}",
                    "version",
                ),
                lambda: (f"{rng.randint(1000, 99999)}", "zip"),
            ]
        return kinds[rng.randrange(len(kinds))]()

    def _recent(self) -> date:
        return date(2024, 1, 1) + timedelta(days=self.rng.randrange(700))

    def _bad_ssn(self) -> str:
        area = self.choice(["000", "666", "912"])
        return f"{area}-{self.rng.randint(1, 99):02d}-{self.rng.randint(1, 9999):04d}"

    def _isbn(self) -> str:
        rng = self.rng
        group, publisher = rng.randint(0, 9), rng.randint(10, 99)
        return f"978-{group}-{publisher}-{rng.randint(100000, 999999)}-{rng.randint(0, 9)}"

    def _bad_card(self) -> str:
        body = "4" + _digits(self.rng, 14)
        good = _luhn_complete(body)
        return body + str((int(good[-1]) + self.rng.randint(1, 9)) % 10)

    def _bad_iban(self) -> str:
        iban = self.iban().replace(" ", "").replace("-", "")
        return iban[:2] + f"{(int(iban[2:4]) + 1) % 100:02d}" + iban[4:]

    def negative_fillers(self) -> dict[str, str]:
        rng = self.rng
        recent = self._recent()
        return {
            "ORDER": f"ORD-{rng.randint(2019, 2026)}-{rng.randint(0, 999999):06d}",
            "AMOUNT": f"{rng.uniform(1, 999):.2f}",
            "EVENT_DATE": self.choice(
                [recent.isoformat(), f"{recent:%d/%m/%Y}", f"{recent:%d.%m.%Y}"]
            ),
            "VERSION4": ".".join(str(rng.randint(1 if i == 0 else 0, 9)) for i in range(4)),
            "TIME": f"{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}",
            "BADCARD": self._bad_card(),
            "BADIBAN": self._bad_iban(),
            "COMPANY": self.choice(COMPANIES),
            "CITY": self.choice(CITIES),
            "COUNT": str(rng.randint(2, 500)),
            "ID": str(rng.randint(10**6, 10**9)),
            "UUID": str(uuid.UUID(int=rng.getrandbits(128))),
            "PORT": str(rng.choice([22, 80, 443, 8080])),
            "MAC": ":".join(f"{rng.getrandbits(8):02x}" for _ in range(6)),
        }


# Field names per label and part; `held_out` shares some with `dev` and has its own.
FIELDS: dict[Split, dict[PiiClass, list[str]]] = {
    "dev": {
        PiiClass.EMAIL: ["email", "e_mail", "emailAddress", "customer_email", "contact_mail"],
        PiiClass.PHONE: ["phone", "phone_number", "mobile", "msisdn", "telephone"],
        PiiClass.US_SSN: ["ssn", "social_security_number", "SSN"],
        PiiClass.CREDIT_CARD: ["card_number", "credit_card", "ccNumber", "pan"],
        PiiClass.IBAN: ["iban", "payout_iban", "IBAN"],
        PiiClass.IP_ADDRESS: ["ip", "ip_address", "clientIp", "remote_addr"],
        PiiClass.DATE_OF_BIRTH: ["dob", "birth_date", "dateOfBirth", "birthday"],
        PiiClass.PERSON: ["full_name", "customer_name", "contact_name", "first_name"],
        PiiClass.STREET_ADDRESS: ["address", "street_address", "shipping_address"],
        PiiClass.PASSPORT: ["passport_number", "passport_no", "passportId"],
    },
    "held_out": {
        PiiClass.EMAIL: ["email", "user_email", "mailAddress", "emailAddr", "billing_email"],
        PiiClass.PHONE: ["phone", "mobile_phone", "tel", "phoneNumber", "cellphone", "fax"],
        PiiClass.US_SSN: ["ssn", "SocialSecurityNumber", "applicant_ssn"],
        PiiClass.CREDIT_CARD: ["cardNumber", "cc_number", "pan", "creditCardNumber"],
        PiiClass.IBAN: ["iban", "bank_iban", "ibanNumber"],
        PiiClass.IP_ADDRESS: ["ip", "source_ip", "ipAddress", "ipv6"],
        PiiClass.DATE_OF_BIRTH: ["date_of_birth", "dob", "birthDate", "born_on"],
        PiiClass.PERSON: ["customerName", "full_name", "holder_name", "lastName"],
        PiiClass.STREET_ADDRESS: ["street", "address_line_1", "billingAddress", "home_address"],
        PiiClass.PASSPORT: ["passport", "passportNumber", "passport_id"],
    },
}
NEGATIVE_FIELDS: dict[Split, dict[str, list[str]]] = {
    "dev": {
        "id": ["event_id", "id"],
        "order": ["order_id"],
        "sku": ["sku"],
        "created": ["created_at", "updated_at"],
        "amount": ["amount"],
        "hash": ["checksum"],
        "version": ["version"],
        "company": ["company", "product_name"],
        "shipped": ["shipped_at"],
        "time": ["start_time"],
        "city": ["city"],
    },
    "held_out": {
        "id": ["request_id", "correlationId"],
        "order": ["order_ref", "orderNumber"],
        "sku": ["sku", "article"],
        "created": ["created", "modifiedAt"],
        "amount": ["price", "total"],
        "hash": ["sha256", "etag"],
        "version": ["build", "app_version"],
        "company": ["merchant", "brand"],
        "shipped": ["delivered_on", "due_date"],
        "time": ["opened_at"],
        "city": ["city", "region"],
        "device": ["device_id", "mac"],
        "isbn": ["isbn"],
        "tracking": ["tracking_number"],
        "invoice": ["invoice_no"],
        "rate": ["discount"],
        "color": ["color"],
        "location": ["geo"],
        "rule": ["firewall_rule"],
        "zip": ["postal_code"],
    },
}

# Sentences: a placeholder per PII value ({PHONE}, {PERSON}; {FIRST} is a first name alone,
# {LAST} a surname after a title, both PERSON) and hard-negative fillers ({ORDER},
# {EVENT_DATE}...). `held_out` has its own templates, none shared with `dev`.
SENTENCES: dict[Split, dict[str, list[str]]] = {
    "dev": {
        "en": [
            "you can reach me on {PHONE} after six",
            "Please call {PHONE} to confirm the delivery.",
            "My mobile is {PHONE}, text me anytime",
            "passport no. {PASSPORT}, valid until 2031",
            "Customer showed passport {PASSPORT} at the desk",
            "SSN {SSN} was entered twice",
            "Applicant social security number: {SSN}",
            "card {CARD} declined at checkout",
            "Charge the credit card {CARD} for the renewal",
            "refund to {IBAN} please",
            "Wire the money to account {IBAN} by Friday",
            "blocked host {IP}, then retried",
            "connection from {IP} refused",
            "born {DOB} in Leeds",
            "DOB: {DOB}",
            "{PERSON} joined the call",
            "Ticket closed by {PERSON} yesterday",
            "name: {FIRST}",
            "Hi {FIRST}, your order has shipped",
            "Ms. {LAST} asked for a refund",
            "ship to {ADDRESS}, Springfield",
            "Customer moved to {ADDRESS} last month",
            "contact {EMAIL} for access",
            "Send the invoice to {EMAIL} and cc {PERSON}",
        ],
        "de": [
            "Sie erreichen mich unter {PHONE} ab 18 Uhr",
            "Rückruf bitte an Handy {PHONE}",
            "Ausweis und Reisepass liegen vor: {PASSPORT}",
            "Geburtsdatum: {DOB}",
            "geboren am {DOB} in Köln",
            "{PERSON} hat angerufen und bittet um Rückruf",
            "Lieferung an {ADDRESS}, 10115 Berlin",
            "Bitte überweisen Sie an IBAN {IBAN}",
            "Kreditkarte {CARD} wurde abgelehnt",
            "Zugriff von {IP} blockiert",
            "E-Mail an {EMAIL} geschickt",
            "Herr {LAST} wartet am Empfang",
        ],
        "fr": [
            "Vous pouvez me joindre au {PHONE} le soir",
            "numéro de passeport {PASSPORT}",
            "né le {DOB} à Lyon",
            "{PERSON} a rappelé ce matin",
            "Livraison au {ADDRESS}, 75002 Paris",
            "Virement sur le compte {IBAN}",
            "Adresse IP {IP} bannie",
            "écrivez à {EMAIL} pour un devis",
            "Bonjour {FIRST}, votre colis est arrivé",
        ],
        "es": [
            "Llámame al {PHONE} por la tarde",
            "número de pasaporte {PASSPORT}",
            "fecha de nacimiento: {DOB}",
            "{PERSON} solicitó un reembolso",
            "Enviar a {ADDRESS}, Madrid",
            "Tarjeta {CARD} rechazada",
            "Conexión desde {IP} rechazada",
            "Hola {FIRST}, gracias por tu compra",
        ],
        "it": [
            "Chiamami al {PHONE} dopo pranzo",
            "passaporto n. {PASSPORT}",
            "nato il {DOB} a Torino",
            "{PERSON} ha chiesto un rimborso",
            "Consegna in {ADDRESS}, Milano",
            "bonifico su {IBAN}",
            "scrivere a {EMAIL}",
        ],
        "nl": [
            "Bel me op {PHONE} na zes uur",
            "paspoort {PASSPORT} gecontroleerd",
            "geboortedatum {DOB}",
            "{PERSON} heeft gebeld over de factuur",
            "Bezorgen op {ADDRESS}, Utrecht",
            "Overmaken naar rekening {IBAN}",
        ],
        "pt": [
            "Liga para o celular {PHONE} amanhã",
            "passaporte {PASSPORT} conferido",
            "nascido em {DOB} em Campinas",
            "{PERSON} pediu reembolso",
            "Entregar na {ADDRESS}, São Paulo",
            "Cartão {CARD} recusado",
            "Olá {FIRST}, seu pedido foi enviado",
        ],
    },
    "held_out": {
        "en": [
            "If the line drops, ring me back at {PHONE}.",
            "Customer said: my number is {PHONE}",
            "Tel: {PHONE} (office hours only)",
            "Reminder: bring passport {PASSPORT} to the consulate.",
            "The traveller's passport number is {PASSPORT}",
            "Employee SSN: {SSN}, verified",
            "payment failed for card ending in... actually full number {CARD}",
            "New card on file: {CARD}",
            "Please update the payout account to {IBAN}",
            "Suspicious login from {IP} at 03:12",
            "Firewall dropped packets from {IP}; see ticket",
            "Patient born on {DOB}, allergic to penicillin",
            "Date of birth {DOB} does not match the ID",
            "Escalated to {PERSON} on Monday",
            "Thanks, {FIRST}! We will be in touch.",
            "my name is {FIRST} and I need help",
            "Dr. {LAST} will see you now",
            "Package left at {ADDRESS} with a neighbour",
            "Billing address: {ADDRESS}, Leeds",
            "Forwarded the receipt to {EMAIL}",
            "{PERSON} <{EMAIL}> requested deletion",
            "Call {PERSON} on {PHONE} before noon",
        ],
        "de": [
            "Telefonnummer für Rückfragen: {PHONE}",
            "Reisepassnummer {PASSPORT}, gültig bis 2030",
            "Der Kunde ist am {DOB} geboren",
            "Termin mit {PERSON} verschoben",
            "Frau {LAST} hat die Rechnung bezahlt",
            "Neue Anschrift: {ADDRESS}, 20095 Hamburg",
            "Konto {IBAN} wurde belastet",
            "Login von {IP} fehlgeschlagen",
            "Hallo {FIRST}, danke für Ihre Bestellung",
        ],
        "fr": [
            "Mon portable : {PHONE}",
            "passeport {PASSPORT} expiré",
            "date de naissance : {DOB}",
            "Dossier suivi par {PERSON}",
            "Mme {LAST} attend à l'accueil",
            "Habite au {ADDRESS}, Bordeaux",
            "Paiement par carte {CARD} refusé",
            "contact : {EMAIL}",
        ],
        "es": [
            "Mi móvil es el {PHONE}",
            "Pasaporte {PASSPORT} caducado",
            "nacida el {DOB} en Sevilla",
            "Reunión con {PERSON} el martes",
            "Sra. {LAST} pidió la factura",
            "Dirección: {ADDRESS}, Madrid",
            "Transferencia a la cuenta {IBAN}",
            "me llamo {FIRST}",
        ],
        "it": [
            "Cellulare: {PHONE}",
            "Numero del passaporto: {PASSPORT}",
            "data di nascita {DOB}",
            "Pratica assegnata a {PERSON}",
            "Abito in {ADDRESS}, Roma",
            "Accesso da {IP} bloccato",
            "Ciao {FIRST}, il tuo ordine è pronto",
        ],
        "nl": [
            "Mijn telefoonnummer is {PHONE}",
            "Paspoortnummer: {PASSPORT}",
            "geboren op {DOB} in Utrecht",
            "Gesprek met {PERSON} gepland",
            "Woont op {ADDRESS}, Amsterdam",
            "Kaart {CARD} geweigerd",
            "Mail naar {EMAIL}",
        ],
        "pt": [
            "Meu telefone é {PHONE}",
            "Número do passaporte: {PASSPORT}",
            "data de nascimento {DOB}",
            "Atendimento feito por {PERSON}",
            "Mora na {ADDRESS}, Rio de Janeiro",
            "Transferir para {IBAN}",
            "meu nome é {FIRST}",
        ],
    },
}
NEGATIVE_SENTENCES: dict[Split, dict[str, list[str]]] = {
    "dev": {
        "en": [
            "order {ORDER} shipped {EVENT_DATE} for {AMOUNT} EUR",
            "build {BADCARD} failed on 10.0.19041.1",
            "version {VERSION4} released with {COUNT} fixes",
            "Meeting moved to {TIME} in room {COUNT}",
            "Meet me at the park at 5",
            "Invoice {ID} paid on {EVENT_DATE}",
            "{COMPANY} shipped {COUNT} units to {CITY}",
            "Port 80:443 is open on the gateway",
            "Hi Team, the nightly build is green",
            "request {UUID} took {COUNT} ms",
        ],
        "de": [
            "Bestellung {ORDER} am {EVENT_DATE} versandt",
            "Platz {COUNT} in der Warteschlange",
            "Rechnung {ID} über {AMOUNT} EUR",
        ],
        "fr": ["Commande {ORDER} expédiée le {EVENT_DATE}", "Réunion à {TIME} salle {COUNT}"],
        "es": ["Pedido {ORDER} enviado el {EVENT_DATE}", "Versión {VERSION4} publicada"],
        "it": ["Ordine {ORDER} spedito il {EVENT_DATE}", "Totale {AMOUNT} EUR"],
        "nl": ["Bestelling {ORDER} verzonden op {EVENT_DATE}", "Versie {VERSION4} uitgerold"],
        "pt": ["Pedido {ORDER} enviado em {EVENT_DATE}", "Total de {AMOUNT} reais"],
    },
    "held_out": {
        "en": [
            "Deployed release {VERSION4} to {COUNT} nodes",
            "The {COMPANY} account was renewed on {EVENT_DATE}",
            "Device {MAC} rebooted at {TIME}",
            "Listening on port {PORT}, pid {ID}",
            "Refund of {AMOUNT} USD approved for order {ORDER}",
            "Checksum mismatch for item {BADIBAN}",
            "Case {ID} reopened: customer unreachable",
            "Grand Opening Sale starts {EVENT_DATE}",
            "Step {COUNT} of 12 completed",
            "trace {UUID} exceeded {COUNT} ms",
        ],
        "de": [
            "Lieferung {ORDER} kommt am {EVENT_DATE}",
            "Version {VERSION4} installiert",
            "Ticket {ID} geschlossen",
        ],
        "fr": ["Facture {ID} réglée le {EVENT_DATE}", "Mise à jour {VERSION4} terminée"],
        "es": ["Factura {ID} pagada el {EVENT_DATE}", "Reunión a las {TIME}"],
        "it": ["Fattura {ID} pagata il {EVENT_DATE}", "Versione {VERSION4} rilasciata"],
        "nl": ["Factuur {ID} betaald op {EVENT_DATE}", "Om {TIME} vergadering"],
        "pt": ["Fatura {ID} paga em {EVENT_DATE}", "Versão {VERSION4} instalada"],
    },
}
_PLACEHOLDER = re.compile(r"\{([A-Z0-9_]+)\}")
_SLOT_LABELS = {
    "PHONE": PiiClass.PHONE,
    "PASSPORT": PiiClass.PASSPORT,
    "SSN": PiiClass.US_SSN,
    "CARD": PiiClass.CREDIT_CARD,
    "IBAN": PiiClass.IBAN,
    "IP": PiiClass.IP_ADDRESS,
    "DOB": PiiClass.DATE_OF_BIRTH,
    "PERSON": PiiClass.PERSON,
    "FIRST": PiiClass.PERSON,
    "LAST": PiiClass.PERSON,
    "ADDRESS": PiiClass.STREET_ADDRESS,
    "EMAIL": PiiClass.EMAIL,
}


def _fill(template: str, gen: Generator) -> Item:
    fillers = gen.negative_fillers()
    out, spans, cursor = [], [], 0
    length = 0
    for match in _PLACEHOLDER.finditer(template):
        literal = template[cursor : match.start()]
        out.append(literal)
        length += len(literal)
        slot = match[1]
        label = _SLOT_LABELS.get(slot)
        if label is None:
            text = fillers[slot]
        elif slot == "FIRST":
            text = gen.first_name()
        elif slot == "LAST":
            text = gen.last_name()
        elif label is PiiClass.PERSON:
            text = gen.person()
        else:
            text = gen.value(label)
        if label is not None:
            spans.append((length, length + len(text), label))
        out.append(text)
        length += len(text)
        cursor = match.end()
    out.append(template[cursor:])
    return Item(
        "".join(out),
        None,
        frozenset(label for _, _, label in spans),
        "sentence",
        gen.locale,
        tuple(spans),
    )


def build(split: Split, per_label: int = 200, seed: int | None = None) -> list[Item]:
    """The corpus part `split`: per label, `per_label` values, about a third alone, a
    third with a field name and a third in sentences; three hard negatives per label."""
    rng = random.Random(SEEDS[split] if seed is None else seed)
    gens = [Generator(rng, locale, split) for locale in LOCALES]
    templates = SENTENCES[split]
    by_label: dict[PiiClass, list[tuple[str, str]]] = {label: [] for label in LABELS}
    for lang, lines in templates.items():
        for line in lines:
            for slot in _PLACEHOLDER.findall(line):
                if slot in _SLOT_LABELS:
                    by_label[_SLOT_LABELS[slot]].append((lang, line))
    items: list[Item] = []
    for label in LABELS:
        for index in range(per_label):
            gen = gens[index % len(gens)]
            roll = index % 3
            if roll == 0:
                if label is PiiClass.US_SSN and gen.locale != "en_US":
                    gen = gens[0]
                items.append(
                    Item(
                        gen.value(label, alone=True), None, frozenset({label}), "alone", gen.locale
                    )
                )
            elif roll == 1:
                name = gen.choice(FIELDS[split][label])
                value = (
                    gen.ssn(bare=True)
                    if label is PiiClass.US_SSN and rng.random() < 0.3
                    else gen.value(label)
                )
                items.append(Item(value, name, frozenset({label}), "field", gen.locale))
            else:
                lang, line = by_label[label][rng.randrange(len(by_label[label]))]
                items.append(_fill(line, _speaker(gens, lang, index)))
    negatives = NEGATIVE_SENTENCES[split]
    negative_lines = [(lang, line) for lang, lines in negatives.items() for line in lines]
    for index in range(per_label * 3):
        gen = gens[index % len(gens)]
        roll = index % 3
        if roll == 2:
            lang, line = negative_lines[rng.randrange(len(negative_lines))]
            items.append(_fill(line, _speaker(gens, lang, index)))
            continue
        value, kind = gen.negative()
        where: str | None = None
        if roll == 1:
            where = gen.choice(NEGATIVE_FIELDS[split].get(kind, ["value"]))
        items.append(Item(value, where, frozenset(), "field" if where else "alone", gen.locale))
    rng.shuffle(items)
    return items


def _speaker(gens: list[Generator], lang: str, index: int) -> Generator:
    """A generator of a locale that speaks `lang`, taking turns (en_US and en_GB)."""
    speakers = [g for g in gens if g.lang == lang]
    return speakers[index % len(speakers)]
