"""The bodies each kind of receiver takes (pure), and sending one: a generic JSON webhook,
a Slack-compatible webhook ({"text", "blocks"}) and PagerDuty's Events API v2 (trigger on
an opened breach, resolve on its recovery, the breach id as dedup key; notices are not
incidents and go to webhooks only)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import urlparse

from meshgov import __version__
from meshgov.alerts.notifications import Notification
from meshgov.kafka.progress import DeliveryError
from meshgov.models.alerting import Receiver

TIMEOUT = 10.0
PAGERDUTY_SUMMARY = 1024  # characters the Events API keeps


def generic_body(note: Notification) -> dict[str, Any]:
    return {
        "source": "meshgov",
        "version": __version__,
        "key": note.key,
        "dedup_key": note.dedup_key,
        "action": note.action,
        "kind": note.kind,
        "audience": note.audience,
        "product": note.product,
        "domain": note.domain,
        "owner": note.owner,
        "about": note.about,
        "summary": note.summary,
        "at": note.at.isoformat(),
        "details": note.details,
    }


SLACK_TEXT = 3000  # characters of a section block


def _slack_escaped(text: str) -> str:
    """Slack's control characters escaped: a product or owner name cannot ping @channel."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def slack_body(note: Notification) -> dict[str, Any]:
    mark = {"trigger": "[BREACH]", "resolve": "[RESOLVED]", "notice": "[NOTICE]"}[note.action]
    text = _slack_escaped(f"{mark} {note.summary}")[:SLACK_TEXT]
    return {
        "text": text,
        "blocks": [
            {"type": "section", "text": {"type": "mrkdwn", "text": text}},
            {
                "type": "context",
                "elements": [
                    {
                        "type": "mrkdwn",
                        "text": _slack_escaped(
                            f"{note.product} · domain {note.domain} · owner {note.owner}"
                        )[:SLACK_TEXT],
                    }
                ],
            },
        ],
    }


def pagerduty_body(note: Notification, routing_key: str) -> dict[str, Any] | None:
    if note.action == "notice":
        return None
    if note.action == "resolve":
        return {"routing_key": routing_key, "event_action": "resolve", "dedup_key": note.dedup_key}
    return {
        "routing_key": routing_key,
        "event_action": "trigger",
        "dedup_key": note.dedup_key,
        "payload": {
            "summary": note.summary[:PAGERDUTY_SUMMARY],
            "source": f"meshgov:{note.about}",
            "severity": "error" if note.audience == "owner" else "warning",
            "timestamp": note.at.isoformat(),
            "component": note.product,
            "group": note.domain,
            "class": note.kind,
            "custom_details": {**note.details, "owner": note.owner, "audience": note.audience},
        },
    }


def request_for(
    receiver: Receiver, note: Notification
) -> tuple[str, dict[str, Any], dict[str, str]] | None:
    """(url, body, headers) to send, or None when this receiver takes no such notification.
    Raises ValueError for a receiver whose secret is not set."""
    if receiver.pagerduty is not None:
        body = pagerduty_body(note, receiver.pagerduty.resolved_key())
        return None if body is None else (receiver.pagerduty.url, body, {})
    if receiver.slack is not None:
        return receiver.slack.resolved_url(), slack_body(note), dict(receiver.slack.headers)
    assert receiver.webhook is not None
    return receiver.webhook.resolved_url(), generic_body(note), dict(receiver.webhook.headers)


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirected POST would arrive as a bodiless GET, with our headers, somewhere else."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_OPENER = urllib.request.build_opener(_NoRedirects)


def shown(url: str) -> str:
    """A receiver's URL as it may be logged: scheme and host only (webhook URLs are
    credentials)."""
    parsed = urlparse(url)
    return f"{parsed.scheme}://{parsed.hostname or ''}{f':{parsed.port}' if parsed.port else ''}"


def post(url: str, body: dict[str, Any], headers: dict[str, str]) -> None:
    """POST the JSON body; a DeliveryError says whether trying again may help, and names
    the receiver's host only."""
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        headers={
            "Content-Type": "application/json",
            "User-Agent": f"meshgov/{__version__}",
            **headers,
        },
        method="POST",
    )
    try:
        with _OPENER.open(request, timeout=TIMEOUT) as response:
            response.read(65536)
    except urllib.error.HTTPError as error:
        transient = error.code >= 500 or error.code in (408, 429)
        what = "redirected: not followed" if 300 <= error.code < 400 else f"HTTP {error.code}"
        raise DeliveryError(f"{shown(url)}: {what}", transient=transient) from None
    except (urllib.error.URLError, TimeoutError, OSError) as error:
        reason = getattr(error, "reason", error)
        raise DeliveryError(f"{shown(url)}: {reason}", transient=True) from None
