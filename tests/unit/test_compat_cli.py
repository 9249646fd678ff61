from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from meshgov.cli import cli

V1 = {"type": "record", "name": "Order", "fields": [{"name": "id", "type": "string"}]}
V2 = {**V1, "fields": [*V1["fields"], {"name": "segment", "type": "string"}]}


@pytest.fixture
def files(tmp_path: Path) -> dict[str, str]:
    paths = {}
    for name, schema in (("v1", V1), ("v2", V2)):
        path = tmp_path / f"{name}.avsc"
        path.write_text(json.dumps(schema))
        paths[name] = str(path)
    (tmp_path / "broken.avsc").write_text('{"type": "record", "name": "X"}')
    paths["broken"] = str(tmp_path / "broken.avsc")
    return paths


def test_exit_zero_when_compatible(files: dict[str, str]) -> None:
    result = CliRunner().invoke(cli, ["compat", "--mode", "FORWARD", files["v2"], files["v1"]])
    assert (result.exit_code, result.output.strip()) == (0, "compatible")


def test_exit_one_with_readable_findings_when_not(files: dict[str, str]) -> None:
    result = CliRunner().invoke(cli, ["compat", "--mode", "BACKWARD", files["v2"], files["v1"]])
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert lines[0] == "ERROR READER_FIELD_MISSING_DEFAULT_VALUE /fields/segment (vs v1.avsc)"
    assert "Field 'segment'" in lines[1]
    assert lines[-1] == "NOT compatible"


def test_json_output(files: dict[str, str]) -> None:
    result = CliRunner().invoke(cli, ["compat", "--json", files["v2"], files["v1"]])
    assert result.exit_code == 1
    report = json.loads(result.output)
    assert report["compatible"] is False
    assert [(f["code"], f["path"]) for f in report["findings"]] == [
        ("READER_FIELD_MISSING_DEFAULT_VALUE", "/fields/segment")
    ]


def test_an_invalid_new_schema_is_a_finding(files: dict[str, str]) -> None:
    result = CliRunner().invoke(cli, ["compat", files["broken"], files["v1"]])
    assert result.exit_code == 1
    assert "INVALID_SCHEMA" in result.output
    assert "a record needs a 'fields' list" in result.output


@pytest.mark.parametrize(
    "args",
    [["compat"], ["compat", "/nonexistent.avsc"], ["compat", "--mode", "SIDEWAYS", "x.avsc"]],
)
def test_exit_two_on_bad_usage_or_unreadable_files(args: list[str]) -> None:
    assert CliRunner().invoke(cli, args).exit_code == 2


def test_batch_answers_each_line_in_order_and_survives_bad_lines() -> None:
    lines = [
        json.dumps({"id": "a", "mode": "BACKWARD", "new": V2, "previous": [V1]}),
        "not json",
        json.dumps({"id": "c", "mode": "FORWARD", "new": V2, "previous": [V1]}),
        json.dumps({"id": "d", "mode": "SIDEWAYS", "new": V2}),
        json.dumps({"id": "e", "previous": [V1]}),
        json.dumps({"id": "f", "mode": "FULL_TRANSITIVE", "new": V1, "previous": [V1]}),
    ]
    result = CliRunner().invoke(cli, ["compat", "--batch", "-"], input="\n".join(lines) + "\n")
    assert result.exit_code == 0
    answers = [json.loads(line) for line in result.output.splitlines()]
    assert [a.get("id") for a in answers] == ["a", None, "c", "d", "e", "f"]
    assert answers[0]["compatible"] is False
    assert answers[0]["findings"][0]["against_version"] == "1"
    assert answers[1]["error"].startswith("line 2: not JSON")
    assert answers[2] == {"id": "c", "compatible": True, "findings": []}
    assert "unknown compatibility mode 'SIDEWAYS'" in answers[3]["error"]
    assert answers[4]["error"] == "missing 'new' schema"
    assert answers[5]["findings"][0]["code"] == "SCHEMA_UNCHANGED"
