"""The freshness and availability of one accepted product, as a state machine.

The state is a JSON-serialisable dict (the freshness processor keeps one per product in a
changelog-backed table). Time moves only through the instants passed in, so the same inputs
always give the same breaches, with the same ids.

- A batch port with a `refresh` cron and a deadline ("by 4am UTC", "within 2h of the
  scheduled run"): each run's output must be published by the run's deadline. The first
  missed deadline opens a FRESHNESS breach whose episode is that run; later missed runs
  belong to the same episode. An output for that run or a later one, once no newer deadline
  is missed, resolves it, saying how late it was.
- A port with a maximum silence ("no records for 15 minutes"): the newest record's event
  time (or the newest output's publication) must never be older than that. Silence opens a
  breach; a record recent enough resolves it. Event time lagging behind counts as silence.
- Availability: the share of time the product was on time (see availability.py); a product
  below its target has an AVAILABILITY breach until it is back above.
"""

from __future__ import annotations

import copy
from datetime import datetime, time, timedelta
from functools import lru_cache
from typing import Any

from meshgov.checks import breaches
from meshgov.checks.breaches import Owner, instant, millis
from meshgov.checks.freshness import availability
from meshgov.checks.freshness.availability import Target
from meshgov.checks.freshness.schedule import Schedule, schedule_for
from meshgov.models.descriptor import DataProduct, PortType
from meshgov.models.events import ERROR_BUDGET_DETAIL, BreachKind, SlaBreach
from meshgov.models.sla import Freshness
from meshgov.models.text_forms import format_duration

SCHEDULE = "schedule"
SILENCE = "silence"


def port_rules(product: DataProduct) -> dict[str, dict[str, Any]]:
    """How each port's freshness is watched, or nothing for a port the SLA does not cover:
    a maximum silence covers every port; a deadline covers batch ports with a schedule."""
    freshness = product.sla.freshness
    if freshness is None:
        return {}
    rules: dict[str, dict[str, Any]] = {}
    for port in product.output_ports:
        assert port.name is not None
        if freshness.max_silence is not None:
            rules[port.name] = {"mode": SILENCE, "max_silence_s": _seconds(freshness.max_silence)}
        elif port.type is PortType.BATCH and port.refresh is not None:
            rules[port.name] = {
                "mode": SCHEDULE,
                "cron": port.refresh,
                "tz": port.timezone,
                "deadline": None if freshness.deadline is None else freshness.deadline.isoformat(),
                "deadline_tz": freshness.timezone,
                "within_s": None if freshness.within is None else _seconds(freshness.within),
            }
    return rules


def track(
    product: DataProduct, accepted_at: datetime, previous: dict[str, Any] | None
) -> dict[str, Any]:
    """The state for an accepted version of `product`. Ports whose rule did not change keep
    their progress and open episodes; others start counting at `accepted_at`."""
    availability_sla = product.sla.availability
    old_ports = (previous or {}).get("ports", {})
    ports: dict[str, dict[str, Any]] = {}
    for name, rule in port_rules(product).items():
        old = old_ports.get(name)
        if old is not None and old["rule"] == rule:
            ports[name] = old
        elif rule["mode"] == SCHEDULE:
            ports[name] = {
                "rule": rule,
                "checked_ms": millis(accepted_at),
                "delivered_ms": None,
                "open": None,
            }
        else:
            ports[name] = {"rule": rule, "last_seen_ms": millis(accepted_at), "open": None}
    return {
        "owner": product.owner,
        "domain": product.domain,
        "since_ms": (previous or {}).get("since_ms", millis(accepted_at)),
        "target": None
        if availability_sla is None
        else {
            "percent": availability_sla.target_percent,
            "window_s": availability_sla.window_days * 86400,
        },
        "ports": ports,
        "late": [late for late in (previous or {}).get("late", []) if late[2] in ports],
        "availability_open": (previous or {}).get("availability_open"),
    }


class ProductFreshness:
    """Operations on one product's state dict (changed in place)."""

    def __init__(self, product: str, state: dict[str, Any]) -> None:
        self.product = product
        self.state = state

    @property
    def owner(self) -> Owner:
        return Owner(self.product, self.state["owner"], self.state["domain"])

    def copy(self) -> ProductFreshness:
        return ProductFreshness(self.product, copy.deepcopy(self.state))

    def advance(self, until: datetime, detected_at: datetime) -> list[SlaBreach]:
        """Every deadline up to `until`: the breaches that open by then."""
        events: list[SlaBreach] = []
        for name, port in self.state["ports"].items():
            opened = (
                self._advance_schedule(name, port, until)
                if port["rule"]["mode"] == SCHEDULE
                else self._advance_silence(name, port, until)
            )
            if opened is not None:
                events.append(breaches.opened(self.owner, opened, detected_at))
        return self._with_availability(events, until, detected_at)

    def deliver(
        self,
        port_name: str,
        run_for: datetime | None,
        published_at: datetime,
        detected_at: datetime,
    ) -> list[SlaBreach]:
        """An output of `port_name` for the run at or before `run_for` (or `published_at` if
        the producer did not say), published at `published_at`."""
        port = self.state["ports"].get(port_name)
        if port is None:
            return []
        if port["rule"]["mode"] == SILENCE:
            return self.seen(port_name, published_at, published_at, detected_at)
        events = self.advance(published_at, detected_at)
        schedule = _schedule(port["rule"])
        run = schedule.run_at_or_before(run_for or published_at)
        if run is None:
            return events
        delivered = port["delivered_ms"]
        port["delivered_ms"] = max(delivered or 0, millis(run))
        episode = port["open"]
        if episode is None or millis(run) < episode["run_ms"]:
            return events
        newest_due = schedule.latest_due_run(published_at)
        if newest_due is not None and run < newest_due:
            return events  # a newer run is past its deadline too: still behind
        deadline = instant(episode["deadline_ms"])
        late_by = max(published_at - deadline, timedelta(0))
        missed = len(schedule.deadlines_between(deadline - timedelta(milliseconds=1), published_at))
        port["open"] = None
        self._end_late(port_name, max(published_at, deadline))
        events.append(
            breaches.resolved(
                self.owner,
                episode,
                f"output of the {run.isoformat()} run published at {published_at.isoformat()}, "
                f"{format_duration(late_by) if late_by else 'no time'} after the deadline",
                published_at,
                detected_at,
                {"late_by_seconds": f"{late_by.total_seconds():g}", "missed_runs": str(missed)},
            )
        )
        return self._with_availability(events, published_at, detected_at)

    def seen(
        self, port_name: str, event_time: datetime, observed_at: datetime, detected_at: datetime
    ) -> list[SlaBreach]:
        """A record (or output) with `event_time`, observed at `observed_at`."""
        port = self.state["ports"].get(port_name)
        if port is None or port["rule"]["mode"] != SILENCE:
            return []
        events = self.advance(observed_at, detected_at)
        previous = instant(port["last_seen_ms"])
        port["last_seen_ms"] = max(port["last_seen_ms"], millis(event_time))
        episode = port["open"]
        limit = timedelta(seconds=port["rule"]["max_silence_s"])
        if episode is None or observed_at - instant(port["last_seen_ms"]) >= limit:
            return events
        port["open"] = None
        self._end_late(port_name, observed_at)
        silence = observed_at - previous
        events.append(
            breaches.resolved(
                self.owner,
                episode,
                f"a record with event time {event_time.isoformat()} at {observed_at.isoformat()},"
                f" after {format_duration(silence)} without a recent one",
                observed_at,
                detected_at,
                {"silence_seconds": f"{silence.total_seconds():g}"},
            )
        )
        return self._with_availability(events, observed_at, detected_at)

    def next_due(self, now: datetime) -> datetime | None:
        """When something can next happen without any event arriving: a deadline of an
        undelivered run, a silence limit, an availability crossing."""
        due: list[datetime] = []
        for port in self.state["ports"].values():
            if port["open"] is not None:
                continue
            rule = port["rule"]
            if rule["mode"] == SILENCE:
                due.append(instant(port["last_seen_ms"]) + timedelta(seconds=rule["max_silence_s"]))
                continue
            schedule = _schedule(rule)
            after = instant(port["checked_ms"])
            for _ in range(10_000):
                run, deadline = schedule.next_deadline(after)
                if port["delivered_ms"] is None or millis(run) > port["delivered_ms"]:
                    due.append(deadline)
                    break
                after = deadline
        target = self._target()
        if target is not None:
            check = availability.next_check(
                self._intervals(),
                self._since(),
                now,
                target,
                self.state["availability_open"] is not None,
            )
            if check is not None:
                due.append(check)
        return min(due, default=None)

    def error_budget(self, now: datetime) -> float | None:
        target = self._target()
        if target is None:
            return None
        return availability.error_budget_remaining(self._intervals(), self._since(), now, target)

    def _advance_schedule(
        self, name: str, port: dict[str, Any], until: datetime
    ) -> dict[str, Any] | None:
        checked = instant(port["checked_ms"])
        if until <= checked:
            return None
        port["checked_ms"] = millis(until)
        if port["open"] is not None:
            return None  # later missed runs belong to the open episode
        delivered = port["delivered_ms"]
        for run, deadline in _schedule(port["rule"]).deadlines_between(checked, until):
            if delivered is not None and millis(run) <= delivered:
                continue
            episode = breaches.episode(
                BreachKind.FRESHNESS,
                name,
                run.isoformat(),
                f"the output of the {run.isoformat()} run by {deadline.isoformat()}",
                "no output by the deadline",
                deadline,
                rule="freshness",
                deadline=deadline,
                details={"scheduled_run": run.isoformat()},
            )
            episode["run_ms"] = millis(run)
            port["open"] = episode
            self.state["late"].append([millis(deadline), None, name])
            return episode
        return None

    def _advance_silence(
        self, name: str, port: dict[str, Any], until: datetime
    ) -> dict[str, Any] | None:
        if port["open"] is not None:
            return None
        last_seen = instant(port["last_seen_ms"])
        limit = timedelta(seconds=port["rule"]["max_silence_s"])
        deadline = last_seen + limit
        if deadline > until:
            return None
        episode = breaches.episode(
            BreachKind.FRESHNESS,
            name,
            f"silent since {last_seen.isoformat()}",
            f"a record at least every {format_duration(limit)}",
            f"nothing newer than {last_seen.isoformat()}",
            deadline,
            rule="freshness",
            deadline=deadline,
        )
        port["open"] = episode
        self.state["late"].append([millis(deadline), None, name])
        return episode

    def _end_late(self, port_name: str, at: datetime) -> None:
        for late in self.state["late"]:
            if late[2] == port_name and late[1] is None:
                late[1] = max(late[0], millis(at))

    def _target(self) -> Target | None:
        target = self.state["target"]
        if target is None:
            return None
        return Target(target["percent"], timedelta(seconds=target["window_s"]))

    def _since(self) -> datetime:
        return instant(self.state["since_ms"])

    def _intervals(self) -> list[availability.Interval]:
        return [(start, end) for start, end, _ in self.state["late"]]

    def _with_availability(
        self, events: list[SlaBreach], at: datetime, detected_at: datetime
    ) -> list[SlaBreach]:
        """Check the availability target at `at` and stamp the error budget on every
        freshness and availability event."""
        target = self._target()
        if target is None:
            return events
        window_start = at - target.window
        self.state["late"] = [
            late for late in self.state["late"] if late[1] is None or late[1] > millis(window_start)
        ]
        intervals = self._intervals()
        share = availability.availability(intervals, self._since(), at, target)
        met = availability.is_met(intervals, self._since(), at, target)
        elapsed = millis(at) - availability.window_start_ms(self._since(), at, target)
        observed = (
            f"{share * 100:.3f}% on time over the last "
            f"{format_duration(timedelta(milliseconds=elapsed))}"
        )
        episode = self.state["availability_open"]
        if not met and episode is None:
            episode = breaches.episode(
                BreachKind.AVAILABILITY,
                None,
                f"below target since {at.isoformat()}",
                f"on time at least {target.percent:g}% of the last "
                f"{format_duration(target.window)}",
                observed,
                at,
                rule="availability",
            )
            self.state["availability_open"] = episode
            events.append(breaches.opened(self.owner, episode, detected_at))
        elif met and episode is not None:
            self.state["availability_open"] = None
            events.append(breaches.resolved(self.owner, episode, observed, at, detected_at))
        budget = f"{availability.error_budget_remaining(intervals, self._since(), at, target):.6f}"
        return [
            event.model_copy(update={"details": {**event.details, ERROR_BUDGET_DETAIL: budget}})
            if event.kind in (BreachKind.FRESHNESS, BreachKind.AVAILABILITY)
            else event
            for event in events
        ]


def _seconds(value: timedelta) -> float:
    return value.total_seconds()


def _schedule(rule: dict[str, Any]) -> Schedule:
    return _cached_schedule(
        rule["cron"], rule["tz"], rule["deadline"], rule["deadline_tz"], rule["within_s"]
    )


@lru_cache(maxsize=8192)
def _cached_schedule(
    cron: str, zone: str, deadline: str | None, deadline_zone: str, within_s: float | None
) -> Schedule:
    freshness = Freshness(
        deadline=None if deadline is None else time.fromisoformat(deadline),
        timezone=deadline_zone,
        within=None if within_s is None else timedelta(seconds=within_s),
    )
    return schedule_for(cron, zone, freshness)
