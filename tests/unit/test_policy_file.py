from __future__ import annotations

from pathlib import Path

import pytest

from meshgov.models.policy import load_policy


def test_no_file_means_no_exceptions() -> None:
    assert load_policy(None).pii.exceptions == []


def test_a_policy_file_lists_pii_exceptions(tmp_path: Path) -> None:
    path = tmp_path / "policy.yaml"
    path.write_text(
        "pii:\n  exceptions:\n"
        "    - {product: support-tickets, field: requester_email, reason: 'support needs it'}\n"
    )
    policy = load_policy(path)
    exception = policy.pii.exception_for("support-tickets", "any-port", "requester_email")
    assert exception is not None
    assert exception.reason == "support needs it"
    assert policy.pii.exception_for("support-tickets", "any-port", "other") is None


def test_an_invalid_policy_file_names_itself_and_the_problem(tmp_path: Path) -> None:
    path = tmp_path / "policy.yaml"
    path.write_text("pii:\n  exceptions:\n    - {product: p, field: f}\n")
    with pytest.raises(ValueError, match="invalid policy file") as info:
        load_policy(path)
    assert str(info.value) == (
        f"invalid policy file {path}: pii.exceptions[0].reason (line 3): is required"
    )
