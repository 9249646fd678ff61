"""Evaluating quality rules on figures. Each rule gives an outcome that says what was
expected and what was observed, or nothing when it does not apply to these figures.

A figure the rule needs but the producer did not report fails the rule: a contract that
cannot be checked is not met."""

from __future__ import annotations

from dataclasses import dataclass

from meshgov.checks.quality.stats import OUTPUT, Figures
from meshgov.models.quality import QualityRule, RuleKind

BATCH_ONLY = frozenset({RuleKind.ROW_COUNT_VS_SOURCE, RuleKind.ROW_COUNT})


@dataclass(frozen=True)
class Outcome:
    rule: QualityRule
    passed: bool
    expected: str
    observed: str
    column: str | None = None


def applies(rule: QualityRule, figures: Figures, columns: frozenset[str] | None) -> bool:
    """Row-count rules judge batch outputs; a column rule judges a port whose schema has the
    column (every batch output when the port declares no schema)."""
    if rule.kind in BATCH_ONLY:
        return figures.origin == OUTPUT
    if columns is None:
        return figures.origin == OUTPUT
    return rule.column in columns


def evaluate(rule: QualityRule, figures: Figures) -> Outcome:
    kind = rule.kind
    if kind is RuleKind.ROW_COUNT_VS_SOURCE:
        expected = f"at least {rule.min_source_ratio_percent:g}% of the source's rows"
        if figures.source_rows is None:
            return Outcome(rule, False, expected, "the source row count was not reported")
        if figures.source_rows == 0:
            return Outcome(rule, True, expected, f"{figures.rows} rows from an empty source")
        ratio = 100.0 * figures.rows / figures.source_rows
        observed = f"{figures.rows} of {figures.source_rows} rows ({ratio:.3f}%)"
        return Outcome(rule, ratio >= rule.min_source_ratio_percent - 1e-9, expected, observed)
    if kind is RuleKind.ROW_COUNT:
        low, high = rule.min_rows, rule.max_rows
        expected = "between {} and {} rows".format(
            low if low is not None else 0, high if high is not None else "any number of"
        )
        passed = (low is None or figures.rows >= low) and (high is None or figures.rows <= high)
        return Outcome(rule, passed, expected, f"{figures.rows} rows")
    column = rule.column
    assert column is not None
    stats = figures.columns.get(column)
    if kind is RuleKind.NO_NULLS:
        expected = f"no null in {column}"
    elif kind is RuleKind.MAX_NULL_RATE:
        expected = f"at most {rule.threshold:g}% nulls in {column}"
    else:
        expected = f"every {column} unique"
    if stats is None:
        return Outcome(rule, False, expected, f"no figures reported for {column}", column)
    if kind is RuleKind.NO_NULLS:
        return Outcome(rule, stats.nulls == 0, expected, f"{stats.nulls} nulls", column)
    if kind is RuleKind.MAX_NULL_RATE:
        assert rule.threshold is not None
        rate = 100.0 * stats.nulls / figures.rows if figures.rows else 0.0
        observed = f"{stats.nulls} nulls in {figures.rows} rows ({rate:.3f}%)"
        return Outcome(rule, rate <= rule.threshold + 1e-9, expected, observed, column)
    if stats.distinct is None:
        return Outcome(rule, False, expected, f"no distinct count reported for {column}", column)
    non_null = figures.rows - stats.nulls
    observed = f"{stats.distinct} distinct values in {non_null} non-null rows"
    return Outcome(rule, stats.distinct >= non_null, expected, observed, column)


def evaluate_all(
    rules: list[QualityRule], figures: Figures, columns: frozenset[str] | None
) -> list[Outcome]:
    return [evaluate(rule, figures) for rule in rules if applies(rule, figures, columns)]
