"""Quality rules of a data product, from `metric: no_nulls_in_order_id` or a structured form."""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Any, Self

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from meshgov.models.text_forms import parse_percent


class RuleKind(StrEnum):
    ROW_COUNT_VS_SOURCE = "row_count_vs_source"
    NO_NULLS = "no_nulls"
    MAX_NULL_RATE = "max_null_rate"
    UNIQUE = "unique"
    ROW_COUNT = "row_count"


_COLUMN = r"(?P<column>[A-Za-z_][\w.]*)"
_METRIC_FORMS: tuple[tuple[re.Pattern[str], RuleKind], ...] = (
    (re.compile(r"^row_count_vs_source$"), RuleKind.ROW_COUNT_VS_SOURCE),
    (re.compile(r"^no_nulls_in_" + _COLUMN + "$"), RuleKind.NO_NULLS),
    (re.compile(r"^(?:max_)?null_rate_(?:in|of)_" + _COLUMN + "$"), RuleKind.MAX_NULL_RATE),
    (re.compile(r"^(?:unique|no_duplicates_in)_" + _COLUMN + "$"), RuleKind.UNIQUE),
    (re.compile(r"^row_count(?:_between)?$"), RuleKind.ROW_COUNT),
)
_SUPPORTED = (
    "row_count_vs_source, no_nulls_in_<column>, null_rate_in_<column>, unique_<column>, row_count"
)


class QualityRule(BaseModel):
    """One rule. `threshold` is a percentage: the minimum for row_count_vs_source, the
    maximum null rate for max_null_rate."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    metric: str
    kind: RuleKind
    column: str | None = None
    threshold: float | None = None
    min_rows: int | None = Field(default=None, ge=0)
    max_rows: int | None = Field(default=None, ge=0)

    @model_validator(mode="before")
    @classmethod
    def _from_metric(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = {"metric": value}
        if not isinstance(value, dict):
            return value
        value = dict(value)
        if "min" in value:
            value["min_rows"] = value.pop("min")
        if "max" in value:
            value["max_rows"] = value.pop("max")
        metric = value.get("metric")
        if "kind" in value:
            kind = str(value["kind"]).lower()
            column = value.get("column")
            value.setdefault("metric", f"{kind}_in_{column}" if column else kind)
            return value
        if not isinstance(metric, str):
            return value
        for pattern, kind in _METRIC_FORMS:
            if match := pattern.match(metric.strip()):
                value["kind"] = kind
                if "column" in pattern.groupindex:
                    value["column"] = match.group("column")
                return value
        raise ValueError(f"unknown quality metric {metric!r} (supported: {_SUPPORTED})")

    @field_validator("threshold", mode="before")
    @classmethod
    def _percent(cls, value: object) -> float | None:
        return None if value is None else parse_percent(value)

    @model_validator(mode="after")
    def _complete(self) -> Self:
        needs_column = self.kind in (RuleKind.NO_NULLS, RuleKind.MAX_NULL_RATE, RuleKind.UNIQUE)
        if needs_column and not self.column:
            raise ValueError(f"quality rule {self.metric!r} needs a column")
        if self.kind is RuleKind.MAX_NULL_RATE and self.threshold is None:
            raise ValueError(f"quality rule {self.metric!r} needs a threshold, e.g. '1%'")
        if self.kind is RuleKind.ROW_COUNT:
            if self.min_rows is None and self.max_rows is None:
                raise ValueError(f"quality rule {self.metric!r} needs min and/or max")
            if None not in (self.min_rows, self.max_rows) and self.min_rows > self.max_rows:  # type: ignore[operator]
                raise ValueError(f"quality rule {self.metric!r}: min is above max")
        return self

    @property
    def min_source_ratio_percent(self) -> float:
        """For row_count_vs_source: the least acceptable share of the source's rows."""
        return 100.0 if self.threshold is None else self.threshold
