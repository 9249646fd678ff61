"""`meshgov compat`: schema compatibility offline, for people and CI pipelines."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, TextIO

import click

from meshgov.checks.compatibility import SchemaVersion, check_schema
from meshgov.models.events import Finding
from meshgov.models.sla import CompatibilityMode

MODES = [m.value for m in CompatibilityMode]


def _read_schema(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise click.BadParameter(f"cannot read {path}: {exc}") from None


def _print_findings(findings: list[Finding], compatible: bool, out: TextIO) -> None:
    for finding in findings:
        where = f" {finding.path}" if finding.path else ""
        against = f" (vs {finding.against_version})" if finding.against_version else ""
        click.echo(f"{finding.severity.value} {finding.code}{where}{against}", file=out)
        click.echo(f"  {finding.message}", file=out)
    click.echo("compatible" if compatible else "NOT compatible", file=out)


@click.command()
@click.option(
    "--mode",
    type=click.Choice(MODES, case_sensitive=False),
    default="BACKWARD",
    show_default=True,
    help="Schema Registry compatibility mode.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the findings as JSON.")
@click.option("--batch", type=click.File("r"), help="JSON Lines of cases; '-' for stdin.")
@click.argument("schemas", nargs=-1, type=click.Path(path_type=Path, dir_okay=False))
def compat(mode: str, as_json: bool, batch: TextIO | None, schemas: tuple[Path, ...]) -> None:
    """Check NEW.avsc against earlier schemas PREV.avsc ... (oldest first).

    Exit 0 when compatible, 1 when not, 2 on bad usage or unreadable files. With --batch FILE,
    each line {"id", "mode", "new", "previous": [...]} yields one JSON line
    {"id", "compatible", "findings"} (or {"id", "error"}), in order."""
    if batch is not None:
        if schemas:
            raise click.UsageError("give either --batch FILE or schema files, not both")
        run_batch(batch, sys.stdout)
        return
    if not schemas:
        raise click.UsageError("give the new schema file, then the earlier ones oldest first")
    new, *previous = schemas
    history = [SchemaVersion(p.name, _read_schema(p)) for p in previous]
    report = check_schema(_read_schema(new), history, CompatibilityMode.parse(mode))
    if as_json:
        click.echo(
            json.dumps(
                {
                    "compatible": report.compatible,
                    "findings": [f.model_dump(mode="json") for f in report.findings],
                },
                indent=2,
            )
        )
    else:
        _print_findings(report.findings, report.compatible, sys.stdout)
    sys.exit(0 if report.compatible else 1)


def run_case(case: Any) -> dict[str, Any]:
    """The answer to one batch case. A schema is given as JSON (an object, an array or a
    primitive's name such as "string") or as JSON text ("{\"type\": ...}", "\"int\"")."""
    if not isinstance(case, dict):
        return {"id": None, "error": "each line must be a JSON object"}
    case_id = case.get("id")
    try:
        mode = CompatibilityMode.parse(case.get("mode", "BACKWARD"))
    except ValueError as exc:
        return {"id": case_id, "error": str(exc)}
    if "new" not in case:
        return {"id": case_id, "error": "missing 'new' schema"}
    previous = case.get("previous", [])
    if not isinstance(previous, list):
        return {"id": case_id, "error": "'previous' must be a list of schemas, oldest first"}
    history = [SchemaVersion(str(i), s) for i, s in enumerate(previous, start=1)]
    report = check_schema(case["new"], history, mode)
    return {
        "id": case_id,
        "compatible": report.compatible,
        "findings": [f.model_dump(mode="json") for f in report.findings],
    }


def run_batch(lines: TextIO, out: TextIO) -> None:
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            case = json.loads(line)
        except json.JSONDecodeError as exc:
            result: dict[str, Any] = {"id": None, "error": f"line {number}: not JSON: {exc.msg}"}
        else:
            try:
                result = run_case(case)
            except Exception as exc:  # noqa: BLE001 - one line's failure is that line's answer
                case_id = case.get("id") if isinstance(case, dict) else None
                result = {
                    "id": case_id,
                    "error": f"line {number}: the check failed: {type(exc).__name__}: {exc}",
                }
        out.write(json.dumps(result) + "\n")
        out.flush()
