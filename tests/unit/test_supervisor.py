from __future__ import annotations

import sys
import time
from pathlib import Path

from meshgov.supervisor import Component, State, Supervisor


def python(code: str) -> list[str]:
    return [sys.executable, "-c", code]


def poll_until(supervisor: Supervisor, done: object, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not done():  # type: ignore[operator]
        assert time.monotonic() < deadline, [
            (c.component.name, c.state) for c in supervisor.children
        ]
        supervisor.poll()
        time.sleep(0.05)


def test_ready_when_the_log_says_so_and_a_crash_is_restarted_with_backoff(tmp_path: Path) -> None:
    events: list[tuple[str, str]] = []
    steady = Component(
        "steady", python("print('Ready', flush=True); import time; time.sleep(60)"), "Ready"
    )
    crashing = Component(
        "crashing", python("print('Ready', flush=True); raise SystemExit(3)"), "Ready"
    )
    supervisor = Supervisor(
        [steady, crashing], tmp_path, on_event=lambda c, w: events.append((c.component.name, w))
    )
    supervisor.start_all()
    try:
        poll_until(supervisor, lambda: supervisor.child("steady").state is State.READY)
        poll_until(supervisor, lambda: supervisor.child("crashing").starts >= 3)
        crash_reports = [w for n, w in events if n == "crashing" and w.startswith("exited")]
        assert crash_reports[:2] == [
            "exited with 3; restarting in 1 s",
            "exited with 3; restarting in 2 s",
        ]
        assert supervisor.child("steady").starts == 1  # the others keep running
        assert "--- meshgov up: start 2" in supervisor.child("crashing").log_path.read_text()
    finally:
        supervisor.stop_all(timeout=5)
    assert all(c.state is State.STOPPED or c.process is None for c in supervisor.children)
    assert ("steady", "stopped") in events


def test_lag_above_the_threshold_marks_lagging_until_caught_up(tmp_path: Path) -> None:
    worker = Component(
        "w", python("print('Ready', flush=True); import time; time.sleep(60)"), "Ready", "g"
    )
    supervisor = Supervisor([worker], tmp_path, lag_threshold=100)
    supervisor.start_all()
    try:
        poll_until(supervisor, lambda: supervisor.child("w").state is State.READY)
        supervisor.record_lag({"g": (500, 10)})
        assert supervisor.child("w").state is State.LAGGING
        supervisor.record_lag({"g": (3, 507)})
        assert supervisor.child("w").state is State.READY
    finally:
        supervisor.stop_all(timeout=5)


def test_a_child_ignoring_sigterm_is_killed_at_the_timeout(tmp_path: Path) -> None:
    stubborn = Component(
        "stubborn",
        python(
            "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
            "print('Ready', flush=True); time.sleep(60)"
        ),
        "Ready",
    )
    supervisor = Supervisor([stubborn], tmp_path)
    supervisor.start_all()
    poll_until(supervisor, lambda: supervisor.child("stubborn").state is State.READY)
    started = time.monotonic()
    supervisor.stop_all(timeout=1)
    assert time.monotonic() - started < 10
    assert supervisor.child("stubborn").process is None


def test_a_worker_that_stops_committing_with_records_waiting_is_restarted(tmp_path: Path) -> None:
    events: list[str] = []
    worker = Component(
        "w", python("print('Ready', flush=True); import time; time.sleep(60)"), "Ready", "g"
    )
    supervisor = Supervisor([worker], tmp_path, on_event=lambda c, w: events.append(w))
    supervisor.start_all()
    try:
        poll_until(supervisor, lambda: supervisor.child("w").state is State.READY)
        supervisor.record_lag({"g": (0, 100)}, now=1000.0)
        supervisor.record_lag({"g": (5, 100)}, now=1100.0)  # nothing to do until 1000: fine
        supervisor.record_lag({"g": (9, 103)}, now=1200.0)  # progress: not stalled
        supervisor.record_lag({"g": (9, 103)}, now=1300.0)
        assert supervisor.child("w").starts == 1
        supervisor.record_lag({"g": (12, 103)}, now=1320.0)  # 120 s without a commit
        assert any(e.startswith("stalled: 12 records waiting") for e in events), events
        poll_until(supervisor, lambda: supervisor.child("w").starts == 2)
    finally:
        supervisor.stop_all(timeout=5)


def test_a_delivery_service_holding_records_back_while_it_retries_is_not_restarted(
    tmp_path: Path,
) -> None:
    events: list[str] = []
    router = Component(
        "alerts",
        python("print('Ready', flush=True); import time; time.sleep(60)"),
        "Ready",
        "g",
        restart_when_stalled=False,
    )
    supervisor = Supervisor([router], tmp_path, on_event=lambda c, w: events.append(w))
    supervisor.start_all()
    try:
        poll_until(supervisor, lambda: supervisor.child("alerts").state is State.READY)
        supervisor.record_lag({"g": (3, 100)}, now=1000.0)
        supervisor.record_lag({"g": (3, 100)}, now=1500.0)  # 500 s, a receiver still down
        supervisor.poll()
        assert supervisor.child("alerts").starts == 1
        assert not any(e.startswith("stalled") for e in events), events
        assert supervisor.child("alerts").lag == 3  # its lag is still measured
    finally:
        supervisor.stop_all(timeout=5)
