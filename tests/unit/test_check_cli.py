from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from meshgov.cli import cli
from meshgov.processors import verdicts
from meshgov.settings import Settings
from tests.support.descriptors import example_descriptor

V1 = {"type": "record", "name": "Order", "fields": [{"name": "order_id", "type": "string"}]}
V2 = {**V1, "fields": [*V1["fields"], {"name": "segment", "type": "string"}]}


def write(tmp_path: Path, seed: str, name: str, version: str, schema: dict[str, object]) -> str:
    text = example_descriptor(version=version, schema=schema, seed=seed)
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def test_the_example_is_accepted(seed_descriptor_text: str, tmp_path: Path) -> None:
    path = write(tmp_path, seed_descriptor_text, "p.yaml", "1.0.0", V1)
    result = CliRunner().invoke(cli, ["check", path, "--as", "ci@orders"])
    assert result.exit_code == 0, result.output
    assert "orders-daily-aggregated 1.0.0: ACCEPTED" in result.output
    for check in ("compatibility: PASSED", "pii: PASSED", "policy: PASSED"):
        assert check in result.output


def test_a_breaking_change_against_previous_versions_is_rejected(
    seed_descriptor_text: str, tmp_path: Path
) -> None:
    old = write(tmp_path, seed_descriptor_text, "v1.yaml", "1.0.0", V1)
    new = write(tmp_path, seed_descriptor_text, "v2.yaml", "1.1.0", V2)
    result = CliRunner().invoke(cli, ["check", new, "--previous", old, "--json"])
    assert result.exit_code == 1
    verdict = json.loads(result.output)
    assert verdict["decision"] == "REJECTED"
    compatibility = next(c for c in verdict["checks"] if c["check"] == "compatibility")
    assert compatibility["findings"][0]["path"] == "/fields/segment"


def test_a_policy_file_applies(seed_descriptor_text: str, tmp_path: Path) -> None:
    path = write(tmp_path, seed_descriptor_text, "p.yaml", "1.0.0", V1)
    policy = tmp_path / "policy.yaml"
    policy.write_text("sla_minimums: {availability_percent: 99.9}\n")
    result = CliRunner().invoke(cli, ["check", path, "--policy", str(policy)])
    assert result.exit_code == 1
    assert "SLA_BELOW_MINIMUM" in result.output


def test_an_invalid_descriptor_is_rejected_naming_field_and_line(
    seed_descriptor_text: str, tmp_path: Path
) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(seed_descriptor_text.replace('"99.5%"', '"always"'))
    result = CliRunner().invoke(cli, ["check", str(path)])
    assert result.exit_code == 1
    assert "data_product.sla.availability (line 14)" in result.output


def test_check_and_the_verdicts_processor_require_the_same_checks(
    seed_descriptor_text: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """MESHGOV_REQUIRED_CHECKS names a check no processor runs: the offline gate rejects as
    the mesh would (that check stays silent), and both read the list from the settings."""
    monkeypatch.setenv("MESHGOV_REQUIRED_CHECKS", "compatibility,lineage")
    handler = verdicts.PROCESSOR.handler(Settings.load())
    assert handler.required == ("compatibility", "lineage")
    path = write(tmp_path, seed_descriptor_text, "p.yaml", "1.0.0", V1)
    result = CliRunner().invoke(cli, ["check", path, "--json"])
    verdict = json.loads(result.output)
    assert [c["check"] for c in verdict["checks"]] == ["compatibility", "lineage"]
    assert verdict["decision"] == "UNDECIDED"
    assert verdict["checks"][1]["findings"][0]["code"] == "CHECK_SILENT"
    assert result.exit_code == 2
