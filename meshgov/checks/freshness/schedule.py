"""Scheduled runs of a batch port and their deadlines, in real time zones.

Cron is evaluated on the wall clock of the port's time zone, then each wall time becomes an
instant: a time skipped by a spring-forward change runs just after the jump, one repeated by a
fall-back change runs once, at its first occurrence. (croniter's own time-zone handling shifts
runs by an hour after a change, so it is only given naive wall-clock times.)"""

from __future__ import annotations

from bisect import bisect_right
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from croniter import croniter
from croniter.croniter import CroniterBadDateError

from meshgov.models.sla import Freshness

DAY = timedelta(days=1)


def to_instant(wall: datetime, zone: ZoneInfo) -> datetime:
    """The instant of a naive wall-clock time in `zone` (fold 0: before a change)."""
    return wall.replace(tzinfo=zone, fold=0).astimezone(UTC)


def scheduled_runs(
    cron: str, zone_name: str, after: datetime, until: datetime, limit: int | None = None
) -> list[datetime]:
    """The runs of `cron` in `zone_name` strictly after `after` and up to `until`, in UTC;
    only the first `limit` if given."""
    zone = ZoneInfo(zone_name)
    # Start a little early: around a change, a wall time can map to an earlier instant.
    cursor = croniter(cron, after.astimezone(zone).replace(tzinfo=None) - timedelta(hours=3))
    runs: list[datetime] = []
    while True:
        run = to_instant(cursor.get_next(datetime), zone)
        if run > until or (limit is not None and len(runs) >= limit):
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


class NeverRunsError(ValueError):
    """A cron expression that names no real time, such as '0 0 30 2 *' (30 February)."""


class Schedule:
    """The runs of one (cron, time zone, freshness) and their deadlines, computed once and
    shared by every port with the same schedule: a worker tracking 100,000 ports does a
    binary search per deadline rather than a cron evaluation.

    Deadlines never decrease from one run to the next, so both lists stay sorted. Runs are
    known in (_from, _until]; the range grows in batches of at most _BATCH runs."""

    _BATCH = 2000
    _HORIZON = timedelta(days=2)

    def __init__(self, cron: str, zone_name: str, freshness: Freshness) -> None:
        self.cron = cron
        self.zone_name = zone_name
        self.freshness = freshness
        self._runs: list[datetime] = []
        self._deadlines: list[datetime] = []
        self._from: datetime | None = None
        self._until: datetime | None = None

    def _know(self, start: datetime, end: datetime) -> None:
        """Know every run in (start, end]."""
        if self._from is None or self._until is None or start < self._from:
            self._runs, self._deadlines = [], []
            self._from = self._until = start
        while self._until < end:
            horizon = max(end, self._until + self._HORIZON)
            runs = _runs_or_never(self.cron, self.zone_name, self._until, horizon, self._BATCH)
            self._runs.extend(runs)
            self._deadlines.extend(deadline_for(run, self.freshness) for run in runs)
            self._until = runs[-1] if len(runs) == self._BATCH else horizon

    def _lead(self) -> timedelta:
        """How long before its deadline a run can be."""
        return self.freshness.within if self.freshness.within is not None else DAY * 2

    def deadlines_between(
        self, after: datetime, until: datetime
    ) -> list[tuple[datetime, datetime]]:
        """(run, deadline) for each deadline in (after, until], oldest first."""
        if until <= after:
            return []
        self._know(after - self._lead(), until)
        first = bisect_right(self._deadlines, after)
        last = bisect_right(self._deadlines, until)
        return list(zip(self._runs[first:last], self._deadlines[first:last], strict=True))

    def next_deadline(self, after: datetime) -> tuple[datetime, datetime]:
        """The first (run, deadline) whose deadline is later than `after`."""
        horizon = after + self._HORIZON
        while True:
            self._know(after - self._lead(), horizon)
            index = bisect_right(self._deadlines, after)
            if index < len(self._deadlines):
                return self._runs[index], self._deadlines[index]
            horizon += timedelta(days=366)

    def run_at_or_before(self, instant: datetime) -> datetime | None:
        """The latest run at or before `instant`, looking back at most a year."""
        back = timedelta(hours=1)
        while back <= timedelta(days=800):
            self._know(instant - back, instant)
            index = bisect_right(self._runs, instant)
            if index and self._runs[index - 1] > instant - back:
                return self._runs[index - 1]
            back *= 2
        return None

    def latest_due_run(self, until: datetime) -> datetime | None:
        """The newest run whose deadline is at or before `until`."""
        newest = self.run_at_or_before(until)
        if newest is None:
            return None
        self._know(min(newest - self._lead(), newest - DAY), until)
        index = bisect_right(self._deadlines, until)
        return self._runs[index - 1] if index else None

    def prune(self, before: datetime) -> None:
        """Forget runs whose deadline is older than `before` (the lists only grow otherwise)."""
        index = bisect_right(self._deadlines, before)
        if index > self._BATCH:
            self._from = self._runs[index - 1]
            del self._runs[:index], self._deadlines[:index]


def _runs_or_never(
    cron: str, zone_name: str, after: datetime, until: datetime, limit: int
) -> list[datetime]:
    try:
        return scheduled_runs(cron, zone_name, after, until, limit)
    except CroniterBadDateError as error:
        raise NeverRunsError(f"refresh {cron!r} never runs: {error}") from None


@lru_cache(maxsize=8192)
def schedule_for(cron: str, zone_name: str, freshness: Freshness) -> Schedule:
    return Schedule(cron, zone_name, freshness)
