"""Availability: the share of time a product met its freshness SLA over a rolling window.

Late time is the union of the periods its ports were past a deadline (or silent too long).
The window is the last `window` of time, or the time since the product was first accepted
when that is shorter: a product watched for one day is judged on that day. The error budget
is the late time the target allows over the whole window; what remains of it is part of the
product's health."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

Interval = tuple[int, int | None]  # [start, end) in epoch milliseconds; end None while late


@dataclass(frozen=True)
class Target:
    percent: float
    window: timedelta

    @property
    def allowed_late_share(self) -> float:
        return 1.0 - self.percent / 100.0


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def merged(intervals: Iterable[Interval], now_ms: int) -> list[tuple[int, int]]:
    """The union of the intervals, open ones ending at `now_ms`, sorted."""
    spans = sorted((start, now_ms if end is None else end) for start, end in intervals)
    union: list[tuple[int, int]] = []
    for start, end in spans:
        if end <= start:
            continue
        if union and start <= union[-1][1]:
            union[-1] = (union[-1][0], max(union[-1][1], end))
        else:
            union.append((start, end))
    return union


def late_ms(intervals: Sequence[Interval], start_ms: int, now_ms: int) -> int:
    """Milliseconds of lateness within [start_ms, now_ms]."""
    return sum(
        max(0, min(end, now_ms) - max(begin, start_ms)) for begin, end in merged(intervals, now_ms)
    )


def window_start_ms(since: datetime, now: datetime, target: Target) -> int:
    return max(_ms(since), _ms(now - target.window))


def availability(
    intervals: Sequence[Interval], since: datetime, now: datetime, target: Target
) -> float:
    """The share of the window (0..1) the product was on time; 1.0 before any time passed."""
    start, end = window_start_ms(since, now, target), _ms(now)
    if end <= start:
        return 1.0
    return 1.0 - late_ms(intervals, start, end) / (end - start)


def error_budget_remaining(
    intervals: Sequence[Interval], since: datetime, now: datetime, target: Target
) -> float:
    """The share (may go below 0) of the window's allowed late time not used yet."""
    allowed = target.allowed_late_share * target.window.total_seconds() * 1000
    used = late_ms(intervals, window_start_ms(since, now, target), _ms(now))
    if allowed <= 0:
        return 0.0 if used else 1.0
    return 1.0 - used / allowed


def is_met(intervals: Sequence[Interval], since: datetime, now: datetime, target: Target) -> bool:
    return availability(intervals, since, now, target) * 100.0 >= target.percent - 1e-9


def next_check(
    intervals: Sequence[Interval],
    since: datetime,
    now: datetime,
    target: Target,
    breached: bool,
) -> datetime | None:
    """The earliest moment the availability could cross its target, or None if it cannot
    without another change. While late and not breached, a lower bound (re-checked then);
    once breached and no longer late, the exact recovery time (availability only rises)."""
    late_now = any(end is None for _, end in intervals)
    share = target.allowed_late_share
    if late_now and not breached:
        elapsed = _ms(now) - window_start_ms(since, now, target)
        late = late_ms(intervals, window_start_ms(since, now, target), _ms(now))
        window = int(target.window.total_seconds() * 1000)
        if share >= 1.0:
            return None
        if elapsed < window:
            wait = (share * elapsed - late) / (1.0 - share)
            if wait > window - elapsed:
                wait = max(window - elapsed, share * window - late)
        else:
            wait = share * window - late
        # Just past the crossing: at it, the share equals the target, which still meets it.
        return now + timedelta(milliseconds=max(math.ceil(wait) + 1, 1000))
    if breached and not late_now:
        low, high = _ms(now), _ms(now + target.window) + 1
        if not is_met(intervals, since, _instant(high), target):
            return None
        while high - low > 1000:
            middle = (low + high) // 2
            if is_met(intervals, since, _instant(middle), target):
                high = middle
            else:
                low = middle
        return _instant(high)
    return None


def prune(intervals: list[Interval], before: datetime) -> list[Interval]:
    """The intervals that still overlap the window starting at `before`."""
    cutoff = _ms(before)
    return [(start, end) for start, end in intervals if end is None or end > cutoff]


def _instant(millis: int) -> datetime:
    return datetime.fromtimestamp(millis / 1000, UTC)
