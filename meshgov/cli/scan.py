"""`meshgov scan`: find PII in values or in a file of records, offline."""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TextIO

import click
import fastavro

from meshgov.checks.pii.detectors import detect
from meshgov.checks.pii.scan import scan_records
from meshgov.cli.errors import echo_table


def scan_values(lines: TextIO, out: TextIO) -> None:
    """One answer per input line, in order: {"labels": [...]} or {"error": "..."}."""
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
            value, field = item["value"], item.get("field")
            if not isinstance(value, str) or not isinstance(field, (str, type(None))):
                raise TypeError("'value' and 'field' must be strings")
        except (json.JSONDecodeError, KeyError, TypeError, AttributeError) as exc:
            reason = exc.msg if isinstance(exc, json.JSONDecodeError) else str(exc)
            if isinstance(exc, KeyError):
                reason = "missing 'value'"
            out.write(json.dumps({"error": f"line {number}: {reason}"}) + "\n")
            continue
        out.write(json.dumps({"labels": [label.value for label in detect(value, field)]}) + "\n")
    out.flush()


def read_records(path: Path) -> Iterator[dict[str, Any]]:
    suffix = path.suffix.lower()
    if suffix == ".avro":
        with path.open("rb") as handle:
            for record in fastavro.reader(handle):
                if isinstance(record, dict):
                    yield record
        return
    with path.open(encoding="utf-8", newline="") as handle:
        if suffix == ".csv":
            yield from csv.DictReader(handle)
            return
        for number, line in enumerate(handle, start=1):
            if line.strip():
                try:
                    record = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise click.ClickException(
                        f"{path}, line {number}: not JSON: {exc.msg}"
                    ) from None
                if isinstance(record, dict):
                    yield record


@click.command()
@click.option("--values", "values_mode", is_flag=True, help="Read JSON Lines of values on stdin.")
@click.option("--json", "as_json", is_flag=True, help="Print the file report as JSON.")
@click.option("--fail-on-pii", is_flag=True, help="Exit 1 when any field holds PII.")
@click.argument(
    "file", required=False, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
def scan(values_mode: bool, as_json: bool, fail_on_pii: bool, file: Path | None) -> None:
    """Find PII. With --values, each stdin line {"value": ..., "field": ...} gets one line
    {"labels": [...]}. With FILE (.jsonl, .csv or .avro), print a report per field."""
    if values_mode:
        if file is not None:
            raise click.UsageError("--values reads stdin; give no FILE")
        scan_values(sys.stdin, sys.stdout)
        return
    if file is None:
        raise click.UsageError("give a FILE to scan, or --values to read values on stdin")
    try:
        reports = scan_records(read_records(file))
    except (OSError, ValueError) as exc:
        raise click.ClickException(f"cannot read {file}: {exc}") from None
    if as_json:
        click.echo(
            json.dumps(
                [
                    {
                        "field": r.path,
                        "values": r.values,
                        "labels": {k.value: v for k, v in r.labels.most_common()},
                        "evidence": {k.value: v for k, v in r.evidence.items()},
                    }
                    for r in reports.values()
                ],
                indent=2,
            )
        )
    else:
        rows = [("FIELD", "VALUES", "PII", "EVIDENCE (masked)")]
        for report in reports.values():
            found = ", ".join(
                f"{label.value} {count / report.values:.0%}"
                for label, count in report.labels.most_common()
            )
            evidence = "; ".join(report.evidence.values())
            rows.append((report.path, str(report.values), found or "-", evidence or "-"))
        echo_table(rows)
    if fail_on_pii and any(r.labels for r in reports.values()):
        sys.exit(1)
