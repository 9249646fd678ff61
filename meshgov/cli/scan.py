"""`meshgov scan`: find PII in values or in a file of records, offline.

Files are read as a stream: lines of JSON Lines and CSV files one at a time, up to a length
(--max-line-bytes), Avro files block by block. Whatever makes a file unreadable (a line
that is not JSON or not UTF-8, a line too long, a CSV field too large, a damaged Avro
container) is an error naming the file and line: exit 2, and no report.
"""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any, TextIO

import click
import fastavro

from meshgov.checks.pii.detectors import MAX_TEXT, detect
from meshgov.checks.pii.scan import (
    MAX_DEPTH,
    MAX_FIELDS,
    MAX_PATH,
    OVERFLOW,
    FieldReport,
    RecordScanner,
)
from meshgov.cli.errors import EXIT_ERROR, echo_table

MAX_LINE_BYTES = 1 << 20
_BOM = b"\xef\xbb\xbf"


class ScanInputError(click.ClickException):
    """A file that cannot be scanned: exit 2, like any other bad input."""

    exit_code = EXIT_ERROR


def numbered_lines(handle: IO[bytes], max_bytes: int) -> Iterator[tuple[int, bytes | None]]:
    """(line number, line without its line end) for each line of `handle`, read at most
    `max_bytes` (and a line end) at a time; None for a longer line, the rest of which is
    skipped when the next line is asked for."""
    number = 0
    while line := handle.readline(max_bytes + 2):
        number += 1
        ended = line.endswith(b"\n")
        line = (line[:-1] if ended else line).removesuffix(b"\r")  # one copy held, not two
        if len(line) > max_bytes:
            yield number, None
            while not ended and (rest := handle.readline(max_bytes)):
                ended = rest.endswith(b"\n")
            continue
        yield number, line.removeprefix(_BOM) if number == 1 else line


def decoded(line: bytes) -> str:
    """`line` as UTF-8; a ValueError naming the first byte that is not."""
    try:
        return line.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValueError(f"not UTF-8: 0x{line[exc.start]:02x} at byte {exc.start + 1}") from None


def scan_values(lines: IO[bytes], out: TextIO, max_line_bytes: int = MAX_LINE_BYTES) -> None:
    """One answer per input line, in order: {"labels": [...]} or {"error": "..."}."""
    for number, raw in numbered_lines(lines, max_line_bytes):
        if raw is None:
            _answer(out, {"error": f"line {number}: longer than {max_line_bytes:,} bytes"})
            continue
        if not raw.strip():
            continue
        try:
            item = json.loads(decoded(raw))
            value, field = item["value"], item.get("field")
            if not isinstance(value, str) or not isinstance(field, (str, type(None))):
                raise TypeError("'value' and 'field' must be strings")
        except (ValueError, KeyError, TypeError, AttributeError, RecursionError) as exc:
            reason = exc.msg if isinstance(exc, json.JSONDecodeError) else str(exc)
            if isinstance(exc, KeyError):
                reason = "missing 'value'"
            elif isinstance(exc, RecursionError):
                reason = "nested too deeply"
            _answer(out, {"error": f"line {number}: {reason}"})
            continue
        _answer(out, {"labels": [label.value for label in detect(value, field)]})
    out.flush()


def _answer(out: TextIO, answer: Mapping[str, Any]) -> None:
    out.write(json.dumps(answer) + "\n")


@contextmanager
def opened(path: Path) -> Iterator[IO[bytes]]:
    try:
        handle = path.open("rb")
    except OSError as exc:
        raise ScanInputError(f"cannot read {path}: {exc.strerror or exc}") from None
    with handle:
        try:
            yield handle
        except OSError as exc:
            raise ScanInputError(f"cannot read {path}: {exc.strerror or exc}") from None


def read_records(path: Path, max_line_bytes: int = MAX_LINE_BYTES) -> Iterator[object]:
    """The records of a .avro, .csv or JSON Lines file, in order, as decoded (a JSON line
    need not be an object). A file that cannot be read raises ScanInputError."""
    suffix = path.suffix.lower()
    with opened(path) as handle:
        if suffix == ".avro":
            yield from _avro_records(path, handle)
        elif suffix == ".csv":
            yield from _csv_records(path, handle, max_line_bytes)
        else:
            yield from _json_records(path, handle, max_line_bytes)


def _too_long(path: Path, number: int, max_line_bytes: int) -> ScanInputError:
    return ScanInputError(
        f"{path}, line {number}: longer than {max_line_bytes:,} bytes (see --max-line-bytes)"
    )


def _json_records(path: Path, handle: IO[bytes], max_line_bytes: int) -> Iterator[object]:
    for number, raw in numbered_lines(handle, max_line_bytes):
        if raw is None:
            raise _too_long(path, number, max_line_bytes)
        if not raw.strip():
            continue
        try:
            record = json.loads(decoded(raw))
        except json.JSONDecodeError as exc:
            raise ScanInputError(f"{path}, line {number}: not JSON: {exc.msg}") from None
        except ValueError as exc:
            raise ScanInputError(f"{path}, line {number}: {exc}") from None
        except RecursionError:
            raise ScanInputError(f"{path}, line {number}: JSON nested too deeply") from None
        yield record


def _csv_records(path: Path, handle: IO[bytes], max_line_bytes: int) -> Iterator[object]:
    def text_lines() -> Iterator[str]:
        for number, raw in numbered_lines(handle, max_line_bytes):
            if raw is None:
                raise _too_long(path, number, max_line_bytes)
            try:
                yield decoded(raw) + "\n"
            except ValueError as exc:
                raise ScanInputError(f"{path}, line {number}: {exc}") from None

    # A quoted field may span lines; none may be longer than a line may be.
    previous_limit = csv.field_size_limit(max_line_bytes)
    try:
        reader = csv.DictReader(text_lines())
        while True:
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                raise ScanInputError(f"{path}, line {reader.line_num}: not CSV: {exc}") from None
            yield row
    finally:
        csv.field_size_limit(previous_limit)


def _avro_records(path: Path, handle: IO[bytes]) -> Iterator[object]:
    try:
        records = iter(fastavro.reader(handle))
    except Exception as exc:  # noqa: BLE001 - all fastavro raises on a header it cannot read
        raise _not_avro(path, exc) from None
    while True:
        try:
            record = next(records)
        except StopIteration:
            return
        except Exception as exc:  # noqa: BLE001 - all fastavro raises on a damaged block
            raise _not_avro(path, exc) from None
        yield record


def _not_avro(path: Path, error: Exception) -> ScanInputError:
    reason = str(error) or type(error).__name__
    if isinstance(error, EOFError):
        reason = f"truncated ({reason})" if str(error) else "truncated"
    return ScanInputError(f"{path}: not a readable Avro container file: {reason}")


def report_json(reports: list[FieldReport]) -> str:
    entries = []
    for r in reports:
        entry: dict[str, Any] = {
            "field": r.path,
            "values": r.values,
            "labels": {k.value: v for k, v in r.labels.most_common()},
            "evidence": {k.value: v for k, v in r.evidence.items()},
        }
        if r.not_scanned:
            entry["not_scanned"] = r.not_scanned
        if r.overflow:
            entry["overflow"] = True
        entries.append(entry)
    return json.dumps(entries, indent=2)


def echo_report_table(reports: list[FieldReport]) -> None:
    rows = [("FIELD", "VALUES", "PII", "EVIDENCE (masked)")]
    for report in reports:
        found = ", ".join(
            f"{label.value} {count / report.values:.0%}"
            for label, count in report.labels.most_common()
        )
        evidence = "; ".join(report.evidence.values())
        rows.append((report.path, str(report.values), found or "-", evidence or "-"))
    echo_table(rows)


SCAN_HELP = f"""Find PII. With --values, each stdin line {{"value": ..., "field": ...}} gets
one line {{"labels": [...]}}. With FILE (.jsonl, .csv or .avro), print a report per field.

FILE is read as a stream, in bounded memory. Values nested deeper than {MAX_DEPTH} keys are
reported under "<the path at {MAX_DEPTH} keys>.*", paths are cut at {MAX_PATH} characters;
values longer than {MAX_TEXT} characters are counted, not scanned.

Exit codes: 0 scanned, 1 PII found with --fail-on-pii (once all of FILE or its
--max-records sample was read), 2 a file
or line that cannot be read, named in the error (and no report)."""


def warn(message: str) -> None:
    click.secho(f"warning: {message}", fg="yellow", err=True)


@click.command(help=SCAN_HELP)
@click.option("--values", "values_mode", is_flag=True, help="Read JSON Lines of values on stdin.")
@click.option("--json", "as_json", is_flag=True, help="Print the file report as JSON.")
@click.option(
    "--fail-on-pii", is_flag=True, help="Exit 1 when any field holds PII (and the scan ended)."
)
@click.option(
    "--max-line-bytes",
    type=click.IntRange(min=1),
    default=MAX_LINE_BYTES,
    show_default=True,
    help="The longest line read (JSON Lines, CSV, --values). A longer line in FILE is an "
    "error (exit 2), not skipped: no part of a file goes unscanned.",
)
@click.option(
    "--max-fields",
    type=click.IntRange(min=1),
    default=MAX_FIELDS,
    show_default=True,
    help=f"Field paths reported one by one; values of further paths count under {OVERFLOW}.",
)
@click.option(
    "--max-records",
    type=click.IntRange(min=1),
    help="Scan only the first N records of FILE, a sample (a warning says so).",
)
@click.argument(
    "file", required=False, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
def scan(
    values_mode: bool,
    as_json: bool,
    fail_on_pii: bool,
    max_line_bytes: int,
    max_fields: int,
    max_records: int | None,
    file: Path | None,
) -> None:
    if values_mode:
        if file is not None:
            raise click.UsageError("--values reads stdin; give no FILE")
        scan_values(sys.stdin.buffer, sys.stdout, max_line_bytes)
        return
    if file is None:
        raise click.UsageError("give a FILE to scan, or --values to read values on stdin")
    scanner = RecordScanner(max_fields=max_fields)
    not_objects = 0
    sampled = False
    for number, record in enumerate(read_records(file, max_line_bytes), start=1):
        if max_records is not None and number > max_records:
            sampled = True
            break
        if isinstance(record, Mapping):
            scanner.add(record)
        else:
            not_objects += 1
    if sampled:
        warn(f"scanned the first {max_records:,} records of {file} only (--max-records)")
    if not_objects:
        warn(f"{not_objects:,} records of {file} are not objects and were not scanned")
    if scanner.overflow.values:
        warn(
            f"more than {max_fields:,} field paths in {file}: the values of the others "
            f"({scanner.overflow.values:,}) are counted under {OVERFLOW}"
        )
    if not_scanned := scanner.not_scanned():
        warn(f"{not_scanned:,} values longer than {MAX_TEXT:,} characters were not scanned")
    reports = scanner.reports()
    if as_json:
        click.echo(report_json(reports))
    else:
        echo_report_table(reports)
    if fail_on_pii and any(r.labels for r in reports):
        sys.exit(1)
