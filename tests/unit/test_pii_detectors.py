from __future__ import annotations

import pytest
from faker import Faker

from meshgov.checks.pii.detectors import detect, is_iban, luhn_valid
from meshgov.models.descriptor import PiiClass as P

POSITIVES = [
    (P.EMAIL, ["jane.doe@example.com", "j_o'neil+news@mail.co.uk", "ADMIN@EXAMPLE.ORG"]),
    (
        P.PHONE,
        [
            "+1 415-555-2671",
            "(415) 555-2671",
            "+44 20 7946 0958",
            "+44(0)115 4960914",
            "020 7946 0958",
            "+49 30 901820",
            "030 901820 12",
            "+33 1 83 41 77 76",
            "01 83 41 77 76",
            "+81 3-1234-5678",
            "+55 11 91234-5678",
            "415.555.2671 x123",
            "+91 98765 43210",
        ],
    ),
    (P.US_SSN, ["123-45-6789", "078-05-1120", "123 45 6789"]),
    (
        P.CREDIT_CARD,
        [
            "4111 1111 1111 1111",
            "5500-0000-0000-0004",
            "340000000000009",
            "6011000000000004",
            "3530111333300000",
            "2223000048400011",
        ],
    ),
    (
        P.IBAN,
        [
            "DE89 3704 0044 0532 0130 00",
            "GB82WEST12345698765432",
            "FR1420041010050500013M02606",
            "NL91ABNA0417164300",
        ],
    ),
    (P.IP_ADDRESS, ["192.168.0.1", "8.8.8.8", "2001:db8::ff00:42:8329", "::1", "fe80::1"]),
    (
        P.DATE_OF_BIRTH,
        ["1987-03-12", "12/03/1987", "12.03.1987", "March 12, 1987", "12 March 1987"],
    ),
    (
        P.PERSON,
        [
            "Jane Doe",
            "Dr. Hans-Jürgen Müller",
            "María José García",
            "Smith, John",
            "Jean-Luc Picard",
            "Anna van der Berg",
            "Mr. John Smith Jr.",
        ],
    ),
    (
        P.STREET_ADDRESS,
        [
            "742 Evergreen Terrace",
            "1600 Pennsylvania Ave NW",
            "Goethestraße 5a",
            "12, rue de la Paix",
            "Calle de Alcalá 12",
            "Via Roma 3",
            "Kerkstraat 12",
            "Rua Augusta, 1500",
            "221B Baker Street",
        ],
    ),
    (P.PASSPORT, ["C03005988", "X1234567", "AB1234567"]),
]


@pytest.mark.parametrize(("label", "value"), [(label, v) for label, vs in POSITIVES for v in vs])
def test_positive(label: P, value: str) -> None:
    assert detect(value) == [label]


HARD_NEGATIVES = [
    "550e8400-e29b-41d4-a716-446655440000",  # UUID
    "ORD-2024-000123",  # order id
    "SKU-AB12-XL",
    "2024-05-01T12:34:56Z",  # timestamp
    "2024-05-01 12:34:56",
    "1714567890123",  # epoch millis
    "1234.56",
    "23972.72",
    "d41d8cd98f00b204e9800998ecf8427e",  # md5
    "da39a3ee5e6b4b0d3255bfef95601890afd80709",  # sha1
    "1.2.3",
    "v2.10.0",
    "4111111111111112",  # fails Luhn
    "4111 1111 1111 1112",
    "000-12-3456",  # SSN area 000
    "666-12-3456",  # SSN area 666
    "912-12-3456",  # SSN area 9xx
    "123-00-4567",  # group 00
    "DE89370400440532013001",  # IBAN with a wrong check
    "GB82WEST1234569876543",  # IBAN of the wrong length
    "256.1.1.1",
    "Blue Widget Deluxe",
    "Hello World",
    "Smith, Jones and Brown",
    "true",
    "",
]


@pytest.mark.parametrize("value", HARD_NEGATIVES)
def test_hard_negative(value: str) -> None:
    assert detect(value) == []


def test_a_date_is_a_birth_date_by_field_name_and_not_in_an_event_field() -> None:
    assert detect("2023-08-14", "birth_date") == [P.DATE_OF_BIRTH]
    assert detect("1987-03-12", "shipped_at") == []
    assert detect("1987-03-12", "created_at") == []
    assert detect("2023-08-14") == []  # too recent to be an adult's birth date, and no field


def test_field_names_settle_what_a_value_alone_cannot() -> None:
    assert detect("123456789", "passport_no") == [P.PASSPORT]
    assert detect("123456789") == []
    assert detect("4155552671", "mobile") == [P.PHONE]
    assert detect("4155552671") == []
    assert detect("078051120", "ssn") == [P.US_SSN]
    assert detect("Acme Widget", "full_name") == [P.PERSON]


def test_structured_numbers_are_validated() -> None:
    assert luhn_valid("4111111111111111")
    assert not luhn_valid("4111111111111112")
    assert is_iban("DE89370400440532013000")
    assert not is_iban("DE89370400440532013001")


@pytest.mark.parametrize(
    "locale", ["en_US", "en_GB", "de_DE", "fr_FR", "es_ES", "it_IT", "nl_NL", "pt_BR"]
)
def test_generated_values_in_many_locales(locale: str) -> None:
    fake = Faker(locale)
    fake.seed_instance(99)
    structured = [
        (fake.email, None, P.EMAIL),
        (fake.iban, None, P.IBAN),
        (fake.ipv4, None, P.IP_ADDRESS),
        (fake.ipv6, None, P.IP_ADDRESS),
        (fake.credit_card_number, "card_number", P.CREDIT_CARD),
    ]
    for generate, field, label in structured:
        for _ in range(25):
            value = generate()
            assert detect(value, field) == [label], value
    # Faker writes some phone numbers no numbering plan has; the rate must stay high.
    loose = [
        (fake.phone_number, "phone", P.PHONE),
        (fake.street_address, "address", P.STREET_ADDRESS),
        (fake.name, "full_name", P.PERSON),
    ]
    for generate, field, label in loose:
        found = sum(detect(generate(), field) == [label] for _ in range(50))
        assert found >= 47, (label, found)


def test_structured_pii_inside_free_text_is_found() -> None:
    assert detect("call me on +44 20 7946 0958 after six") == [P.PHONE]
    assert detect("refund to DE89 3704 0044 0532 0130 00 please") == [P.IBAN]
    assert detect("contact jane.doe@example.com or 123-45-6789") == [P.EMAIL, P.US_SSN]
    assert detect("card 4111 1111 1111 1111 declined") == [P.CREDIT_CARD]
    assert detect("order ORD-2024-000123 shipped 2024-05-01 for 12.50 EUR") == []
    assert detect("build 4111 1111 1111 1112 failed on 10.0.19041.1") == []
