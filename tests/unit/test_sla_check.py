from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from meshgov.checks.sla import check_product_sla
from meshgov.models.events import CheckStatus, Severity
from meshgov.models.loading import parse_descriptor
from tests.support.descriptors import SEED, example_descriptor

NOW = datetime(2026, 11, 25, 12, tzinfo=UTC)
SCHEMA = {"type": "record", "name": "O", "fields": [{"name": "order_id", "type": "string"}]}


def check(text: str) -> tuple[CheckStatus, list[tuple[str, Severity, str | None]]]:
    product = parse_descriptor(text, "test").data_product
    status, findings, _ = check_product_sla(product, NOW)
    return status, [(f.code, f.severity, f.path) for f in findings]


def test_the_example_passes_noting_its_column_cannot_be_verified_without_a_schema() -> None:
    status, findings = check(SEED)
    assert status is CheckStatus.PASSED
    assert findings == [
        ("QUALITY_COLUMN_UNVERIFIED", Severity.INFO, "data_product.quality[1].metric")
    ]


def test_with_a_schema_the_column_is_found() -> None:
    assert check(example_descriptor(schema=SCHEMA)) == (CheckStatus.PASSED, [])


def test_a_rule_on_a_column_no_schema_has_fails() -> None:
    text = example_descriptor(schema=SCHEMA).replace("no_nulls_in_order_id", "no_nulls_in_orderid")
    status, findings = check(text)
    assert status is CheckStatus.FAILED
    assert findings == [
        ("QUALITY_UNKNOWN_COLUMN", Severity.ERROR, "data_product.quality[1].metric")
    ]


@pytest.mark.parametrize(
    ("change", "status", "finding"),
    [
        (  # a schedule that never runs (30 February)
            ('"0 2 * * *"', '"0 0 30 2 *"'),
            CheckStatus.FAILED,
            ("SLA_SCHEDULE_NEVER_RUNS", Severity.ERROR, "data_product.output_ports[1].refresh"),
        ),
        (  # hourly runs, each due by the next 4am: due after the next run starts
            ('"0 2 * * *"', '"0 * * * *"'),
            CheckStatus.PASSED_WITH_WARNINGS,
            ("SLA_DEADLINE_AFTER_NEXT_RUN", Severity.WARNING, "data_product.sla.freshness"),
        ),
        (  # availability with no freshness to measure it against
            ('    freshness: "Data available by 4am UTC"\n', ""),
            CheckStatus.FAILED,
            ("SLA_AVAILABILITY_UNMEASURABLE", Severity.ERROR, "data_product.sla.availability"),
        ),
    ],
)
def test_sla_findings(
    change: tuple[str, str], status: CheckStatus, finding: tuple[str, Severity, str]
) -> None:
    assert change[0] in SEED
    found_status, findings = check(SEED.replace(*change))
    assert found_status is status
    assert finding in findings


def test_a_deadline_without_any_scheduled_batch_port_fails() -> None:
    status, findings = check(SEED.replace('      refresh: "0 2 * * *"\n', ""))
    assert status is CheckStatus.FAILED
    codes = [code for code, _, _ in findings]
    assert codes[:2] == ["SLA_PORT_UNSCHEDULED", "SLA_FRESHNESS_UNENFORCEABLE"]


def test_a_maximum_silence_covers_streaming_ports() -> None:
    text = SEED.replace('"Data available by 4am UTC"', '"no records for 15 minutes"')
    assert check(text)[0] is CheckStatus.PASSED


def test_row_count_rules_need_a_batch_port() -> None:
    batch_port = (
        '    - type: "batch"\n      format: "Parquet"\n'
        '      location: "s3://data-mesh/orders/daily/"\n      refresh: "0 2 * * *"\n'
    )
    assert batch_port in SEED
    text = SEED.replace(batch_port, "").replace(
        '"Data available by 4am UTC"', '"no records for 15 minutes"'
    )
    status, findings = check(text)
    assert status is CheckStatus.FAILED
    assert (
        "QUALITY_RULE_NOT_APPLICABLE",
        Severity.ERROR,
        "data_product.quality[0].metric",
    ) in findings


def test_schemas_given_as_json_text_are_read_for_columns() -> None:
    text = example_descriptor(schema=SCHEMA)
    assert json.dumps(json.dumps(SCHEMA)) in text
    assert check(text)[1] == []
