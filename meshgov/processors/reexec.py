"""Starting a processor's process again in place, when a failed stream cannot be closed.

After a failure (the broker away, a partition assignment that failed part-way) Quix Streams
closes its clients before the stream can be built again, and librdkafka's close can block
for minutes. The process then replaces itself with a fresh run of the same command (exec:
same pid, same arguments, same environment), which goes on from the committed offsets like
any restart, without waiting for a supervisor, which a plain `meshgov run` may not have.
Re-executions follow one another only so often: past MAX_IN_A_ROW, each within STABLE_AFTER
of the one before, the process exits with EXIT_STUCK and leaves it to its supervisor. A
SIGTERM or SIGINT that came while the main thread was blocked (its Python handler could not
run yet) is seen through the signal wakeup pipe: the process then exits instead, as asked.
The new run inherits no descriptor but the standard streams (librdkafka's pipes are not
close-on-exec)."""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import sys
import time
from collections.abc import Mapping

log = logging.getLogger("meshgov.processors")

EXIT_STUCK = 3
MAX_IN_A_ROW = 5
STABLE_AFTER = 600.0  # seconds: a process that ran this long starts the count again
COUNT_ENV = "MESHGOV_REEXEC_COUNT"
AT_ENV = "MESHGOV_REEXEC_AT"


_wakeup: int | None = None  # read end of the signal wakeup pipe
_stop_seen = False


def watch_stop_signals() -> None:
    """From the main thread, once: the C-level handler of every signal writes its number
    to a pipe too, which a timer thread can read while the main thread is blocked."""
    global _wakeup
    if _wakeup is not None:
        return
    read, write = os.pipe()
    os.set_blocking(read, False)
    os.set_blocking(write, False)
    signal.set_wakeup_fd(write, warn_on_full_buffer=False)
    _wakeup = read


def stop_requested() -> bool:
    """Whether SIGTERM or SIGINT arrived since watch_stop_signals()."""
    global _stop_seen
    if _wakeup is None or _stop_seen:
        return _stop_seen
    with contextlib.suppress(BlockingIOError, OSError):
        while chunk := os.read(_wakeup, 512):
            _stop_seen = _stop_seen or any(b in (signal.SIGTERM, signal.SIGINT) for b in chunk)
    return _stop_seen


def next_count(environ: Mapping[str, str], now: float) -> int:
    """The number this re-execution gets: one more than the last if that was recent."""
    try:
        count, at = int(environ.get(COUNT_ENV, "0")), float(environ.get(AT_ENV, "0"))
    except ValueError:
        return 1
    return count + 1 if now - at < STABLE_AFTER else 1


def reexec_or_exit(reason: str) -> None:
    """Never returns: the process is replaced by a new run of its command, or exits."""
    count = next_count(os.environ, time.time())
    if stop_requested():
        log.error("%s; it was asked to stop meanwhile, exiting", reason)
        _flush()
        os._exit(EXIT_STUCK)
    if count > MAX_IN_A_ROW:
        log.error("%s; started again %d times in a row, exiting", reason, MAX_IN_A_ROW)
        _flush()
        os._exit(EXIT_STUCK)
    log.error("%s; starting the process again (%d of %d in a row)", reason, count, MAX_IN_A_ROW)
    _flush()
    environ = {**os.environ, COUNT_ENV: str(count), AT_ENV: repr(time.time())}
    try:
        _close_on_exec()
        os.execve(sys.executable, [sys.executable, *sys.orig_argv[1:]], environ)
    except OSError as error:
        log.error("could not start the process again (%s), exiting", error)
        _flush()
    os._exit(EXIT_STUCK)


def _close_on_exec() -> None:
    """Every descriptor but the standard streams closes at exec: marked, not closed now,
    as librdkafka's threads still use theirs until the image is replaced."""
    for name in os.listdir("/proc/self/fd") if os.path.isdir("/proc/self/fd") else []:
        with contextlib.suppress(ValueError, OSError):
            fd = int(name)
            if fd > 2:
                os.set_inheritable(fd, False)


def _flush() -> None:
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # a closed or broken stream
            stream.flush()
