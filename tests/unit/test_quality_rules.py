from __future__ import annotations

from datetime import UTC, datetime

import pytest

from meshgov.checks.breaches import Owner
from meshgov.checks.quality.episodes import judge, schema_clean, schema_violation
from meshgov.checks.quality.rules import Outcome, applies, evaluate, evaluate_all
from meshgov.checks.quality.stats import (
    OUTPUT,
    WINDOW,
    ColumnFigures,
    Figures,
    WindowCounter,
    output_figures,
)
from meshgov.models.events import BreachKind, BreachState, ColumnStats, OutputPublished
from meshgov.models.quality import QualityRule

T = datetime(2026, 11, 25, 2, tzinfo=UTC)
OWNER = Owner("orders", "orders-team@company.com", "orders")


def rule(value: object) -> QualityRule:
    return QualityRule.model_validate(value)


def batch(rows: int, source: int | None = None, **columns: ColumnFigures) -> Figures:
    return Figures(OUTPUT, rows, columns, source)


@pytest.mark.parametrize(
    ("rows", "source", "passed", "observed"),
    [
        (1000, 1000, True, "1000 of 1000 rows (100.000%)"),
        (999, 1000, True, "999 of 1000 rows (99.900%)"),
        (998, 1000, False, "998 of 1000 rows (99.800%)"),
        (0, 0, True, "0 rows from an empty source"),
        (10, None, False, "the source row count was not reported"),
    ],
)
def test_row_count_vs_source(rows: int, source: int | None, passed: bool, observed: str) -> None:
    outcome = evaluate(
        rule({"metric": "row_count_vs_source", "threshold": "99.9%"}), batch(rows, source)
    )
    assert (outcome.passed, outcome.observed) == (passed, observed)
    assert outcome.expected == "at least 99.9% of the source's rows"


def test_row_count_vs_source_without_threshold_wants_every_row() -> None:
    assert not evaluate(rule("row_count_vs_source"), batch(999, 1000)).passed


def test_no_nulls() -> None:
    no_nulls = rule("no_nulls_in_order_id")
    assert evaluate(no_nulls, batch(5, order_id=ColumnFigures(0))).passed
    failed = evaluate(no_nulls, batch(5, order_id=ColumnFigures(2)))
    assert (failed.passed, failed.observed, failed.column) == (False, "2 nulls", "order_id")
    missing = evaluate(no_nulls, batch(5))
    assert (missing.passed, missing.observed) == (False, "no figures reported for order_id")


def test_max_null_rate() -> None:
    rate = rule({"metric": "null_rate_in_email", "threshold": "1%"})
    assert evaluate(rate, batch(200, email=ColumnFigures(2))).passed
    failed = evaluate(rate, batch(200, email=ColumnFigures(3)))
    assert not failed.passed
    assert failed.observed == "3 nulls in 200 rows (1.500%)"
    assert evaluate(rate, batch(0, email=ColumnFigures(0))).passed


def test_uniqueness_counts_non_null_values() -> None:
    unique = rule("unique_order_id")
    assert evaluate(unique, batch(10, order_id=ColumnFigures(2, 8))).passed
    duplicated = evaluate(unique, batch(10, order_id=ColumnFigures(0, 9)))
    assert (duplicated.passed, duplicated.observed) == (
        False,
        "9 distinct values in 10 non-null rows",
    )
    assert not evaluate(unique, batch(10, order_id=ColumnFigures(0))).passed  # not reported


def test_row_count_bounds() -> None:
    bounds = rule({"metric": "row_count", "min": 10, "max": 20})
    assert evaluate(bounds, batch(10)).passed
    assert evaluate(bounds, batch(20)).passed
    assert not evaluate(bounds, batch(9)).passed
    low = evaluate(rule({"metric": "row_count", "min": 1}), batch(0))
    assert (low.passed, low.expected) == (False, "between 1 and any number of rows")


def test_which_rules_judge_which_figures() -> None:
    window = Figures(WINDOW, 3, {"order_id": ColumnFigures(0)})
    assert not applies(rule("row_count_vs_source"), window, frozenset({"order_id"}))
    assert applies(rule("no_nulls_in_order_id"), window, frozenset({"order_id"}))
    assert not applies(rule("no_nulls_in_order_id"), window, frozenset({"amount"}))
    assert not applies(rule("no_nulls_in_order_id"), window, None)  # no schema: no windows
    assert applies(rule("no_nulls_in_order_id"), batch(3), None)
    outcomes = evaluate_all(
        [rule("row_count_vs_source"), rule("no_nulls_in_order_id")], window, frozenset({"order_id"})
    )
    assert [o.rule.metric for o in outcomes] == ["no_nulls_in_order_id"]


def test_an_output_gives_its_reported_figures() -> None:
    output = OutputPublished(
        output_id="o",
        product="orders",
        port="daily",
        run_id="r",
        published_at=T,
        row_count=10,
        source_row_count=11,
        columns=[ColumnStats(name="order_id", null_count=1, distinct_count=9)],
        published_by="job",
    )
    figures = output_figures(output)
    assert (figures.rows, figures.source_rows) == (10, 11)
    assert figures.columns["order_id"] == ColumnFigures(1, 9)


def test_a_window_counts_nulls_of_nested_columns_and_distinct_values() -> None:
    counter = WindowCounter(
        T, T, frozenset({"order_id", "customer.email"}), frozenset({"order_id"})
    )
    for record in (
        {"order_id": "a", "customer": {"email": "x"}},
        {"order_id": "a", "customer": None},
        {"order_id": None, "customer": {"email": None}},
    ):
        counter.add(record)
    figures = counter.figures()
    assert figures.rows == 3
    assert figures.columns["order_id"] == ColumnFigures(1, 1)
    assert figures.columns["customer.email"] == ColumnFigures(2, None)
    assert not evaluate(rule("unique_order_id"), figures).passed


def failing(metric: str, passed: bool) -> Outcome:
    return Outcome(rule(metric), passed, "no null in order_id", "2 nulls", "order_id")


def test_a_failing_rule_opens_once_and_a_passing_one_resolves_it() -> None:
    episodes: dict[str, dict[str, object]] = {}
    [opened] = judge(
        episodes, OWNER, "daily", [failing("no_nulls_in_order_id", False)], "run r1", T, T
    )
    assert (opened.kind, opened.state, opened.rule, opened.field) == (
        BreachKind.QUALITY,
        BreachState.OPEN,
        "no_nulls_in_order_id",
        "order_id",
    )
    assert opened.episode == "run r1"
    assert (
        judge(episodes, OWNER, "daily", [failing("no_nulls_in_order_id", False)], "run r2", T, T)
        == []
    )
    [resolved] = judge(
        episodes, OWNER, "daily", [failing("no_nulls_in_order_id", True)], "run r3", T, T
    )
    assert resolved.state is BreachState.RESOLVED
    assert resolved.breach_id == opened.breach_id
    assert episodes == {}


def test_the_same_rule_on_two_ports_is_two_episodes() -> None:
    episodes: dict[str, dict[str, object]] = {}
    a = judge(episodes, OWNER, "daily", [failing("no_nulls_in_order_id", False)], "run r1", T, T)
    b = judge(episodes, OWNER, "events", [failing("no_nulls_in_order_id", False)], "run r1", T, T)
    assert a[0].breach_id != b[0].breach_id


def test_schema_violations_open_once_and_a_clean_window_resolves() -> None:
    episodes: dict[str, dict[str, object]] = {}
    args = (
        "records that decode",
        "a record that does not decode",
        T,
        T,
        {"first_record": "t[0]@5"},
    )
    [opened] = schema_violation(episodes, OWNER, "events", *args)
    assert opened.kind is BreachKind.SCHEMA_VIOLATION
    assert opened.details["first_record"] == "t[0]@5"
    assert schema_violation(episodes, OWNER, "events", *args) == []
    [resolved] = schema_clean(episodes, OWNER, "events", 12, "window w", T, T)
    assert resolved.breach_id == opened.breach_id
    assert "all 12 records of window w" in resolved.observed
    assert schema_clean(episodes, OWNER, "events", 12, "window w", T, T) == []
