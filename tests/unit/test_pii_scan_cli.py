from __future__ import annotations

import csv
import json
from pathlib import Path

import fastavro
from click.testing import CliRunner

from meshgov.cli import cli

RECORDS = [
    {
        "order_id": "ORD-1",
        "customer": {"email": "a.b@example.com", "name": "Jane Doe"},
        "note": "call +1 415-555-2671",
        "amount": "12.50",
    },
    {
        "order_id": "ORD-2",
        "customer": {"email": "c.d@example.org", "name": "John Smith"},
        "note": "left at door",
        "amount": "99.00",
    },
]


def test_values_mode_answers_each_line_in_order() -> None:
    lines = [
        {"value": "jane@example.com"},
        {"value": "1987-03-12", "field": "shipped_at"},
        {"value": "1987-03-12", "field": "dob"},
        "not json",
        {"field": "x"},
        {"value": "ORD-2024-000123"},
    ]
    text = "\n".join(line if isinstance(line, str) else json.dumps(line) for line in lines)
    result = CliRunner().invoke(cli, ["scan", "--values"], input=text + "\n")
    assert result.exit_code == 0
    assert [json.loads(line) for line in result.output.splitlines()] == [
        {"labels": ["EMAIL"]},
        {"labels": []},
        {"labels": ["DATE_OF_BIRTH"]},
        {"error": "line 4: Expecting value"},
        {"error": "line 5: missing 'value'"},
        {"labels": []},
    ]


def _report(path: Path) -> dict[str, dict[str, object]]:
    result = CliRunner().invoke(cli, ["scan", "--json", str(path)])
    assert result.exit_code == 0, result.output
    return {entry["field"]: entry for entry in json.loads(result.output)}


def test_a_jsonl_file_gets_a_masked_report_per_field(tmp_path: Path) -> None:
    path = tmp_path / "orders.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in RECORDS) + "\n")
    report = _report(path)
    assert report["customer.email"]["labels"] == {"EMAIL": 2}
    assert report["customer.email"]["evidence"] == {"EMAIL": "a***@e***.com"}
    assert report["customer.name"]["labels"] == {"PERSON": 2}
    assert report["note"]["labels"] == {"PHONE": 1}
    assert report["order_id"]["labels"] == {}
    assert "a.b@example.com" not in json.dumps(report)


def test_csv_and_avro_files(tmp_path: Path) -> None:
    flat = [{"email": r["customer"]["email"], "order_id": r["order_id"]} for r in RECORDS]  # type: ignore[index]
    csv_path = tmp_path / "orders.csv"
    with csv_path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=["email", "order_id"])
        writer.writeheader()
        writer.writerows(flat)
    assert _report(csv_path)["email"]["labels"] == {"EMAIL": 2}

    avro_path = tmp_path / "orders.avro"
    schema = {
        "type": "record",
        "name": "O",
        "fields": [{"name": "email", "type": "string"}, {"name": "order_id", "type": "string"}],
    }
    with avro_path.open("wb") as handle:
        fastavro.writer(handle, fastavro.parse_schema(schema), flat)
    assert _report(avro_path)["email"]["labels"] == {"EMAIL": 2}


def test_fail_on_pii_exit_code(tmp_path: Path) -> None:
    path = tmp_path / "orders.jsonl"
    path.write_text(json.dumps(RECORDS[0]) + "\n")
    assert CliRunner().invoke(cli, ["scan", "--fail-on-pii", str(path)]).exit_code == 1
    clean = tmp_path / "clean.jsonl"
    clean.write_text(json.dumps({"order_id": "ORD-1"}) + "\n")
    assert CliRunner().invoke(cli, ["scan", "--fail-on-pii", str(clean)]).exit_code == 0
