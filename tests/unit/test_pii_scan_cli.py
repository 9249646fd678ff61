from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import fastavro
import pytest
from click.testing import CliRunner, Result

from meshgov.checks.pii.scan import MAX_DEPTH, MAX_FIELDS, MAX_PATH, OVERFLOW, flatten
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


def _scan(path: Path, *options: str) -> Result:
    return CliRunner().invoke(cli, ["scan", "--json", *options, str(path)])


def _report(path: Path, *options: str) -> dict[str, dict[str, object]]:
    result = _scan(path, *options)
    assert result.exit_code == 0, result.output
    return {entry["field"]: entry for entry in json.loads(result.stdout)}


def _jsonl(path: Path, records: list[object]) -> Path:
    path.write_text("".join(json.dumps(record) + "\n" for record in records))
    return path


def _refused(path: Path, *options: str) -> str:
    """The one-line error of a scan that must exit 2 and print no report."""
    result = _scan(path, *options)
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    assert result.exception is None or isinstance(result.exception, SystemExit)
    (line,) = result.stderr.strip().splitlines()
    return line


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


def test_a_line_that_is_not_json_exits_2_naming_the_line(tmp_path: Path) -> None:
    path = tmp_path / "orders.jsonl"
    path.write_text(json.dumps(RECORDS[0]) + "\nnot json\n")
    assert _refused(path) == f"Error: {path}, line 2: not JSON: Expecting value"


def test_a_byte_that_is_not_utf8_exits_2_naming_the_line(tmp_path: Path) -> None:
    path = tmp_path / "orders.jsonl"
    path.write_bytes(b'{"a": "x"}\n\n{"b": "caf\xe9"}\n')
    assert _refused(path) == f"Error: {path}, line 3: not UTF-8: 0xe9 at byte 11"
    csv_path = tmp_path / "orders.csv"
    csv_path.write_bytes(b"a,b\n1,\xff\n")
    assert _refused(csv_path) == f"Error: {csv_path}, line 2: not UTF-8: 0xff at byte 3"


def test_a_byte_order_mark_is_no_error(tmp_path: Path) -> None:
    path = tmp_path / "orders.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps({"email": "a.b@example.com"}).encode())
    assert _report(path)["email"]["labels"] == {"EMAIL": 1}


def test_the_real_command_exits_2_in_one_line_without_a_traceback(tmp_path: Path) -> None:
    path = tmp_path / "orders.jsonl"
    path.write_bytes(b"\xff\n")
    environment = {k: v for k, v in os.environ.items() if k != "MESHGOV_DEBUG"}
    done = subprocess.run(
        [sys.executable, "-m", "meshgov", "scan", str(path)],
        capture_output=True,
        text=True,
        env=environment,
        check=False,
    )
    assert done.returncode == 2
    assert done.stderr.strip() == f"Error: {path}, line 1: not UTF-8: 0xff at byte 1"


def _avro_file(path: Path, count: int) -> bytes:
    schema = {"type": "record", "name": "O", "fields": [{"name": "email", "type": "string"}]}
    with path.open("wb") as handle:
        fastavro.writer(
            handle,
            fastavro.parse_schema(schema),
            [{"email": f"a{i}@example.com"} for i in range(count)],
            sync_interval=1000,
        )
    return path.read_bytes()


def test_an_unreadable_avro_file_exits_2_naming_the_file_and_the_error(tmp_path: Path) -> None:
    not_avro = tmp_path / "orders.avro"
    not_avro.write_text('{"email": "a@example.com"}\n')
    assert _refused(not_avro) == (
        f"Error: {not_avro}: not a readable Avro container file: "
        "cannot read header - is it an avro file?"
    )
    whole = _avro_file(tmp_path / "whole.avro", 2000)
    truncated = tmp_path / "truncated.avro"
    truncated.write_bytes(whole[: len(whole) // 2])
    error = _refused(truncated)
    assert error.startswith(f"Error: {truncated}: not a readable Avro container file: truncated")


@pytest.mark.parametrize("suffix", [".jsonl", ".csv", ".avro"])
def test_an_empty_file_is_a_clean_report(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"empty{suffix}"
    path.write_bytes(b"")
    if suffix == ".avro":
        _avro_file(path, 0)
    result = _scan(path, "--fail-on-pii")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == []


def test_a_directory_or_a_missing_file_exits_2(tmp_path: Path) -> None:
    for path in (tmp_path, tmp_path / "missing.jsonl"):
        result = _scan(path)
        assert result.exit_code == 2
        assert "Invalid value for '[FILE]'" in result.stderr


def test_a_line_above_the_limit_exits_2_naming_it_unless_the_limit_is_raised(
    tmp_path: Path,
) -> None:
    path = _jsonl(
        tmp_path / "orders.jsonl",
        [RECORDS[0], {"note": "x" * 2000, "email": "c.d@example.org"}],
    )
    assert _refused(path, "--max-line-bytes", "1000") == (
        f"Error: {path}, line 2: longer than 1,000 bytes (see --max-line-bytes)"
    )
    report = _report(path, "--max-line-bytes", "3000")
    assert report["email"]["labels"] == {"EMAIL": 1}


def test_a_csv_field_above_the_limit_exits_2(tmp_path: Path) -> None:
    path = tmp_path / "orders.csv"
    path.write_text('email,note\na@example.com,"' + "x\n" * 600 + '"\n')
    error = _refused(path, "--max-line-bytes", "1000")
    assert error.startswith(f"Error: {path}, line ")
    assert "not CSV: field larger than field limit (1000)" in error


def test_fail_on_pii_is_no_result_when_the_scan_did_not_end(tmp_path: Path) -> None:
    path = tmp_path / "orders.jsonl"
    path.write_text(json.dumps(RECORDS[0]) + "\n{broken\n")
    assert CliRunner().invoke(cli, ["scan", "--fail-on-pii", str(path)]).exit_code == 2


def test_field_paths_beyond_the_cap_are_counted_under_the_overflow(tmp_path: Path) -> None:
    records = [{f"id_{n}": f"ORD-{n}", f"email_{n}": f"u{n}@example.com"} for n in range(20)]
    path = _jsonl(tmp_path / "wide.jsonl", records)
    result = _scan(path, "--max-fields", "10", "--fail-on-pii")
    assert result.exit_code == 1  # the PII beyond the cap counts too
    entries = json.loads(result.stdout)
    assert len(entries) == 11
    assert [e["field"] for e in entries[:10]] == [
        f"{kind}_{n}" for n in range(5) for kind in ("id", "email")
    ]
    assert entries[-1] == {
        "field": OVERFLOW,
        "values": 30,
        "labels": {"EMAIL": 15},
        "evidence": {"EMAIL": "u***@e***.com"},
        "overflow": True,
    }
    assert "more than 10 field paths" in result.stderr
    table = CliRunner().invoke(cli, ["scan", "--max-fields", "10", str(path)])
    assert table.stdout.splitlines()[-1].split()[:4] == ["(other", "fields)", "30", "EMAIL"]


def test_the_report_is_capped_however_many_distinct_paths(tmp_path: Path) -> None:
    paths = MAX_FIELDS + 500
    records = [
        {f"k{n}": n for n in range(start, min(start + 1000, paths))}
        for start in range(0, paths, 1000)
    ]
    entries = json.loads(_scan(_jsonl(tmp_path / "wide.jsonl", records)).stdout)
    assert len(entries) == MAX_FIELDS + 1
    assert entries[-1]["field"] == OVERFLOW
    assert entries[-1]["values"] == paths - MAX_FIELDS


def test_deep_nesting_is_cut_at_the_depth_cap_and_never_crashes(tmp_path: Path) -> None:
    deep: object = {"email": "a.b@example.com"}
    for _ in range(200):
        deep = {"a": deep}
    report = _report(_jsonl(tmp_path / "deep.jsonl", [deep]))
    (path,) = report
    assert path == ".".join(["a"] * MAX_DEPTH) + ".*"
    assert report[path]["labels"] == {"EMAIL": 1}

    deeper = tmp_path / "deeper.jsonl"
    deeper.write_text('{"a": ' * 100_000 + "1" + "}" * 100_000 + "\n")
    assert _refused(deeper, "--max-line-bytes", "10000000") == (
        f"Error: {deeper}, line 1: JSON nested too deeply"
    )


def test_flatten_keeps_order_goes_into_nested_lists_and_does_not_recurse() -> None:
    record = {"a": [1, {"b": ["x", None, True]}, [2, [{"c": "y"}]]], "d": {"e": "z"}}
    assert list(flatten(record)) == [
        ("a", "1"),
        ("a.b", "x"),
        ("a", "2"),
        ("a.c", "y"),
        ("d.e", "z"),
    ]
    deep: dict[str, object] = {"leaf": "v"}
    for _ in range(sys.getrecursionlimit() * 3):
        deep = {"k": [deep]}
    ((path, text),) = flatten(deep)
    assert (path.count("."), text) == (MAX_DEPTH, "v")


def test_long_paths_are_cut(tmp_path: Path) -> None:
    report = _report(_jsonl(tmp_path / "long.jsonl", [{"k" * 1000: "v"}]))
    assert list(report) == ["k" * MAX_PATH + "…"]


def test_a_value_scans_the_same_in_every_field_the_cache_keeps_apart(tmp_path: Path) -> None:
    records = [{"dob": "1987-03-12", "shipped_at": "1987-03-12", "x": "1987-03-12"}] * 3
    report = _report(_jsonl(tmp_path / "dates.jsonl", records))
    assert {path: entry["labels"] for path, entry in report.items()} == {
        "dob": {"DATE_OF_BIRTH": 3},
        "shipped_at": {},
        "x": {"DATE_OF_BIRTH": 3},
    }


def test_max_records_scans_a_sample_and_says_so(tmp_path: Path) -> None:
    path = _jsonl(tmp_path / "orders.jsonl", RECORDS * 5)
    result = _scan(path, "--max-records", "3")
    assert result.exit_code == 0
    assert {e["field"]: e["values"] for e in json.loads(result.stdout)}["order_id"] == 3
    assert "scanned the first 3 records" in result.stderr
    assert "scanned the first" not in _scan(path, "--max-records", "10").stderr


def test_records_that_are_not_objects_and_values_too_long_are_told(tmp_path: Path) -> None:
    path = _jsonl(tmp_path / "mixed.jsonl", [RECORDS[0], [1, 2], "text", {"note": "x" * 5000}])
    result = _scan(path)
    assert result.exit_code == 0
    assert "2 records of" in result.stderr
    assert "1 values longer than 4,096 characters were not scanned" in result.stderr
    assert {e["field"]: e.get("not_scanned") for e in json.loads(result.stdout)}["note"] == 1


def test_values_mode_answers_bad_lines_and_goes_on() -> None:
    lines = (
        b'{"value": "a.b@example.com"}\n{"value": "\xff"}\n' + b"x" * 300 + b'\n{"value": "x"}\n'
    )
    result = CliRunner().invoke(cli, ["scan", "--values", "--max-line-bytes", "100"], input=lines)
    assert result.exit_code == 0
    assert [json.loads(line) for line in result.stdout.splitlines()] == [
        {"labels": ["EMAIL"]},
        {"error": "line 2: not UTF-8: 0xff at byte 12"},
        {"error": "line 3: longer than 100 bytes"},
        {"labels": []},
    ]
