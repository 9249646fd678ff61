"""Parsers for the human-written forms a descriptor allows: percentages, durations, times.

Each parser raises ValueError with a message that says what was expected.
"""

from __future__ import annotations

import re
from datetime import time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

_PERCENT = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*%?\s*$")
_DURATION_PART = re.compile(
    r"(\d+(?:\.\d+)?)\s*(seconds?|secs?|s|minutes?|mins?|m|hours?|hrs?|h|days?|d|weeks?|w)\b",
    re.IGNORECASE,
)
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_CLOCK = re.compile(
    r"^(?:(noon)|(midnight)|(\d{1,2})(?::(\d{2}))?\s*(am|pm|a\.m\.|p\.m\.)?)$", re.IGNORECASE
)


def parse_percent(value: object) -> float:
    """'99.5%', '99.5' or 99.5 -> 99.5. Numbers are percentages, never fractions."""
    if isinstance(value, bool):
        raise ValueError(f"expected a percentage such as '99.5%', got {value!r}")
    if isinstance(value, (int, float)):
        number = float(value)
    elif isinstance(value, str) and (match := _PERCENT.match(value)):
        number = float(match.group(1))
    else:
        raise ValueError(f"expected a percentage such as '99.5%', got {value!r}")
    if not 0 < number <= 100:
        raise ValueError(f"a percentage must be above 0 and at most 100, got {value!r}")
    return number


MAX_DURATION_SECONDS = 3650 * 86400.0


def parse_duration(value: object) -> timedelta:
    """'15m', '2h', '1h 30m', '15 minutes', '2 hours' or a number of seconds."""
    if isinstance(value, timedelta):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        seconds = float(value)
    elif isinstance(value, str) and value.strip():
        text = value.strip()
        seconds, position = 0.0, 0
        for match in _DURATION_PART.finditer(text):
            if text[position : match.start()].strip(" ,and"):
                break
            seconds += float(match.group(1)) * _UNIT_SECONDS[match.group(2)[0].lower()]
            position = match.end()
        if position == 0 or text[position:].strip():
            raise ValueError(f"expected a duration such as '15m', '2h' or '1h 30m', got {value!r}")
    else:
        raise ValueError(f"expected a duration such as '15m', '2h' or '1h 30m', got {value!r}")
    if not seconds > 0:  # nan too
        raise ValueError(f"a duration must be positive, got {value!r}")
    if seconds > MAX_DURATION_SECONDS:
        raise ValueError(f"a duration of at most ten years, got {value!r}")
    return timedelta(seconds=seconds)


def parse_clock_time(value: object) -> time:
    """'4am', '4:30 pm', '04:00', '16:00', 'noon', 'midnight' -> a time of day."""
    if isinstance(value, time):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        raise ValueError(
            f'a time of day must be quoted, e.g. "04:00": unquoted, YAML reads it as the '
            f"number {value}"
        )
    if not isinstance(value, str) or not (match := _CLOCK.match(value.strip())):
        raise ValueError(f"expected a time of day such as '04:00' or '4am', got {value!r}")
    noon, midnight, hour_text, minute_text, meridiem = match.groups()
    if noon:
        return time(12, 0)
    if midnight:
        return time(0, 0)
    hour, minute = int(hour_text), int(minute_text or 0)
    if meridiem:
        if not 1 <= hour <= 12:
            raise ValueError(f"{value!r}: the hour of a 12-hour clock is 1 to 12")
        hour = hour % 12 + (12 if meridiem.lower().startswith("p") else 0)
    if hour > 23 or minute > 59:
        raise ValueError(f"{value!r} is not a time of day")
    return time(hour, minute)


def parse_timezone(value: object) -> str:
    """An IANA time zone name ('UTC', 'Europe/Berlin'); 'Z' and 'GMT' mean UTC."""
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"expected a time zone such as 'UTC' or 'Europe/Berlin', got {value!r}")
    name = value.strip()
    if name.upper() in ("Z", "UTC", "GMT"):
        return "UTC"
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"unknown time zone {name!r}: use an IANA name such as 'UTC' or 'Europe/Berlin'"
        ) from None
    return name


def format_percent(value: float) -> str:
    """A percent as text, every digit kept: 1.2345678%, 0.00001% (never 1e-05%)."""
    return f"{value:.12f}".rstrip("0").rstrip(".") + "%"


def format_duration(value: timedelta) -> str:
    seconds = int(value.total_seconds())
    parts = []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        if seconds >= size:
            parts.append(f"{seconds // size}{unit}")
            seconds %= size
    return " ".join(parts) or "0s"
