"""Who may use the dashboard and from where, without a server: Host checks against DNS
rebinding, bearer tokens and a trusted proxy's identity header, and writes only as JSON from
the dashboard's own origin."""

from __future__ import annotations

import hashlib
from http import HTTPStatus
from pathlib import Path

import pytest

from meshgov.dashboard.guard import check_host, check_write, read_tokens, rules_for, user_of

TOKEN = "s3cret-token-of-the-ci-bot"
TOKENS = {hashlib.sha256(TOKEN.encode()).hexdigest(): "ci-bot@company.com"}
JSON = {"host": "127.0.0.1:8080", "content-type": "application/json"}


def test_only_hosts_the_dashboard_serves_are_answered() -> None:
    rules = rules_for("127.0.0.1", 8080, ["mesh.company.com"])
    assert check_host(rules, "127.0.0.1:8080") is None
    assert check_host(rules, "LOCALHOST:8080") is None
    assert check_host(rules, "mesh.company.com:8080") is None
    refused = check_host(rules, "attacker.example:8080")  # a rebound DNS name
    assert refused is not None
    assert refused.status is HTTPStatus.MISDIRECTED_REQUEST
    assert check_host(rules, None) is not None


def test_a_public_address_without_authentication_is_refused() -> None:
    with pytest.raises(ValueError, match="without authentication"):
        rules_for("0.0.0.0", 8080)
    assert rules_for("0.0.0.0", 8080, token_users=TOKENS).authenticating


def test_writes_need_json_from_the_dashboards_own_origin() -> None:
    rules = rules_for("127.0.0.1", 8080, local_user="alice@host")
    assert check_write(rules, JSON, "127.0.0.1") == ("alice@host", None)
    same_origin = {**JSON, "origin": "http://127.0.0.1:8080"}
    assert check_write(rules, same_origin, "127.0.0.1")[0] == "alice@host"
    for origin in ("https://evil.example", "null", "http://127.0.0.1:9999"):
        user, refusal = check_write(rules, {**JSON, "origin": origin}, "127.0.0.1")
        assert user is None
        assert refusal is not None
        assert refusal.status is HTTPStatus.FORBIDDEN
    for content_type in ("text/plain", "application/x-www-form-urlencoded", "multipart/form-data"):
        user, refusal = check_write(rules, {**JSON, "content-type": content_type}, "127.0.0.1")
        assert user is None
        assert refusal is not None
        assert refusal.status is HTTPStatus.UNSUPPORTED_MEDIA_TYPE


def test_bearer_tokens_name_their_user_and_nothing_else_does() -> None:
    rules = rules_for("0.0.0.0", 8080, token_users=TOKENS)
    good = {**JSON, "authorization": f"Bearer {TOKEN}"}
    assert check_write(rules, good, "10.0.0.7") == ("ci-bot@company.com", None)
    for bad in ({**JSON, "authorization": "Bearer wrong-token-xxxxxxxx"}, JSON):
        user, refusal = check_write(rules, bad, "10.0.0.7")
        assert user is None
        assert refusal is not None
        assert refusal.status is HTTPStatus.UNAUTHORIZED


def test_the_proxy_identity_header_counts_only_from_the_proxy() -> None:
    rules = rules_for(
        "0.0.0.0", 8080, proxy_header="X-Forwarded-User", trusted_proxies=["10.1.0.0/16"]
    )
    headers = {**JSON, "x-forwarded-user": "bob@company.com"}
    assert user_of(rules, headers, "10.1.2.3") == "bob@company.com"
    assert user_of(rules, headers, "192.168.1.5") is None  # the header sent by anyone else
    assert user_of(rules, {**JSON, "x-forwarded-user": " "}, "10.1.2.3") is None


def test_the_tokens_file_names_its_bad_line(tmp_path: Path) -> None:
    path = tmp_path / "tokens"
    path.write_text(f"# comment\n{TOKEN} ci-bot@company.com\n\nshort alice\n")
    with pytest.raises(ValueError, match="line 4"):
        read_tokens(path)
    path.write_text(f"{TOKEN} ci-bot@company.com\n")
    assert read_tokens(path) == TOKENS
    path.write_text(f"# {TOKEN} ci-bot@company.com\n")  # every token commented out
    with pytest.raises(ValueError, match="holds no token"):
        read_tokens(path)
