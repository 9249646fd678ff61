"""QUALITY and SCHEMA_VIOLATION breach episodes of one product.

`episodes` is the product's JSON-serialisable state, keyed "port/rule" or "port/schema".
A failing rule opens an episode (if none is open for that rule and port); a passing
evaluation of the same rule and port resolves it. The episode is named by the output run
or window that first failed, so a replay produces the same breach id."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from meshgov.checks import breaches
from meshgov.checks.breaches import Owner
from meshgov.checks.quality.rules import Outcome
from meshgov.models.events import BreachKind, SlaBreach


def judge(
    episodes: dict[str, dict[str, Any]],
    owner: Owner,
    port: str,
    outcomes: list[Outcome],
    occurrence: str,
    at: datetime,
    detected_at: datetime,
    run_id: str | None = None,
    scheduled_run: datetime | None = None,
) -> list[SlaBreach]:
    """Apply the outcomes of one output or window (`occurrence`, e.g. "run 2026-11-25");
    a breach opened by a batch output names its `run_id` in its details."""
    events = []
    for outcome in outcomes:
        key = f"{port}/{outcome.rule.metric}"
        episode = episodes.get(key)
        if not outcome.passed and episode is None:
            episode = breaches.episode(
                BreachKind.QUALITY,
                port,
                occurrence,
                outcome.expected,
                outcome.observed,
                at,
                rule=outcome.rule.metric,
                field=outcome.column,
                details={
                    **({"run_id": run_id} if run_id is not None else {}),
                    **({"scheduled_run": scheduled_run.isoformat()} if scheduled_run else {}),
                }
                or None,
            )
            episodes[key] = episode
            events.append(breaches.opened(owner, episode, detected_at))
        elif outcome.passed and episode is not None:
            del episodes[key]
            events.append(
                breaches.resolved(
                    owner, episode, f"{outcome.observed} in {occurrence}", at, detected_at
                )
            )
    return events


def schema_violation(
    episodes: dict[str, dict[str, Any]],
    owner: Owner,
    port: str,
    expected: str,
    observed: str,
    at: datetime,
    detected_at: datetime,
    details: dict[str, str],
) -> list[SlaBreach]:
    """Records of `port` that do not decode: open one episode until a clean window."""
    key = f"{port}/schema"
    if key in episodes:
        return []
    episode = breaches.episode(
        BreachKind.SCHEMA_VIOLATION,
        port,
        f"first undecodable record at {at.isoformat()}",
        expected,
        observed,
        at,
        rule="schema",
        details=details,
    )
    episodes[key] = episode
    return [breaches.opened(owner, episode, detected_at)]


def schema_clean(
    episodes: dict[str, dict[str, Any]],
    owner: Owner,
    port: str,
    rows: int,
    window: str,
    at: datetime,
    detected_at: datetime,
) -> list[SlaBreach]:
    """A window whose records all decoded closes the port's schema violation."""
    episode = episodes.pop(f"{port}/schema", None)
    if episode is None:
        return []
    observed = f"all {rows} records of {window} decode with the registered schema"
    return [breaches.resolved(owner, episode, observed, at, detected_at)]
