"""Scheduled runs of a batch port and their deadlines, in real time zones.

Cron is evaluated on the wall clock of the port's time zone, then each wall time becomes an
instant: a time skipped by a spring-forward change runs just after the jump, one repeated by a
fall-back change runs once, at its first occurrence. (croniter's own time-zone handling shifts
runs by an hour after a change, so it is only given naive wall-clock times.)"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from croniter import croniter

from meshgov.models.sla import Freshness

DAY = timedelta(days=1)


def to_instant(wall: datetime, zone: ZoneInfo) -> datetime:
    """The instant of a naive wall-clock time in `zone` (fold 0: before a change)."""
    return wall.replace(tzinfo=zone, fold=0).astimezone(UTC)


def scheduled_runs(cron: str, zone_name: str, after: datetime, until: datetime) -> list[datetime]:
    """The runs of `cron` in `zone_name` strictly after `after` and up to `until`, in UTC."""
    zone = ZoneInfo(zone_name)
    # Start a little early: around a change, a wall time can map to an earlier instant.
    cursor = croniter(cron, after.astimezone(zone).replace(tzinfo=None) - timedelta(hours=3))
    runs: list[datetime] = []
    while True:
        run = to_instant(cursor.get_next(datetime), zone)
        if run > until:
            return runs
        if run > after and (not runs or run > runs[-1]):
            runs.append(run)


def deadline_for(run: datetime, freshness: Freshness) -> datetime:
    """When the output of `run` is due: `within` after it, or the first deadline time of day
    at or after it in the SLA's time zone ("by 4am UTC" for the 02:00 run is 04:00 that day,
    for a 23:00 run 04:00 the next day)."""
    if freshness.within is not None:
        return run + freshness.within
    if freshness.deadline is None:
        raise ValueError("a batch port's freshness needs a deadline or a delay after its runs")
    zone = ZoneInfo(freshness.timezone)
    local_run = run.astimezone(zone)
    day = local_run.date()
    while True:
        candidate = to_instant(datetime.combine(day, freshness.deadline), zone)
        if candidate >= run:
            return candidate
        day += DAY


def deadlines_passed(
    cron: str, zone_name: str, freshness: Freshness, after: datetime, until: datetime
) -> list[tuple[datetime, datetime]]:
    """(run, deadline) for every run whose deadline passed in (after, until], oldest first:
    what a processor that was down from `after` to `until` must still report."""
    lead = freshness.within if freshness.within is not None else DAY + timedelta(hours=2)
    runs = scheduled_runs(cron, zone_name, after - lead, until)
    due = [(run, deadline_for(run, freshness)) for run in runs]
    return [(run, deadline) for run, deadline in due if after < deadline <= until]
