"""The SLA of a data product: availability, freshness and schema stability.

Each accepts the sentence a person writes ("Data available by 4am UTC") or its
structured form ({deadline: "04:00", timezone: UTC}); text that matches no known
form is an error, never ignored.
"""

from __future__ import annotations

import re
from datetime import time, timedelta
from enum import StrEnum
from typing import Any, Self

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from meshgov.models.text_forms import (
    format_duration,
    parse_clock_time,
    parse_duration,
    parse_percent,
    parse_timezone,
)

_AVAILABILITY_TEXT = re.compile(
    r"^\s*(?P<pct>\d+(?:\.\d+)?\s*%)\s*"
    r"(?:(?:over|across|in|per)\s+(?:an?\s+|the\s+)?(?:rolling\s+)?"
    r"(?P<days>\d+)[\s-]*days?(?:\s+window)?)?\s*$",
    re.IGNORECASE,
)
_DURATION = r"(?P<dur>\d[\w\s.,]*?)"
_FRESH_BY_DEADLINE = re.compile(
    r"^(?:(?:the\s+)?data\s+)?(?:(?:is|are|must\s+be)\s+)?"
    r"(?:available|delivered|ready|published|landed|loaded|fresh)?\s*"
    r"(?:by|before|no\s+later\s+than)\s+(?P<clock>noon|midnight|\d{1,2}(?::\d{2})?\s*"
    r"(?:am|pm|a\.m\.|p\.m\.)?)\s*(?P<tz>[A-Za-z][\w/+\-]*)?\s*\.?$",
    re.IGNORECASE,
)
_FRESH_WITHIN_RUN = re.compile(
    r"^(?:(?:the\s+)?data\s+)?(?:(?:is|are|must\s+be)\s+)?"
    r"(?:available|delivered|ready|published|landed|loaded)?\s*within\s+"
    + _DURATION
    + r"\s+(?:of|after)\s+(?:the|each|every)?\s*(?:scheduled\s+)?run(?:\s+start)?\s*\.?$",
    re.IGNORECASE,
)
_FRESH_SILENCE = re.compile(
    r"^(?:(?:no\s+(?:new\s+)?(?:records?|events?|data|messages?|output)\s+for\s+"
    r"(?:more\s+than\s+|over\s+)?)|(?:max(?:imum)?\s+silence\s+(?:of\s+)?)|"
    r"(?:(?:at\s+most|max(?:imum)?)\s+))"
    + _DURATION
    + r"(?:\s+(?:of\s+)?(?:silence|lag|delay))?\s*\.?$",
    re.IGNORECASE,
)
_FRESH_EXAMPLES = (
    "'Data available by 4am UTC', 'within 2h of the scheduled run', "
    "'no records for 15 minutes', or {deadline: \"04:00\", timezone: UTC}"
)
_STABILITY_MODE = re.compile(
    r"^(?:(?P<t1>transitively)\s+)?(?P<mode>backwards?|forwards?|full|fully|none|no)"
    r"(?:[\s_-]+(?P<t2>transitive(?:ly)?))?(?:[\s_-]+(?:compatible|compatibility))?$",
    re.IGNORECASE,
)
_STABILITY_NOTICE = re.compile(
    r"^(?:(?:breaking\s+changes?\s+(?:need|needs|require|requires|with)\s+)|(?:with\s+))?"
    r"(?:an?\s+)?(?P<days>\d+)[\s-]*days?'?\s*(?:of\s+)?(?:advance\s+|prior\s+)?notice"
    r"(?:\s+(?:for|before|of|on)\s+(?:any\s+|all\s+)?breaking\s+changes?)?$",
    re.IGNORECASE,
)
_MODE_WORDS = {
    "backward": "BACKWARD",
    "backwards": "BACKWARD",
    "forward": "FORWARD",
    "forwards": "FORWARD",
    "full": "FULL",
    "fully": "FULL",
    "none": "NONE",
    "no": "NONE",
}


class CompatibilityMode(StrEnum):
    NONE = "NONE"
    BACKWARD = "BACKWARD"
    BACKWARD_TRANSITIVE = "BACKWARD_TRANSITIVE"
    FORWARD = "FORWARD"
    FORWARD_TRANSITIVE = "FORWARD_TRANSITIVE"
    FULL = "FULL"
    FULL_TRANSITIVE = "FULL_TRANSITIVE"

    @classmethod
    def parse(cls, value: object) -> CompatibilityMode:
        if isinstance(value, cls):
            return value
        name = str(value).strip().upper().replace("-", "_").replace(" ", "_")
        try:
            return cls(name)
        except ValueError:
            allowed = ", ".join(m.value for m in cls)
            raise ValueError(f"unknown compatibility mode {value!r} (allowed: {allowed})") from None


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Availability(_Model):
    target_percent: float
    window_days: int = Field(default=30, ge=1, le=366)

    @model_validator(mode="before")
    @classmethod
    def _from_text(cls, value: Any) -> Any:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return {"target_percent": value}
        if isinstance(value, str):
            match = _AVAILABILITY_TEXT.match(value)
            if not match:
                raise ValueError(
                    f"unrecognised availability {value!r}: expected e.g. '99.5%' or "
                    f"'99.5% over 30 days'"
                )
            days = match.group("days")
            return {"target_percent": match.group("pct"), **({"window_days": days} if days else {})}
        return value

    @field_validator("target_percent", mode="before")
    @classmethod
    def _percent(cls, value: object) -> float:
        return parse_percent(value)


class Freshness(_Model):
    """Exactly one of: a daily deadline, a delay after each scheduled run, a maximum silence."""

    deadline: time | None = None
    timezone: str = "UTC"
    within: timedelta | None = None
    max_silence: timedelta | None = None

    @model_validator(mode="before")
    @classmethod
    def _from_text(cls, value: Any) -> Any:
        if not isinstance(value, str):
            return value
        text = value.strip()
        if match := _FRESH_BY_DEADLINE.match(text):
            if not match.group("tz"):
                raise ValueError(
                    f"freshness {value!r} names no time zone: say which, e.g. "
                    f"'Data available by 4am UTC'"
                )
            return {"deadline": match.group("clock"), "timezone": match.group("tz")}
        if match := _FRESH_WITHIN_RUN.match(text):
            return {"within": match.group("dur")}
        if match := _FRESH_SILENCE.match(text):
            return {"max_silence": match.group("dur")}
        raise ValueError(f"unrecognised freshness {value!r}: expected e.g. {_FRESH_EXAMPLES}")

    @field_validator("deadline", mode="before")
    @classmethod
    def _clock(cls, value: object) -> time | None:
        return None if value is None else parse_clock_time(value)

    @field_validator("timezone", mode="before")
    @classmethod
    def _zone(cls, value: object) -> str:
        return parse_timezone(value)

    @field_validator("within", "max_silence", mode="before")
    @classmethod
    def _duration(cls, value: object) -> timedelta | None:
        return None if value is None else parse_duration(value)

    @model_validator(mode="after")
    def _exactly_one(self) -> Self:
        given = [n for n in ("deadline", "within", "max_silence") if getattr(self, n) is not None]
        if len(given) != 1:
            raise ValueError(
                "freshness needs exactly one of deadline, within or max_silence"
                + (f", got {', '.join(given)}" if given else "")
            )
        return self

    def describe(self) -> str:
        if self.deadline is not None:
            return f"available by {self.deadline:%H:%M} {self.timezone}"
        if self.within is not None:
            return f"within {format_duration(self.within)} of the scheduled run"
        assert self.max_silence is not None
        return f"no silence longer than {format_duration(self.max_silence)}"


class SchemaStability(_Model):
    compatibility: CompatibilityMode = CompatibilityMode.BACKWARD
    breaking_change_notice_days: int = Field(default=0, ge=0, le=3650)

    @model_validator(mode="before")
    @classmethod
    def _from_text(cls, value: Any) -> Any:
        if not isinstance(value, str):
            return value
        result: dict[str, Any] = {}
        for clause in filter(None, (c.strip(" .") for c in re.split(r"[,;]|\band\b", value))):
            if match := _STABILITY_MODE.match(clause):
                mode = _MODE_WORDS[match.group("mode").lower()]
                if (match.group("t1") or match.group("t2")) and mode != "NONE":
                    mode += "_TRANSITIVE"
                _set_once(result, "compatibility", mode, value)
            elif match := _STABILITY_NOTICE.match(clause):
                _set_once(result, "breaking_change_notice_days", match.group("days"), value)
            else:
                raise ValueError(
                    f"unrecognised schema stability clause {clause!r} in {value!r}: expected "
                    f"e.g. 'Backward compatible, 30-day notice for breaking changes' or "
                    f"{{compatibility: BACKWARD, breaking_change_notice_days: 30}}"
                )
        return result

    @field_validator("compatibility", mode="before")
    @classmethod
    def _mode(cls, value: object) -> CompatibilityMode:
        return CompatibilityMode.parse(value)


def _set_once(result: dict[str, Any], key: str, value: str, text: str) -> None:
    if key in result:
        raise ValueError(f"schema stability {text!r} states {key} twice")
    result[key] = value


class Sla(_Model):
    availability: Availability | None = None
    freshness: Freshness | None = None
    schema_stability: SchemaStability = SchemaStability()
