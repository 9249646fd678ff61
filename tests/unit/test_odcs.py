"""ODCS v3 contracts: read as descriptors, judged like them, written back out, and checked by
a peer tool (datacontract-cli)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from meshgov.checks.offline import check_offline
from meshgov.client.registration import build_registration
from meshgov.contracts.odcs_export import odcs_yaml
from meshgov.demo.scenario import PRODUCTS, rejected_and_scheduled
from meshgov.models.descriptor import DataProduct
from meshgov.models.events import Decision, Severity, Verdict
from meshgov.models.loading import DescriptorError, load_descriptor, parse_descriptor
from meshgov.models.policy import GlobalPolicy
from meshgov.models.writing import descriptor_yaml
from meshgov.settings import DEFAULT_CHECKS
from tests.support.descriptors import SEED

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
STANDARD_EXAMPLES = Path(__file__).resolve().parents[1] / "reference" / "odcs"

# The design's example as a team would write it in ODCS, by hand, with a schema on its
# streaming port.
SEED_ODCS = """\
apiVersion: v3.1.0
kind: DataContract
id: orders-daily-aggregated
name: Orders, daily and aggregated
version: 1.0.0
status: active
domain: orders
dataProduct: orders-daily-aggregated
description:
  purpose: Daily order counts, revenue, and cancellation rates by segment
team:
  name: orders
  members:
    - username: orders-team@company.com
      role: Data Product Owner
servers:
  - server: orders-events
    type: kafka
    host: broker-1.company.internal:9092
    format: avro
  - server: daily
    type: s3
    location: s3://data-mesh/orders/daily/
    format: parquet
schema:
  - name: orders-events
    physicalName: orders-events
    physicalType: topic
    properties:
      - name: order_id
        logicalType: string
        required: true
      - name: segment
        logicalType: string
      - name: amount
        logicalType: number
        physicalType: double
        required: true
      - name: placed_at
        logicalType: timestamp
        required: true
  - name: daily
    physicalType: table
    properties:
      - name: order_id
        logicalType: string
        quality:
          - metric: nullValues
            mustBe: 0
      - name: segment
        logicalType: string
      - name: orders
        logicalType: integer
    quality:
      - type: custom
        engine: meshgov
        implementation: {metric: row_count_vs_source, threshold: 99.9}
slaProperties:
  - property: availability
    value: 99.5
    unit: percent
  - property: timeOfAvailability
    value: "04:00 UTC"
  - property: frequency
    value: daily at 02:00
    scheduler: cron
    schedule: "0 2 * * *"
    element: daily
customProperties:
  - property: schemaStability
    value: Backward compatible, 30-day notice for breaking changes
"""
SEED_SCHEMA = {
    "type": "record",
    "name": "OrdersEvents",
    "fields": [
        {"name": "order_id", "type": "string"},
        {"name": "segment", "type": ["null", "string"], "default": None},
        {"name": "amount", "type": "double"},
        {"name": "placed_at", "type": {"type": "long", "logicalType": "timestamp-millis"}},
    ],
}


def verdict_of(text: str, tmp_path: Path) -> Verdict:
    path = tmp_path / "contract.yaml"
    path.write_text(text)
    registration = build_registration(path, "orders-team@company.com")
    return check_offline(registration, [], GlobalPolicy(), DEFAULT_CHECKS)


def comparable(product: DataProduct) -> dict[str, Any]:
    """What matters of a product: its model, with schemas as values, not as text."""
    dumped = product.model_dump(mode="json")
    for port in dumped["output_ports"]:
        for key in ("avro_schema", "key_schema"):
            if isinstance(port[key], str):
                port[key] = json.loads(port[key])
    return dumped


def test_the_seed_example_as_odcs_gets_the_descriptors_verdict(tmp_path: Path) -> None:
    odcs = parse_descriptor(SEED_ODCS).data_product
    assert odcs.name == "orders-daily-aggregated"  # the slug, not the contract's title
    assert odcs.owner == "orders-team@company.com"
    streaming, daily = odcs.output_ports
    assert (streaming.type.value, streaming.location) == ("streaming", "kafka://orders-events")
    assert streaming.avro_schema == SEED_SCHEMA
    assert (daily.location, daily.format.value, daily.refresh) == (
        "s3://data-mesh/orders/daily/",
        "Parquet",
        "0 2 * * *",
    )
    seed = parse_descriptor(SEED).data_product
    assert odcs.sla == seed.sla
    assert odcs.quality == seed.quality

    from_odcs = verdict_of(SEED_ODCS, tmp_path)
    from_yaml = verdict_of(SEED, tmp_path)
    assert from_odcs.decision is from_yaml.decision is Decision.ACCEPTED
    assert not [f for o in from_odcs.checks for f in o.findings if f.severity is Severity.ERROR]


def test_an_undeclared_email_column_is_rejected_naming_its_odcs_path(tmp_path: Path) -> None:
    text = SEED_ODCS.replace(
        "      - name: placed_at\n",
        "      - name: customer_email\n        logicalType: string\n      - name: placed_at\n",
    )
    verdict = verdict_of(text, tmp_path)
    assert verdict.decision is Decision.REJECTED
    (finding,) = [f for o in verdict.checks for f in o.findings if f.code == "PII_UNDECLARED"]
    assert finding.path == "schema[0].properties[3]"
    assert "[ODCS v3.1.0: schema[0].properties[3]]" in finding.message
    assert "pii:<CLASS>" in finding.message  # how to fix it in the contract
    assert (
        finding.details["descriptor_path"] == "data_product.output_ports[0].fields.customer_email"
    )


def test_pii_declared_in_the_contract_must_be_protected(tmp_path: Path) -> None:
    declared = "      - name: customer_email\n        logicalType: string\n        tags: [pii]\n"
    text = SEED_ODCS.replace("      - name: placed_at\n", declared + "      - name: placed_at\n")
    product = parse_descriptor(text).data_product
    assert product.output_ports[0].fields["customer_email"].pii.value == "EMAIL"  # type: ignore[union-attr]
    verdict = verdict_of(text, tmp_path)
    (finding,) = [f for o in verdict.checks for f in o.findings if f.code == "PII_UNPROTECTED"]
    assert finding.path == "schema[0].properties[3].tags"

    protected = declared.replace("[pii]", "[pii, 'protection:hashed']")
    text = SEED_ODCS.replace("      - name: placed_at\n", protected + "      - name: placed_at\n")
    assert verdict_of(text, tmp_path).decision is Decision.ACCEPTED


def test_what_cannot_be_mapped_is_a_finding_naming_its_odcs_path(tmp_path: Path) -> None:
    text = SEED_ODCS.replace(
        "    quality:\n      - type: custom\n",
        "    quality:\n      - type: sql\n        query: SELECT COUNT(*) FROM daily\n"
        "        mustBeGreaterThan: 0\n      - type: custom\n",
    ).replace(
        "    element: daily\n",
        "    element: daily\n  - property: retention\n    value: 1\n    unit: y\n",
    )
    verdict = verdict_of(text, tmp_path)
    assert verdict.decision is Decision.ACCEPTED_WITH_WARNINGS
    notes = {
        f.path: f for o in verdict.checks for f in o.findings if f.code == "CONTRACT_NOT_MAPPED"
    }
    assert set(notes) == {"schema[1].quality[0]", "slaProperties[3]"}
    assert notes["schema[1].quality[0]"].severity is Severity.WARNING
    assert "does not run it" in notes["schema[1].quality[0]"].message
    assert notes["slaProperties[3]"].severity is Severity.INFO


def test_contract_errors_name_the_odcs_path_and_line() -> None:
    text = SEED_ODCS.replace(
        "      - name: segment\n        logicalType: string\n      - name: amount",
        "      - name: order-segment\n        logicalType: string\n      - name: amount",
    )
    text = text.replace("role: Data Product Owner", "role: Data Engineer")
    with pytest.raises(DescriptorError) as raised:
        parse_descriptor(text, "contract.yaml")
    problems = {p.path: p for p in raised.value.problems}
    assert "roles found: Data Engineer" in problems["team"].message
    name = problems["schema[0].properties[1].name"]
    assert "not an Avro field name" in name.message
    assert name.line == text.splitlines().index("      - name: order-segment") + 1

    bad_owner = SEED_ODCS.replace("orders-team@company.com", "orders team")
    with pytest.raises(DescriptorError) as raised:
        parse_descriptor(bad_owner)
    (problem,) = raised.value.problems
    assert problem.path == "team.members[0].username"
    assert "not an e-mail address" in problem.message
    assert problem.line == 14


def test_demo_products_round_trip_through_odcs_and_through_yaml() -> None:
    texts = [p.descriptor("") for p in PRODUCTS]
    texts += [p.descriptor("") for p in rejected_and_scheduled(datetime_now())]
    texts += [SEED, SEED_ODCS]
    for text in texts:
        product = parse_descriptor(text).data_product
        through_odcs = parse_descriptor(odcs_yaml(product)).data_product
        assert comparable(through_odcs) == comparable(product), product.name
        assert not [n for n in through_odcs.contract_origin.notes]  # type: ignore[union-attr]
        through_yaml = parse_descriptor(descriptor_yaml(product)).data_product
        assert comparable(through_yaml) == comparable(product), product.name
        assert through_yaml.contract_origin is None


def datetime_now() -> Any:
    from datetime import UTC, datetime

    return datetime.now(UTC)


def test_the_standards_own_examples_import_or_name_every_problem() -> None:
    """Contracts the import was not written against: a descriptor, or errors that each name
    an ODCS path and its line; never anything else."""
    examples = sorted(STANDARD_EXAMPLES.glob("*.odcs.yaml"))
    assert len(examples) >= 15
    problems = []
    for example in examples:
        try:
            load_descriptor(example)
        except DescriptorError as error:
            problems += [(example.name, p) for p in error.problems] or [(example.name, None)]
    assert problems  # fragments of contracts: most lack an owner or a server
    for name, problem in problems:
        assert problem is not None, name
        assert problem.path, (name, problem)
        assert problem.line is not None, (name, problem)


def test_the_standards_kafka_example_is_a_streaming_port() -> None:
    text = (STANDARD_EXAMPLES / "kafka-schema.odcs.yaml").read_text()
    text = (
        text.rstrip("\n")
        + "\nteam:\n  members:\n    - username: orders@company.com\n      role: owner\n"
    )
    product = parse_descriptor(text).data_product
    assert product.name == "orders"
    (port,) = product.output_ports
    assert (port.location, port.format.value) == ("kafka://orders", "Avro")
    fields = {f["name"]: f["type"] for f in port.avro_schema["fields"]}  # type: ignore[index]
    assert fields == {"cust_id": "string", "prod_id": "string", "qty": "int"}


def lint(path: Path) -> subprocess.CompletedProcess[str]:
    datacontract = Path(sys.executable).with_name("datacontract")
    return subprocess.run(
        [str(datacontract), "lint", str(path)], capture_output=True, text=True, timeout=120
    )


def test_every_demo_export_passes_datacontract_lint(tmp_path: Path) -> None:
    for index, product in enumerate(PRODUCTS):
        accepted = parse_descriptor(product.descriptor("")).data_product
        path = tmp_path / f"{index}-{accepted.name}.odcs.yaml"
        path.write_text(odcs_yaml(accepted, "localhost:9092"))
        done = lint(path)
        assert done.returncode == 0, done.stdout + done.stderr
        assert "valid against ODCS v3.1.0" in done.stdout.replace("\n│", "").replace("  ", " ")


def test_datacontract_lint_refuses_what_is_not_odcs(tmp_path: Path) -> None:
    """The peer judge can fail: a contract missing its id is refused."""
    path = tmp_path / "broken.odcs.yaml"
    path.write_text(SEED_ODCS.replace("id: orders-daily-aggregated\n", ""))
    assert lint(path).returncode != 0


def test_the_committed_example_is_the_seed_example_exported() -> None:
    committed = (EXAMPLES / "orders-daily-aggregated.odcs.yaml").read_text()
    seed = parse_descriptor(SEED).data_product
    assert comparable(parse_descriptor(committed).data_product) == comparable(seed)


HOSTILE = {
    "embedded fields not a list": (
        "    physicalType: topic\n",
        "    physicalType: topic\n    customProperties:\n      - property: avroSchema\n"
        "        value: {type: record, name: X, fields: 5}\n",
    ),
    "embedded schema nested 5000 deep": (
        "    physicalType: topic\n",
        "    physicalType: topic\n    customProperties:\n      - property: keySchema\n"
        "        value: '" + "[" * 5000 + "'\n",
    ),
    "rowCount bound infinite": (
        "    quality:\n      - type: custom\n",
        "    quality:\n      - metric: rowCount\n        mustBeBetween: [0, .inf]\n"
        "      - metric: rowCount\n        mustBeGreaterThan: .nan\n      - type: custom\n",
    ),
    "null rule bound of 400 digits": (
        "            mustBe: 0\n",
        "            mustBe: " + "9" * 400 + "\n",
    ),
    "latency infinite": (
        '    schedule: "0 2 * * *"\n    element: daily\n',
        '    schedule: "0 2 * * *"\n    element: daily\n  - property: latency\n'
        "    value: .inf\n    unit: w\n",
    ),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_contracts_are_findings_or_errors_never_crashes(case: str, tmp_path: Path) -> None:
    old, new = HOSTILE[case]
    assert old in SEED_ODCS
    text = SEED_ODCS.replace(old, new, 1)
    problems: list[Any] = []
    try:
        verdict_of(text, tmp_path)
    except DescriptorError as error:
        problems = error.problems
    assert all(p.path for p in problems), problems


def test_findings_name_real_odcs_paths_never_made_up_ones(tmp_path: Path) -> None:
    # A nested field the properties cannot reach names its nearest property, not a path
    # below it; a bad refresh schedule names the SLA property that gave it.
    text = SEED_ODCS.replace('    schedule: "0 2 * * *"', '    schedule: "every night"')
    with pytest.raises(DescriptorError) as raised:
        parse_descriptor(text)
    (problem,) = raised.value.problems
    assert problem.path == "slaProperties[2].schedule"
    team_as_list = SEED_ODCS.replace(
        "team:\n  name: orders\n  members:\n    - username: orders-team@company.com\n"
        "      role: Data Product Owner\n",
        "team:\n  - username: orders-team@company.com\n    role: owner\n",
    )
    verdict = verdict_of(team_as_list, tmp_path)  # the v3.0 list: no "not an ODCS field"
    assert verdict.decision is Decision.ACCEPTED


def test_row_count_bounds_follow_the_standard_between_excludes_its_ends() -> None:
    text = SEED_ODCS.replace(
        "    quality:\n      - type: custom\n",
        "    quality:\n      - metric: rowCount\n        mustBeBetween: [100, 120]\n"
        "      - metric: rowCount\n        mustBeLessThan: 10.5\n        name: small\n"
        "      - type: custom\n",
    )
    rules = [r for r in parse_descriptor(text).data_product.quality if r.kind.value == "row_count"]
    assert [(r.min_rows, r.max_rows) for r in rules] == [(101, 119), (None, 10)]
    exported = parse_descriptor(odcs_yaml(parse_descriptor(text).data_product)).data_product
    assert [(r.min_rows, r.max_rows) for r in exported.quality if r.kind.value == "row_count"] == [
        (101, 119),
        (None, 10),
    ]


def test_the_owner_is_a_current_owner_and_other_streams_are_refused() -> None:
    departed = SEED_ODCS.replace(
        "      role: Data Product Owner\n",
        "      role: Data Product Owner\n      dateOut: 2023-01-01\n"
        "      replacedByUsername: new-owner@company.com\n",
    )
    with pytest.raises(DescriptorError) as raised:
        parse_descriptor(departed)
    assert "every owner has left the team" in str(raised.value)
    kinesis = SEED_ODCS.replace("    type: kafka\n", "    type: kinesis\n")
    with pytest.raises(DescriptorError) as raised:
        parse_descriptor(kinesis)
    assert "meshgov reads Kafka topics only" in str(raised.value)


def test_primitive_schemas_and_unreachable_classifications_survive_a_round_trip() -> None:
    text = example_descriptor_with(
        schema={
            "type": "record",
            "name": "R",
            "fields": [
                {
                    "name": "c",
                    "type": [
                        "null",
                        {
                            "type": "record",
                            "name": "C",
                            "fields": [{"name": "email", "type": "string"}],
                        },
                        {"type": "record", "name": "D", "fields": [{"name": "x", "type": "int"}]},
                    ],
                    "default": None,
                },
            ],
        },
        fields={"c.email": "{pii: EMAIL, protection: hashed}"},
        key_schema='"string"',
    )
    product = parse_descriptor(text).data_product
    back = parse_descriptor(odcs_yaml(product)).data_product
    assert comparable(back) == comparable(product)
    assert back.output_ports[0].key_schema == '"string"'


def example_descriptor_with(schema: Any, fields: dict[str, str], key_schema: str) -> str:
    from tests.support.descriptors import example_descriptor

    text = example_descriptor(schema=schema, fields=fields)
    return text.replace(
        '      location: "kafka://orders-events"\n',
        f'      location: "kafka://orders-events"\n      key_schema: {json.dumps(key_schema)}\n',
    )
