from __future__ import annotations

from typing import Any

import pytest

from meshgov import cli


def crashing(*args: Any, **kwargs: Any) -> int:
    raise RecursionError("maximum recursion depth exceeded")


def test_an_internal_error_exits_3_with_one_line_and_no_traceback(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(cli.cli, "main", crashing)
    monkeypatch.delenv("MESHGOV_DEBUG", raising=False)
    with pytest.raises(SystemExit) as exited:
        cli.main()
    assert exited.value.code == cli.EXIT_CRASH == 3
    error = capsys.readouterr().err
    assert error.splitlines() == [
        "internal error: RecursionError: maximum recursion depth exceeded"
    ]


def test_the_traceback_is_there_when_asked_for(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(cli.cli, "main", crashing)
    monkeypatch.setenv("MESHGOV_DEBUG", "1")
    with pytest.raises(SystemExit):
        cli.main()
    assert "Traceback (most recent call last)" in capsys.readouterr().err


def test_a_usage_error_stays_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        cli.cli.main(["check", "--no-such-option"], standalone_mode=True)
    assert exited.value.code == 2
