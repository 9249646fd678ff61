"""PII inside free text, the forms the whole-value detectors used to miss, and the
confusions between classes: each case asserts the exact labels, and where the PII sits
(redacting the matches leaves nothing of them)."""

from __future__ import annotations

import json
import re

import pytest

from meshgov.checks.pii.detectors import detect, find, is_phone, is_street_address, luhn_valid
from meshgov.checks.pii.masking import evidence, mask, redact
from meshgov.checks.pii.scan import scan_records
from meshgov.checks.pii.watch import find_leaks
from meshgov.models.descriptor import PiiClass as P
from meshgov.models.policy import GlobalPolicy

# (text, the text with each PII value replaced by its label)
IN_SENTENCES = [
    # the issue's examples
    ("you can reach me on (212) 555-0187 after six", "you can reach me on <PHONE> after six"),
    ("passport no. XK4821937, valid until 2031", "passport no. <PASSPORT>, valid until 2031"),
    (
        "Ausweis und Reisepass liegen vor: C01X00T47",
        "Ausweis und Reisepass liegen vor: <PASSPORT>",
    ),
    ("Anna Weber joined the call", "<PERSON> joined the call"),
    ("name: Tom", "name: <PERSON>"),
    ("Ms. Okafor asked for a refund", "<PERSON> asked for a refund"),
    ("blocked host 10.2.3.4, then retried", "blocked host <IP_ADDRESS>, then retried"),
    ("connection from ::1", "connection from <IP_ADDRESS>"),
    # phone numbers: international, formatted, national after a context word
    ("call me on +44 20 7946 0958 after six", "call me on <PHONE> after six"),
    ("Handy: 0151 23456789", "Handy: <PHONE>"),
    ("mobile 07911 123456, evenings", "mobile <PHONE>, evenings"),
    ("Tél. 06 12 34 56 78", "Tél. <PHONE>"),
    ("Llámame al 612 34 56 78 por la tarde", "Llámame al <PHONE> por la tarde"),
    ("cellulare 333 123 4567", "cellulare <PHONE>"),
    ("bel me op 06-12345678", "bel me op <PHONE>"),
    ("celular (11) 91234-5678", "celular <PHONE>"),
    ("tel:+4930901820", "tel:<PHONE>"),
    # passports, lower case and in every language the detectors cover
    ("passport no. xk4821937, valid until 2031", "passport no. <PASSPORT>, valid until 2031"),
    ("numéro de passeport 12AB34567", "numéro de passeport <PASSPORT>"),
    ("número de pasaporte paa123456", "número de pasaporte <PASSPORT>"),
    ("passaporto n. YA1234567", "passaporto n. <PASSPORT>"),
    ("paspoort NW1234K78 gecontroleerd", "paspoort <PASSPORT> gecontroleerd"),
    ("passaporte CA123456 conferido", "passaporte <PASSPORT> conferido"),
    ("US passport 123456789 on file", "US passport <PASSPORT> on file"),
    # SSNs with dashes, spaces, dots, or bare after "SSN"
    ("SSN 123 45 6789 on file", "SSN <US_SSN> on file"),
    ("social security number 123.45.6789", "social security number <US_SSN>"),
    ("ssn: 078051120", "ssn: <US_SSN>"),
    # IP addresses with punctuation, ports, prefixes; IPv6 compressed, link-local, mapped
    ("denied 10.0.0.7.", "denied <IP_ADDRESS>."),
    ("upstream 10.2.3.4:8080 timed out", "upstream <IP_ADDRESS> timed out"),
    ("route 192.168.1.0/24 via eth0", "route <IP_ADDRESS> via eth0"),
    ("peer 2001:db8::ff00:42:8329 joined", "peer <IP_ADDRESS> joined"),
    ("from fe80::1%eth0: refused", "from <IP_ADDRESS>: refused"),
    ("client ::ffff:192.0.2.1 retried", "client <IP_ADDRESS> retried"),
    ("listening on [2001:db8::1]:443", "listening on <IP_ADDRESS>"),
    # dates of birth after a birth context, in the common written forms
    ("born 12 March 1985 in Leeds", "born <DATE_OF_BIRTH> in Leeds"),
    ("DOB: 03/12/1985", "DOB: <DATE_OF_BIRTH>"),
    ("date of birth 1985-03-12", "date of birth <DATE_OF_BIRTH>"),
    ("born on March 12, 1985", "born on <DATE_OF_BIRTH>"),
    ("geboren am 12. März 1985", "geboren am <DATE_OF_BIRTH>"),
    ("né le 12 mars 1985 à Lyon", "né le <DATE_OF_BIRTH> à Lyon"),
    ("nacida el 12 de marzo de 1985", "nacida el <DATE_OF_BIRTH>"),
    ("nato il 12 marzo 1985", "nato il <DATE_OF_BIRTH>"),
    ("geboren op 12-03-1985", "geboren op <DATE_OF_BIRTH>"),
    ("nascido em 12 de março de 1985", "nascido em <DATE_OF_BIRTH>"),
    # names: a first name and a surname, a title, or a name context
    ("Escalated to Jean-Luc Picard on Monday", "Escalated to <PERSON> on Monday"),
    ("Ticket closed by Anna van der Berg", "Ticket closed by <PERSON>"),
    ("my name is Okonkwo", "my name is <PERSON>"),
    ("Dear Sarah, thanks for your order", "Dear <PERSON>, thanks for your order"),
    ("ich heiße Jürgen Müller", "ich heiße <PERSON>"),
    ("Herr Schmidt wartet am Empfang", "<PERSON> wartet am Empfang"),
    ("Thanks, James A. Robinson.", "Thanks, <PERSON>."),
    # street addresses
    ("ship to 742 Evergreen Terrace, Springfield", "ship to <STREET_ADDRESS>, Springfield"),
    ("Lieferung an Goethestraße 5a, 10115 Berlin", "Lieferung an <STREET_ADDRESS>, 10115 Berlin"),
    ("Livraison au 12, rue de la Paix, Paris", "Livraison au <STREET_ADDRESS>, Paris"),
    ("Consegna in Via Roma 3, Milano", "Consegna in <STREET_ADDRESS>, Milano"),
    ("Enviar a Calle de Alcalá 12, Madrid", "Enviar a <STREET_ADDRESS>, Madrid"),
    ("Mora na Rua Augusta, 1500, São Paulo", "Mora na <STREET_ADDRESS>, São Paulo"),
    # structured numbers
    ("refund to DE89-3704-0044-0532-0130-00 please", "refund to <IBAN> please"),
    ("card 3782 822463 10005 declined", "card <CREDIT_CARD> declined"),
    ("card 4111 1111 1111 1111 123 on file", "card <CREDIT_CARD> 123 on file"),
    ("write to jürgen@xn--mller-kva.de today", "write to <EMAIL> today"),
    # several at once
    (
        "Call Anna Weber on +49 151 23456789 or mail anna@example.com",
        "Call <PERSON> on <PHONE> or mail <EMAIL>",
    ),
    ("passport C01X00T47, phone 030 901820 12", "passport <PASSPORT>, phone <PHONE>"),
    ("DOB 12.03.1985, tel 030 9018201", "DOB <DATE_OF_BIRTH>, tel <PHONE>"),
]


@pytest.mark.parametrize(("text", "redacted"), IN_SENTENCES)
def test_pii_in_free_text_is_found_where_it_is(text: str, redacted: str) -> None:
    assert redact(text) == redacted
    labels = [P(label) for label in re.findall(r"<([A-Z_]+)>", redacted)]
    assert detect(text) == list(dict.fromkeys(labels))


def test_redacting_leaves_nothing_of_the_value() -> None:
    for text, _ in IN_SENTENCES:
        for match in find(text):
            token = text[match.start : match.end]
            assert token not in redact(text), (text, token)


# Values as a whole, in the forms that used to be missed; with the field, when given.
WHOLE_VALUES = [
    (P.PASSPORT, "xk4821937", "passport_no"),
    (P.PASSPORT, "PAA123456", None),  # Spain
    (P.PASSPORT, "C01X00T47", None),  # Germany
    (P.PASSPORT, "A12345678", None),  # United States
    (P.PASSPORT, "123456789", "passportNumber"),  # United Kingdom
    (P.US_SSN, "123 45 6789", None),
    (P.US_SSN, "123.45.6789", None),
    (P.US_SSN, "078051120", "ssn"),
    (P.IP_ADDRESS, "10.2.3.4:8080", None),
    (P.IP_ADDRESS, "192.168.1.0/24", None),
    (P.IP_ADDRESS, "2001:db8::/32", None),
    (P.IP_ADDRESS, "fe80::1%eth0", None),
    (P.IP_ADDRESS, "::ffff:192.0.2.1", None),
    (P.IP_ADDRESS, "[2001:db8::1]:443", None),
    (P.PHONE, "0151 23456789", "mobile"),
    (P.PHONE, "07911 123456", "phone"),
    (P.PHONE, "612345678", "telefono"),
    (P.PHONE, "0612345678", "mobile"),
    (P.PHONE, "0151 23456789", None),  # a trunk prefix and one separator
    (P.IBAN, "DE89-3704-0044-0532-0130-00", None),
    (P.IBAN, "GB82-WEST-1234-5698-7654-32", None),
    (P.EMAIL, "jane@xn--mller-kva.de", None),
    (P.EMAIL, "jane@example.xn--p1ai", None),
    (P.EMAIL, "jürgen@müller.de", None),
    (P.DATE_OF_BIRTH, "12 March 1985", None),
    (P.DATE_OF_BIRTH, "03/12/1985", "dob"),
    (P.DATE_OF_BIRTH, "1985-03-12", "birth_date"),
    (P.DATE_OF_BIRTH, "12. März 1985", "geburtsdatum"),
    (P.DATE_OF_BIRTH, "12 de marzo de 1985", None),
    (P.PERSON, "Élodie Bernard", None),
    (P.PERSON, "Oliver Green", None),
]


@pytest.mark.parametrize(("label", "value", "field"), WHOLE_VALUES)
def test_forms_that_were_missed(label: P, value: str, field: str | None) -> None:
    assert detect(value, field) == [label]


def _card(prefix: str, length: int) -> str:
    body = prefix + "7" * (length - len(prefix) - 1)
    return next(body + d for d in "0123456789" if luhn_valid(body + d))


# (issuer, prefix, length): each network's ranges and every length it issues.
CARDS = [
    ("Visa", "4", 13),
    ("Visa", "4", 16),
    ("Visa", "4", 19),
    ("Mastercard", "51", 16),
    ("Mastercard 2-series", "2500", 16),
    ("American Express", "37", 15),
    ("Discover", "6011", 16),
    ("Discover", "65", 19),
    ("JCB", "3530", 16),
    ("JCB", "3589", 19),
    ("Diners Club", "36", 14),
    ("Diners Club", "300", 16),
    ("Maestro", "6759", 12),
    ("Maestro", "5018", 13),
    ("Maestro", "6304", 15),
    ("Maestro", "5020", 19),
    ("UnionPay", "62", 16),
    ("UnionPay", "62", 17),
    ("UnionPay", "62", 18),
    ("UnionPay", "62", 19),
    ("Mir", "2200", 16),
    ("Mir", "2204", 19),
    ("RuPay", "60", 16),
    ("Verve", "506099", 19),
    ("Troy", "9792", 16),
    ("Dankort", "5019", 16),
    ("UATP", "1", 15),
]


@pytest.mark.parametrize(("issuer", "prefix", "length"), CARDS)
def test_luhn_valid_cards_of_every_issuer_length(issuer: str, prefix: str, length: int) -> None:
    number = _card(prefix, length)
    assert (len(number), detect(number)) == (length, [P.CREDIT_CARD]), issuer
    broken = number[:-1] + str((int(number[-1]) + 1) % 10)
    assert detect(broken) == [], issuer
    assert redact(f"paid with {number} today") == "paid with <CREDIT_CARD> today"


def test_visa_lengths_that_visa_does_not_issue_are_not_cards() -> None:
    assert detect(_card("4", 15)) == []  # an IMEI has 15 digits and a Luhn check too
    assert detect(_card("35", 15)) == []


def test_an_ip_address_is_neither_a_phone_number_nor_a_street_address() -> None:
    assert detect("(192.168.1.1)") == [P.IP_ADDRESS]
    assert redact("(192.168.1.1)") == "(<IP_ADDRESS>)"
    assert not is_phone("(192.168.1.1)")
    assert detect("192.168.1.0/24") == [P.IP_ADDRESS]
    assert not is_phone("192.168.1.0/24")
    assert detect("Gateway: fe80::1") == [P.IP_ADDRESS]
    assert redact("Gateway: fe80::1") == "Gateway: <IP_ADDRESS>"
    assert not is_street_address("Gateway: fe80::1")
    assert detect("Port 80:443") == []
    assert not is_street_address("Port 80:443")
    assert detect("Port 8080:443 is open on the gateway") == []


HARD_NEGATIVES_IN_TEXT = [
    "order ORD-2024-000123 shipped 2024-05-01 for 12.50 EUR",
    "build 4111 1111 1111 1112 failed on 10.0.19041.1",
    "version 2.4.1.0 released with 12 fixes",
    "meeting at 12:30:45 with MAC 00:1a:2b:3c:4d:5e",
    "Hi Team, the nightly build is green",
    "shipped on 12 March 2023",
    "born to run, released 1975-08-25",  # a date, but no one's birth date after "released"
    "order 612345678 shipped today",  # a valid Spanish mobile, but nothing says phone
    "Meet me at the park at 5",
    "std::vector<int> is used here",
    "password: hunter2abc",  # "pass" is not "passport"
    "Platz 3 in der Warteschlange",
    "Summer Sale starts Monday",
    "Victoria Station is closed",
    "request 550e8400-e29b-41d4-a716-446655440000 took 12 ms",
    "2024-05-01T12:34:56Z",
    "via Email 3 times",
]


@pytest.mark.parametrize("text", HARD_NEGATIVES_IN_TEXT)
def test_hard_negatives_in_free_text(text: str) -> None:
    assert detect(text) == []


def test_the_nearest_context_word_decides() -> None:
    # The same nine digits: a passport after "passport", a phone number after "phone".
    assert detect("passport 612345678") == [P.PASSPORT]
    assert detect("phone 612345678") == [P.PHONE]
    assert detect("phone 612345678, passport 712345678") == [P.PHONE, P.PASSPORT]
    # A context word just after the value counts too.
    assert detect("12 March 1985 (date of birth)") == [P.DATE_OF_BIRTH]


def test_the_field_name_is_context_for_free_text() -> None:
    assert detect("0151 23456789 (evenings)", "mobile") == [P.PHONE]
    assert detect("0151 23456789 (evenings)") == []
    assert detect("seit 12.03.1985", "birth_date") == [P.DATE_OF_BIRTH]
    assert detect("xk4821937 (expired)", "passport_no") == [P.PASSPORT]


def test_masked_evidence_of_free_text_is_the_match_alone() -> None:
    text = "Anna Weber called from +44 20 7946 0958, DOB 12 March 1985"
    found = evidence(text)
    assert found == {
        P.PERSON: "A*** W***",
        P.PHONE: "**********58",
        P.DATE_OF_BIRTH: "** ***** ****",
    }
    assert "Weber" not in json.dumps(found, ensure_ascii=False)
    assert mask("[2001:db8::1]:443", P.IP_ADDRESS) == "2001:****:****"
    assert mask("10.2.3.4:8080", P.IP_ADDRESS) == "10.*.*.*"
    assert mask("DE89-3704-0044-0532-0130-00", P.IBAN) == "DE" + "*" * 16 + "3000"


def test_scan_reports_and_leaks_carry_masked_evidence_of_free_text() -> None:
    record = {"note": "passport no. XK4821937, call Anna Weber on 030 9018201"}
    (report,) = scan_records([record]).values()
    assert dict(report.labels) == {P.PASSPORT: 1, P.PERSON: 1, P.PHONE: 1}
    assert report.evidence == {
        P.PASSPORT: "*******37",
        P.PERSON: "A*** W***",
        P.PHONE: "********01",
    }
    assert "XK4821937" not in json.dumps(report.evidence)
    (leak,) = find_leaks("orders", "events", {}, record, GlobalPolicy())
    assert (leak.field, leak.pii, leak.evidence) == ("note", P.PASSPORT, "*******37")
