"""A history version the checker cannot read never makes a verdict more permissive: it is a
finding of its own, an error whenever the mode compares with that version."""

from __future__ import annotations

import importlib
import json
from datetime import UTC, datetime
from typing import Any

import pytest
from click.testing import CliRunner

from meshgov.checks.compatibility import SchemaVersion, check_product, check_schema
from meshgov.cli import cli
from meshgov.models import parse_descriptor
from meshgov.models.events import CheckStatus
from meshgov.models.sla import CompatibilityMode as Mode
from tests.support.descriptors import example_descriptor

RECORD = {"type": "record", "name": "Order", "fields": [{"name": "id", "type": "string"}]}
NEW = json.dumps(
    {**RECORD, "fields": [*RECORD["fields"], {"name": "n", "type": "int", "default": 0}]}
)

UNREADABLE = [
    ('{"type": "bogus"}', "/"),
    ("{not json", "/"),
    ('{"type": "record", "name": "Order"}', "/"),
    ('{"type": "record", "name": "R", "fields": [{"name": "a", "type": "int", "default": "x"}]}',
     "/fields/a/default"),
    ('{"type": "enum", "name": "E", "symbols": ["A", "A"]}', "/symbols"),
    ('{"type": "record", "name": "R", "fields": [{"name": "a", "type": "Missing"}]}',
     "/fields/a/type"),
    ("5", "/"),
    ("null", "/"),  # JSON null: the null type is the string "null"
    ('["int", "int"]', "/1"),
]  # fmt: skip

COMPARING = [m for m in Mode if m is not Mode.NONE]


def codes(report: Any) -> list[tuple[str, str, str | None, str | None]]:
    return [(f.code, f.severity.value, f.path, f.against_version) for f in report.findings]


@pytest.mark.parametrize(("text", "path"), UNREADABLE)
@pytest.mark.parametrize("mode", COMPARING)
def test_an_unreadable_compared_version_makes_the_schema_incompatible(
    mode: Mode, text: str, path: str
) -> None:
    report = check_schema(NEW, [SchemaVersion("1.0.0", text)], mode)
    assert report.compatible is False
    assert codes(report) == [("INVALID_HISTORY_SCHEMA", "ERROR", path, "1.0.0")]
    assert "counts as incompatible" in report.findings[0].message


@pytest.mark.parametrize(("text", "path"), UNREADABLE)
def test_under_none_an_unreadable_version_is_only_a_warning(text: str, path: str) -> None:
    report = check_schema(NEW, [SchemaVersion("1.0.0", text)], Mode.NONE)
    assert report.compatible is True
    assert codes(report) == [("INVALID_HISTORY_SCHEMA", "WARNING", path, "1.0.0")]


def test_an_unreadable_version_before_the_latest_counts_only_in_transitive_modes() -> None:
    history = [
        SchemaVersion("1.0.0", '{"type": "bogus"}'),
        SchemaVersion("1.1.0", json.dumps(RECORD)),
    ]
    latest_only = check_schema(NEW, history, Mode.BACKWARD)
    assert (latest_only.compatible, codes(latest_only)) == (
        True,
        [("INVALID_HISTORY_SCHEMA", "WARNING", "/", "1.0.0")],
    )
    every = check_schema(NEW, history, Mode.BACKWARD_TRANSITIVE)
    assert (every.compatible, codes(every)) == (
        False,
        [("INVALID_HISTORY_SCHEMA", "ERROR", "/", "1.0.0")],
    )


def test_an_unreadable_latest_version_is_not_replaced_by_an_older_readable_one() -> None:
    history = [SchemaVersion("1.0.0", json.dumps(RECORD)), SchemaVersion("1.1.0", "{oops")]
    report = check_schema(NEW, history, Mode.FORWARD)
    assert (report.compatible, codes(report)) == (
        False,
        [("INVALID_HISTORY_SCHEMA", "ERROR", "/", "1.1.0")],
    )


def test_other_versions_are_still_checked_beside_an_unreadable_one() -> None:
    history = [
        SchemaVersion("1", '"string"'),
        SchemaVersion("2", "{oops"),
        SchemaVersion("3", '"int"'),
    ]
    report = check_schema('"long"', history, Mode.BACKWARD_TRANSITIVE)
    assert codes(report) == [
        ("INVALID_HISTORY_SCHEMA", "ERROR", "/", "2"),
        ("TYPE_MISMATCH", "ERROR", "/", "1"),
    ]


def test_a_product_with_an_unreadable_accepted_version_is_not_passed(
    seed_descriptor_text: str,
) -> None:
    text = example_descriptor(version="1.1.0", schema=RECORD, seed=seed_descriptor_text)
    product = parse_descriptor(text).data_product
    history = {"orders-events": [SchemaVersion("1.0.0", '{"type": "bogus"}')]}
    outcome = check_product(product, history, datetime(2026, 11, 25, tzinfo=UTC))
    assert outcome.status is CheckStatus.FAILED
    assert [f.code for f in outcome.findings] == [
        "INVALID_HISTORY_SCHEMA",
        "BREAKING_CHANGE_NEEDS_MAJOR_VERSION",
    ]


def _batch(*lines: str) -> list[dict[str, Any]]:
    result = CliRunner().invoke(cli, ["compat", "--batch", "-"], input="\n".join(lines) + "\n")
    assert result.exit_code == 0, result.output
    assert result.exception is None
    return [json.loads(line) for line in result.output.splitlines()]


def test_a_batch_line_with_an_unusable_history_entry_gets_its_own_answer() -> None:
    answers = _batch(
        json.dumps(
            {"id": "bogus", "mode": "BACKWARD", "new": RECORD, "previous": [{"type": "bogus"}]}
        ),
        json.dumps({"id": "number", "mode": "FULL", "new": RECORD, "previous": [7]}),
        json.dumps({"id": "fine", "mode": "BACKWARD", "new": RECORD, "previous": [RECORD]}),
        json.dumps({"id": "none", "mode": "NONE", "new": RECORD, "previous": [{"type": "bogus"}]}),
    )
    assert [(a["id"], a["compatible"]) for a in answers] == [
        ("bogus", False),
        ("number", False),
        ("fine", True),
        ("none", True),
    ]
    assert [(f["code"], f["severity"]) for f in answers[0]["findings"]] == [
        ("INVALID_HISTORY_SCHEMA", "ERROR")
    ]
    assert [(f["code"], f["severity"]) for f in answers[3]["findings"]] == [
        ("INVALID_HISTORY_SCHEMA", "WARNING")
    ]


def test_a_check_that_fails_unexpectedly_answers_its_line_and_the_batch_goes_on(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    command = importlib.import_module("meshgov.cli.compat")  # the package shadows it
    real = command.check_schema

    def flaky(new: Any, *args: Any, **kwargs: Any) -> Any:
        if new == {"type": "string", "boom": True}:
            raise RuntimeError("simulated defect")
        return real(new, *args, **kwargs)

    monkeypatch.setattr(command, "check_schema", flaky)
    answers = _batch(
        json.dumps({"id": 1, "new": {"type": "string", "boom": True}}),
        json.dumps({"id": 2, "new": "string", "previous": ["string"]}),
    )
    assert answers[0] == {
        "id": 1,
        "error": "line 1: the check failed: RuntimeError: simulated defect",
    }
    assert answers[1]["id"] == 2
    assert answers[1]["compatible"] is True
