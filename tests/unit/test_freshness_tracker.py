from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from meshgov.checks.freshness.schedule import (
    NeverRunsError,
    Schedule,
    deadline_for,
    deadlines_passed,
    scheduled_runs,
)
from meshgov.checks.freshness.tracker import ProductFreshness, track
from meshgov.models.events import BreachKind, BreachState, SlaBreach
from meshgov.models.loading import parse_descriptor
from meshgov.models.sla import Freshness
from tests.support.descriptors import SEED

BATCH = "batch"
STREAMING = "orders-events"


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def product_with(
    freshness: str = "Data available by 4am UTC",
    availability: str | None = None,
    refresh: str = "0 2 * * *",
) -> ProductFreshness:
    text = SEED.replace('"Data available by 4am UTC"', f'"{freshness}"')
    text = text.replace('"0 2 * * *"', f'"{refresh}"')
    if availability is None:
        text = text.replace('    availability: "99.5%"\n', "")
    else:
        text = text.replace('"99.5%"', f'"{availability}"')
    product = parse_descriptor(text, "test").data_product
    return ProductFreshness(product.name, track(product, utc(2026, 11, 25, 0), None))


def kinds(events: list[SlaBreach]) -> list[tuple[BreachKind, BreachState]]:
    return [(e.kind, e.state) for e in events]


def test_an_output_by_the_deadline_meets_the_sla() -> None:
    tracker = product_with()
    on_time = tracker.deliver(
        BATCH, utc(2026, 11, 25, 2), utc(2026, 11, 25, 3, 30), utc(2026, 11, 25, 3, 30)
    )
    assert on_time == []
    assert tracker.advance(utc(2026, 11, 25, 12), utc(2026, 11, 25, 12)) == []
    assert tracker.next_due(utc(2026, 11, 25, 12)) == utc(2026, 11, 26, 4)


def test_a_missed_deadline_opens_at_the_deadline_and_a_late_output_resolves_it() -> None:
    tracker = product_with()
    assert tracker.next_due(utc(2026, 11, 25, 0)) == utc(2026, 11, 25, 4)
    assert tracker.advance(utc(2026, 11, 25, 3, 59, 59), utc(2026, 11, 25, 3, 59, 59)) == []
    [opened] = tracker.advance(utc(2026, 11, 25, 4), utc(2026, 11, 25, 4, 0, 0))
    assert (opened.kind, opened.state, opened.port) == (
        BreachKind.FRESHNESS,
        BreachState.OPEN,
        BATCH,
    )
    assert opened.deadline == utc(2026, 11, 25, 4)
    assert opened.episode == utc(2026, 11, 25, 2).isoformat()
    assert opened.owner == "orders-team@company.com"
    assert opened.domain == "orders"
    assert "02:00" in opened.expected
    assert "04:00" in opened.expected
    assert tracker.advance(utc(2026, 11, 25, 4, 5), utc(2026, 11, 25, 4, 5)) == []  # once
    assert tracker.next_due(utc(2026, 11, 25, 4, 5)) is None  # nothing until an output
    [resolved] = tracker.deliver(
        BATCH, utc(2026, 11, 25, 2), utc(2026, 11, 25, 4, 12, 30), utc(2026, 11, 25, 4, 12, 31)
    )
    assert resolved.state is BreachState.RESOLVED
    assert resolved.breach_id == opened.breach_id
    assert resolved.details["late_by_seconds"] == "750"
    assert "12m 30s after the deadline" in resolved.observed
    assert resolved.resolved_at == utc(2026, 11, 25, 4, 12, 30)


def test_an_early_output_is_for_its_scheduled_run() -> None:
    tracker = product_with()
    tracker.deliver(BATCH, utc(2026, 11, 25, 2), utc(2026, 11, 25, 1, 30), utc(2026, 11, 25, 1, 30))
    assert tracker.advance(utc(2026, 11, 25, 5), utc(2026, 11, 25, 5)) == []


def test_an_output_without_scheduled_run_counts_for_the_last_run_before_it() -> None:
    tracker = product_with()
    # Published at 01:30 without saying which run: that is the previous day's run.
    tracker.deliver(BATCH, None, utc(2026, 11, 25, 1, 30), utc(2026, 11, 25, 1, 30))
    assert kinds(tracker.advance(utc(2026, 11, 25, 4), utc(2026, 11, 25, 4))) == [
        (BreachKind.FRESHNESS, BreachState.OPEN)
    ]


def test_an_output_for_an_unknown_run_is_attributed_to_the_run_before_it() -> None:
    tracker = product_with()
    tracker.deliver(BATCH, utc(2026, 11, 25, 2, 0, 3), utc(2026, 11, 25, 3), utc(2026, 11, 25, 3))
    assert tracker.advance(utc(2026, 11, 25, 4), utc(2026, 11, 25, 4)) == []


def test_an_output_of_an_untracked_port_changes_nothing() -> None:
    tracker = product_with()
    before = tracker.copy().state
    assert tracker.deliver("nope", None, utc(2026, 11, 25, 3), utc(2026, 11, 25, 3)) == []
    assert tracker.state == before


def test_deadlines_missed_while_down_open_one_episode_and_resolve_with_the_count() -> None:
    tracker = product_with()
    events = tracker.advance(utc(2026, 11, 28, 5), utc(2026, 11, 28, 5))
    assert kinds(events) == [(BreachKind.FRESHNESS, BreachState.OPEN)]
    assert events[0].episode == utc(2026, 11, 25, 2).isoformat()
    # The oldest missing run arriving does not make the data current.
    assert (
        tracker.deliver(BATCH, utc(2026, 11, 25, 2), utc(2026, 11, 28, 6), utc(2026, 11, 28, 6))
        == []
    )
    [resolved] = tracker.deliver(
        BATCH, utc(2026, 11, 28, 2), utc(2026, 11, 28, 7), utc(2026, 11, 28, 7)
    )
    assert resolved.breach_id == events[0].breach_id
    assert resolved.details["missed_runs"] == "4"


def test_replaying_the_same_inputs_gives_the_same_breaches() -> None:
    first, second = product_with(), product_with()
    steps = [utc(2026, 11, 25, 4, 0, 1), utc(2026, 11, 26, 9)]
    a = [e.breach_id for t in steps for e in first.advance(t, t)]
    b = [e.breach_id for t in steps for e in second.advance(t, t)]
    assert a == b
    assert len(a) == 1


def test_an_output_processed_after_a_later_tick_still_counts_at_its_publication_time() -> None:
    tracker = product_with()
    [_opened] = tracker.advance(utc(2026, 11, 25, 4, 0, 1), utc(2026, 11, 25, 4, 0, 1))
    # Published a second before the deadline, but only read after it passed.
    [resolved] = tracker.deliver(
        BATCH, utc(2026, 11, 25, 2), utc(2026, 11, 25, 3, 59, 59), utc(2026, 11, 25, 4, 0, 2)
    )
    assert resolved.details["late_by_seconds"] == "0"


def test_within_a_delay_of_each_run() -> None:
    tracker = product_with("within 2h of the scheduled run", refresh="0 */6 * * *")
    [opened] = tracker.advance(utc(2026, 11, 25, 2), utc(2026, 11, 25, 2))
    assert opened.deadline == utc(2026, 11, 25, 2)
    assert opened.episode == utc(2026, 11, 25, 0).isoformat()


def test_deadlines_follow_daylight_saving_in_the_ports_zone() -> None:
    text = SEED.replace('"Data available by 4am UTC"', '"Data available by 7am Europe/Berlin"')
    text = text.replace(
        '      refresh: "0 2 * * *"\n',
        '      refresh: "0 5 * * *"\n      timezone: Europe/Berlin\n',
    )
    product = parse_descriptor(text, "test").data_product
    tracker = ProductFreshness(product.name, track(product, utc(2026, 3, 28, 0), None))
    # CET until 29 March 02:00, then CEST: 07:00 Berlin is 06:00 then 05:00 UTC.
    [first] = tracker.advance(utc(2026, 3, 28, 6), utc(2026, 3, 28, 6))
    assert first.deadline == utc(2026, 3, 28, 6)
    tracker.deliver(BATCH, utc(2026, 3, 28, 4), utc(2026, 3, 28, 7), utc(2026, 3, 28, 7))
    assert tracker.advance(utc(2026, 3, 29, 4, 59), utc(2026, 3, 29, 4, 59)) == []
    [second] = tracker.advance(utc(2026, 3, 29, 5), utc(2026, 3, 29, 5))
    assert second.deadline == utc(2026, 3, 29, 5)
    assert second.episode == utc(2026, 3, 29, 3).isoformat()  # 05:00 CEST


def test_silence_opens_after_the_limit_and_a_recent_record_resolves_it() -> None:
    tracker = product_with("no records for 15 minutes")
    start = utc(2026, 11, 25, 0)
    assert (
        tracker.seen(STREAMING, start + timedelta(minutes=5), start + timedelta(minutes=5), start)
        == []
    )
    # The batch port, silent since acceptance, is due first.
    assert tracker.next_due(start) == start + timedelta(minutes=15)
    events = tracker.advance(start + timedelta(minutes=20), start + timedelta(minutes=20))
    assert {(e.port, e.state) for e in events} == {
        (STREAMING, BreachState.OPEN),
        (BATCH, BreachState.OPEN),
    }
    # A record whose event time is still 20 minutes behind is lag, not freshness.
    late_record = start + timedelta(minutes=6)
    assert tracker.seen(STREAMING, late_record, start + timedelta(minutes=26), start) == []
    [resolved] = tracker.seen(
        STREAMING, start + timedelta(minutes=30), start + timedelta(minutes=30), start
    )
    assert resolved.port == STREAMING
    assert resolved.state is BreachState.RESOLVED
    assert resolved.details["silence_seconds"] == "1440"


def test_availability_below_target_opens_and_recovers_with_the_error_budget() -> None:
    tracker = product_with(availability="99% over 1 day")
    [late] = tracker.advance(utc(2026, 11, 25, 4), utc(2026, 11, 25, 4))
    assert late.details["error_budget_remaining"] == "1.000000"
    check = tracker.next_due(utc(2026, 11, 25, 4))
    assert check is not None
    # 1% of the 4 hours watched so far is reached after about 2m25s of lateness.
    assert utc(2026, 11, 25, 4, 2) < check <= utc(2026, 11, 25, 4, 2, 30)
    events = tracker.advance(check, check)
    assert kinds(events) == [(BreachKind.AVAILABILITY, BreachState.OPEN)]
    assert events[0].port is None
    assert "99%" in events[0].expected
    [resolved_late, *rest] = tracker.deliver(
        BATCH, utc(2026, 11, 25, 2), utc(2026, 11, 25, 4, 10), utc(2026, 11, 25, 4, 10)
    )
    assert resolved_late.kind is BreachKind.FRESHNESS
    assert rest == []
    budget = float(resolved_late.details["error_budget_remaining"])
    assert budget == pytest.approx(1 - 600 / 864, abs=1e-6)  # 10 of 14.4 allowed minutes
    recovery = tracker.next_due(utc(2026, 11, 25, 4, 10))
    assert recovery is not None
    assert recovery > utc(2026, 11, 25, 4, 10)
    [back] = tracker.advance(recovery, recovery)
    assert (back.kind, back.state) == (BreachKind.AVAILABILITY, BreachState.RESOLVED)
    assert back.breach_id == events[0].breach_id


def test_a_new_version_keeps_the_progress_of_unchanged_ports() -> None:
    tracker = product_with()
    tracker.advance(utc(2026, 11, 25, 4), utc(2026, 11, 25, 4))
    product = parse_descriptor(SEED.replace('"orders-team', '"orders-team'), "t").data_product
    again = track(product, utc(2026, 11, 25, 5), tracker.state)
    assert again["ports"][BATCH]["open"] is not None
    assert again["since_ms"] == tracker.state["since_ms"]


@pytest.mark.parametrize(
    ("cron", "zone", "freshness"),
    [
        ("0 2 * * *", "UTC", "Data available by 4am UTC"),
        ("*/7 * * * *", "UTC", "within 3 minutes of the scheduled run"),
        ("30 1,2,3 * * *", "Europe/Berlin", "Data available by 3am Europe/Berlin"),
        ("0 5 * * 1-5", "America/New_York", "within 26h of the scheduled run"),
        ("* * * * * */10", "UTC", "within 5 seconds of the scheduled run"),
    ],
)
def test_the_shared_schedule_agrees_with_cron_evaluated_directly(
    cron: str, zone: str, freshness: str
) -> None:
    rule = Freshness.model_validate(freshness)
    schedule = Schedule(cron, zone, rule)
    start = utc(2026, 10, 20)
    for step in range(0, 60):
        after = start + timedelta(hours=step * 2.37)
        until = after + timedelta(minutes=50)
        assert schedule.deadlines_between(after, until) == deadlines_passed(
            cron, zone, rule, after, until
        )
    run, deadline = schedule.next_deadline(start)
    assert deadline == deadline_for(run, rule)
    assert deadline > start
    runs = scheduled_runs(cron, zone, start - timedelta(days=2), start)
    assert schedule.run_at_or_before(start) == runs[-1]


def test_a_cron_that_never_runs_is_an_error() -> None:
    schedule = Schedule("0 0 30 2 *", "UTC", Freshness.model_validate("within 1h of the run"))
    with pytest.raises(NeverRunsError, match="never runs"):
        schedule.next_deadline(utc(2026, 1, 1))
