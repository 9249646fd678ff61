"""Running the mesh's components as child processes: started, watched, restarted.

Each component is a command whose output goes to its own log file; it is READY once a line
of that log says so. One that exits unasked is FAILED and restarted after a backoff that
doubles with each crash in a row (1 s up to 30 s) and resets once it ran for a minute; the
others keep running. Stopping sends SIGTERM to all (a processor commits its offsets and
flushes its state on it) and SIGKILL to any still running after the timeout. A supervisor
that is itself killed takes its children with it (Linux: they get SIGTERM)."""

from __future__ import annotations

import ctypes
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from meshgov.settings import child_environment

MAX_BACKOFF = 30.0
PR_SET_PDEATHSIG = 1
STABLE_AFTER = 60.0
STALLED_AFTER = 120.0  # records waiting and no offset committed for this long: restart


class State(StrEnum):
    STARTING = "starting"
    READY = "ready"
    LAGGING = "lagging"
    FAILED = "failed"
    STOPPED = "stopped"


@dataclass(frozen=True)
class Component:
    name: str
    argv: Sequence[str]
    ready_marker: str  # a line of its log containing this means it is ready
    consumer_group: str | None = None  # whose lag tells whether it keeps up
    env: Mapping[str, str] = field(default_factory=dict)  # beside the supervisor's own
    # Restarted when records wait and nothing is committed for STALLED_AFTER; not a
    # component that holds records back on purpose while it retries a receiver.
    restart_when_stalled: bool = True


@dataclass
class Child:
    component: Component
    log_path: Path
    process: subprocess.Popen[bytes] | None = None
    state: State = State.STOPPED
    starts: int = 0
    crashes_in_a_row: int = 0
    started_at: float = 0.0
    restart_at: float | None = None
    last_exit: int | None = None
    lag: int | None = None
    committed: int | None = None
    progress_at: float = 0.0  # when its committed offsets last moved (or it had nothing to do)
    _log_offset: int = 0
    _tail: list[str] = field(default_factory=list)

    @property
    def pid(self) -> int | None:
        return None if self.process is None else self.process.pid

    def log_tail(self, lines: int = 20) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])


Event = Callable[[Child, str], None]  # (child, what happened)


class Supervisor:
    def __init__(
        self,
        components: Sequence[Component],
        log_dir: Path,
        env: dict[str, str] | None = None,
        on_event: Event | None = None,
        lag_threshold: int = 1000,
        drop_env: tuple[str, ...] = (),  # variables (or their prefixes) children do not get
    ) -> None:
        log_dir.mkdir(parents=True, exist_ok=True)
        self.children = [Child(c, log_dir / f"{c.name}.log") for c in components]
        self.env = child_environment({"PYTHONUNBUFFERED": "1", **(env or {})}, drop_env)
        self.on_event = on_event or (lambda child, what: None)
        self.lag_threshold = lag_threshold

    def child(self, name: str) -> Child:
        return next(c for c in self.children if c.component.name == name)

    def start_all(self) -> None:
        for child in self.children:
            self._start(child)

    def _start(self, child: Child) -> None:
        child.starts += 1
        with child.log_path.open("ab") as log:
            log.write(f"--- meshgov up: start {child.starts}\n".encode())
            child._log_offset = log.tell()
            child.process = subprocess.Popen(
                list(child.component.argv),
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env={**self.env, **child.component.env} if child.component.env else self.env,
                start_new_session=True,  # Ctrl-C reaches the supervisor only; it stops them
                preexec_fn=_end_with_parent,
            )
        child.state = State.STARTING
        child.started_at = time.monotonic()
        child.progress_at = 0.0
        child.committed = None
        child.restart_at = None
        self.on_event(child, "starting" if child.starts == 1 else f"restart {child.starts - 1}")

    def poll(self) -> None:
        """Notice readiness, crashes and due restarts."""
        now = time.monotonic()
        for child in self.children:
            process = child.process
            if process is not None and (code := process.poll()) is not None:
                child.process = None
                child.last_exit = code
                child.state = State.FAILED
                if now - child.started_at > STABLE_AFTER:
                    child.crashes_in_a_row = 0
                child.crashes_in_a_row += 1
                backoff = min(MAX_BACKOFF, 2.0 ** (child.crashes_in_a_row - 1))
                child.restart_at = now + backoff
                self.on_event(child, f"exited with {code}; restarting in {backoff:.0f} s")
            elif child.state is State.FAILED and child.restart_at and now >= child.restart_at:
                self._start(child)
            elif child.state is State.STARTING and self._log_says_ready(child):
                child.state = State.READY
                self.on_event(child, "ready")

    def _log_says_ready(self, child: Child) -> bool:
        try:
            with child.log_path.open("rb") as log:
                log.seek(child._log_offset)
                text = log.read().decode(errors="replace")
        except OSError:
            return False
        return child.component.ready_marker in text

    def record_lag(self, lags: dict[str, tuple[int, int]], now: float | None = None) -> None:
        """From each group's (lag, committed offsets): mark ready children LAGGING while
        the lag exceeds the threshold, and restart one that has records waiting but has
        committed nothing for STALLED_AFTER seconds (alive, but no longer processing)."""
        now = time.monotonic() if now is None else now
        for child in self.children:
            group = child.component.consumer_group
            if (
                group is None
                or group not in lags
                or child.state
                not in (
                    State.READY,
                    State.LAGGING,
                )
            ):
                continue
            lag, committed = lags[group]
            if child.committed != committed or lag == 0 or not child.progress_at:
                child.progress_at = now
            child.lag, child.committed = lag, committed
            stalled = now - child.progress_at >= STALLED_AFTER
            if stalled and child.process is not None and child.component.restart_when_stalled:
                self.on_event(
                    child,
                    f"stalled: {lag} records waiting, nothing committed for "
                    f"{now - child.progress_at:.0f} s; restarting it",
                )
                child.process.kill()  # poll() sees the exit and restarts it with backoff
                child.progress_at = now
                continue
            lagging = child.lag > self.lag_threshold
            if child.state is State.READY and lagging:
                child.state = State.LAGGING
                self.on_event(child, f"lagging by {child.lag} records")
            elif child.state is State.LAGGING and not lagging:
                child.state = State.READY
                self.on_event(child, "caught up")

    def stop_all(self, timeout: float = 30.0) -> None:
        running = [c for c in self.children if c.process is not None]
        for child in running:
            assert child.process is not None
            child.process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + timeout
        for child in running:
            assert child.process is not None
            try:
                child.process.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.process.kill()
                child.process.wait()
            child.process = None
            child.state = State.STOPPED
            self.on_event(child, "stopped")


def _end_with_parent() -> None:
    """In the child, before it runs: SIGTERM when the supervisor dies, however it dies."""
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
