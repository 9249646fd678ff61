"""Who may use the dashboard and from where: pure rules on a request's method, headers and
peer address.

- Every request must name the dashboard in its Host header (one of the addresses it serves,
  or a configured name): a page that rebinds its own DNS name to 127.0.0.1 gets 421.
- A user is authenticated by a bearer token (sha256 of each token and its user in the tokens
  file) or by a trusted reverse proxy's identity header, honoured only from the configured
  proxy addresses. Without either configured the dashboard serves loopback only, and the
  local user is who submits.
- A write (POST /api/register) needs an authenticated user, a JSON body (which an HTML form
  on another site cannot send without a CORS preflight, which is never granted) and, when
  the browser says where it comes from, the dashboard's own Origin."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from http import HTTPStatus
from pathlib import Path


@dataclass(frozen=True)
class Refusal:
    status: HTTPStatus
    reason: str


@dataclass(frozen=True)
class AccessRules:
    hosts: frozenset[str]  # accepted Host headers, lower case, with port
    token_users: Mapping[str, str] = field(default_factory=dict)  # sha256 hex -> user
    proxy_header: str | None = None
    trusted_proxies: Sequence[str] = ()  # addresses or networks
    local_user: str | None = None  # who submits when no authentication is configured

    @property
    def authenticating(self) -> bool:
        return bool(self.token_users) or self.proxy_header is not None


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def read_tokens(path: Path) -> dict[str, str]:
    """Lines `TOKEN USER` (blank lines and # comments skipped); kept as sha256 digests."""
    users = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        parts = line.split()
        if len(parts) != 2 or len(parts[0]) < 16:
            raise ValueError(
                f"{path}, line {number}: expected 'TOKEN USER' with a token of 16 characters "
                f"or more"
            )
        users[hashlib.sha256(parts[0].encode()).hexdigest()] = parts[1]
    if not users:  # configured but empty must not mean "no authentication"
        raise ValueError(f"{path} holds no token: add lines 'TOKEN USER'")
    return users


def rules_for(
    bind_host: str,
    port: int,
    extra_hosts: Sequence[str] = (),
    token_users: Mapping[str, str] | None = None,
    proxy_header: str | None = None,
    trusted_proxies: Sequence[str] = (),
    local_user: str | None = None,
) -> AccessRules:
    """The rules of a dashboard bound to `bind_host:port`; ValueError for a non-loopback
    address without authentication."""
    for proxy in trusted_proxies:
        try:
            ipaddress.ip_network(proxy, strict=False)
        except ValueError:
            raise ValueError(f"trusted proxy {proxy!r} is no address or network") from None
    rules = AccessRules(
        hosts=frozenset(
            f"{name}:{port}".lower()
            for name in {bind_host, "localhost", "127.0.0.1", "[::1]", *extra_hosts}
        ),
        token_users=dict(token_users or {}),
        proxy_header=proxy_header,
        trusted_proxies=tuple(trusted_proxies),
        local_user=local_user,
    )
    if not is_loopback(bind_host) and not rules.authenticating:
        raise ValueError(
            f"the dashboard would serve {bind_host} without authentication: configure "
            f"MESHGOV_DASHBOARD_TOKENS_FILE or MESHGOV_DASHBOARD_PROXY_HEADER, or bind 127.0.0.1"
        )
    return rules


def check_host(rules: AccessRules, host: str | None) -> Refusal | None:
    if host is None or host.lower() not in rules.hosts:
        return Refusal(
            HTTPStatus.MISDIRECTED_REQUEST, f"this dashboard does not serve host {host!r}"
        )
    return None


def _trusted(rules: AccessRules, peer: str) -> bool:
    try:
        address = ipaddress.ip_address(peer)
    except ValueError:
        return False
    return any(address in ipaddress.ip_network(p, strict=False) for p in rules.trusted_proxies)


def user_of(rules: AccessRules, headers: Mapping[str, str], peer: str) -> str | None:
    """The authenticated user, or None."""
    authorization = headers.get("authorization", "")
    if authorization[:7].lower() == "bearer " and rules.token_users:
        digest = hashlib.sha256(authorization[7:].strip().encode()).hexdigest()
        for known, user in rules.token_users.items():
            if hmac.compare_digest(known, digest):
                return user
        return None
    if rules.proxy_header is not None and _trusted(rules, peer):
        user = headers.get(rules.proxy_header.lower(), "").strip()
        return user or None
    if not rules.authenticating:
        return rules.local_user
    return None


def check_write(
    rules: AccessRules, headers: Mapping[str, str], peer: str
) -> tuple[str | None, Refusal | None]:
    """Who may submit this write, or why not."""
    origin = headers.get("origin")
    host = headers.get("host", "")
    if origin is not None:
        allowed = {f"{scheme}://{host}".lower() for scheme in ("http", "https")}
        if origin.lower() not in allowed:
            return None, Refusal(HTTPStatus.FORBIDDEN, f"cross-origin write from {origin!r}")
    content_type = headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if content_type != "application/json":
        return None, Refusal(
            HTTPStatus.UNSUPPORTED_MEDIA_TYPE,
            f'send JSON ({{"descriptor": ...}}) as application/json, not {content_type!r}',
        )
    user = user_of(rules, headers, peer)
    if user is None:
        return None, Refusal(HTTPStatus.UNAUTHORIZED, "authentication required to register")
    return user, None
