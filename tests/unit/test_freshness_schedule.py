from __future__ import annotations

from datetime import UTC, datetime, timedelta

from meshgov.checks.freshness.schedule import deadline_for, deadlines_passed, scheduled_runs
from meshgov.models.sla import Freshness

BY_4AM_UTC = Freshness.model_validate("Data available by 4am UTC")


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def test_the_example_daily_run_is_due_by_4am_the_same_day() -> None:
    runs = scheduled_runs("0 2 * * *", "UTC", utc(2026, 11, 24, 12), utc(2026, 11, 26, 12))
    assert runs == [utc(2026, 11, 25, 2), utc(2026, 11, 26, 2)]
    assert deadline_for(runs[0], BY_4AM_UTC) == utc(2026, 11, 25, 4)


def test_a_late_evening_run_is_due_the_next_morning() -> None:
    assert deadline_for(utc(2026, 11, 25, 23), BY_4AM_UTC) == utc(2026, 11, 26, 4)


def test_within_a_delay_of_the_run() -> None:
    within = Freshness.model_validate("within 2h of the scheduled run")
    assert deadline_for(utc(2026, 11, 25, 2), within) == utc(2026, 11, 25, 4)


def test_runs_follow_the_wall_clock_across_daylight_saving_changes() -> None:
    # Berlin: CET (+1) until 29 March 2026 02:00, then CEST (+2) until 25 October 03:00.
    spring = scheduled_runs("0 6 * * *", "Europe/Berlin", utc(2026, 3, 27, 12), utc(2026, 3, 31, 0))
    assert spring == [utc(2026, 3, 28, 5), utc(2026, 3, 29, 4), utc(2026, 3, 30, 4)]
    autumn = scheduled_runs(
        "30 2 * * *", "Europe/Berlin", utc(2026, 10, 23, 12), utc(2026, 10, 28, 0)
    )
    # 02:30 happens twice on 25 October; the run is at its first occurrence, once.
    assert autumn == [
        utc(2026, 10, 24, 0, 30),
        utc(2026, 10, 25, 0, 30),
        utc(2026, 10, 26, 1, 30),
        utc(2026, 10, 27, 1, 30),
    ]


def test_a_run_in_the_skipped_hour_runs_just_after_the_jump() -> None:
    runs = scheduled_runs("30 2 * * *", "Europe/Berlin", utc(2026, 3, 28, 12), utc(2026, 3, 30, 0))
    assert runs == [utc(2026, 3, 29, 1, 30)]  # 03:30 CEST, the clock having jumped 02:00 -> 03:00


def test_a_deadline_in_local_time_moves_with_daylight_saving() -> None:
    by_6am_berlin = Freshness.model_validate("Data available by 6am Europe/Berlin")
    assert deadline_for(utc(2026, 3, 28, 1), by_6am_berlin) == utc(2026, 3, 28, 5)
    assert deadline_for(utc(2026, 3, 30, 1), by_6am_berlin) == utc(2026, 3, 30, 4)


def test_deadlines_missed_while_down_are_all_reported_in_order() -> None:
    down_from, back_at = utc(2026, 11, 25, 3), utc(2026, 11, 28, 5)
    missed = deadlines_passed("0 2 * * *", "UTC", BY_4AM_UTC, down_from, back_at)
    assert missed == [
        (utc(2026, 11, 25, 2), utc(2026, 11, 25, 4)),
        (utc(2026, 11, 26, 2), utc(2026, 11, 26, 4)),
        (utc(2026, 11, 27, 2), utc(2026, 11, 27, 4)),
        (utc(2026, 11, 28, 2), utc(2026, 11, 28, 4)),
    ]
    hourly = deadlines_passed(
        "0 * * * *",
        "UTC",
        Freshness.model_validate("within 15 minutes of the run"),
        utc(2026, 11, 25, 0, 10),
        utc(2026, 11, 25, 2, 14),
    )
    assert [deadline for _, deadline in hourly] == [
        utc(2026, 11, 25, 0, 15),
        utc(2026, 11, 25, 1, 15),
    ]
    assert (
        deadlines_passed("0 2 * * *", "UTC", BY_4AM_UTC, back_at, back_at + timedelta(hours=1))
        == []
    )
