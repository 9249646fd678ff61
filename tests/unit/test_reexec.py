"""A processor whose failed stream cannot be closed starts itself again in place."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

from meshgov.processors.reexec import AT_ENV, COUNT_ENV, EXIT_STUCK, MAX_IN_A_ROW, next_count

# The child re-executes itself from a thread while its main thread is blocked, as the stop
# timer does while librdkafka's close blocks; each run prints its pid and its count.
CHILD = textwrap.dedent(
    """
    import os, sys, threading, time
    from meshgov.processors.reexec import COUNT_ENV, reexec_or_exit
    print(os.getpid(), os.environ.get(COUNT_ENV, "0"), sys.argv[1:], flush=True)
    if int(os.environ.get(COUNT_ENV, "0")) >= int(sys.argv[1]):
        sys.exit(0)
    threading.Timer(0.1, reexec_or_exit, ("blocked",)).start()
    time.sleep(60)
    """
)


def run_child(stop_after: int) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in (COUNT_ENV, AT_ENV)}
    return subprocess.run(
        [sys.executable, "-c", CHILD, str(stop_after), "--flag"],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )


def test_the_process_replaces_itself_with_the_same_command() -> None:
    done = run_child(stop_after=2)
    assert done.returncode == 0, done.stderr
    runs = [line.split(" ", 2) for line in done.stdout.splitlines()]
    assert [count for _, count, _ in runs] == ["0", "1", "2"]
    assert len({pid for pid, _, _ in runs}) == 1  # in place: a supervisor sees one process
    assert {args for _, _, args in runs} == {"['2', '--flag']"}
    assert "starting the process again (1 of 5 in a row)" in done.stderr


def test_too_many_in_a_row_exit_stuck_for_the_supervisor() -> None:
    done = run_child(stop_after=MAX_IN_A_ROW + 10)
    assert done.returncode == EXIT_STUCK
    assert len(done.stdout.splitlines()) == MAX_IN_A_ROW + 1
    assert f"started again {MAX_IN_A_ROW} times in a row, exiting" in done.stderr


def test_a_long_run_starts_the_count_again() -> None:
    assert next_count({}, 1000.0) == 1
    assert next_count({COUNT_ENV: "3", AT_ENV: "990.0"}, 1000.0) == 4
    assert next_count({COUNT_ENV: "3", AT_ENV: "10.0"}, 1000.0) == 1
    assert next_count({COUNT_ENV: "x", AT_ENV: "10.0"}, 1000.0) == 1


STOPPED_CHILD = textwrap.dedent(
    """
    import os, signal, threading, time
    from meshgov.processors.reexec import reexec_or_exit, watch_stop_signals
    watch_stop_signals()
    signal.signal(signal.SIGTERM, lambda *a: None)  # a handler that has not acted on it yet
    os.kill(os.getpid(), signal.SIGTERM)
    threading.Timer(0.1, reexec_or_exit, ("blocked",)).start()
    time.sleep(60)
    """
)

INHERITED_CHILD = textwrap.dedent(
    """
    import os, sys, threading, time
    from meshgov.processors.reexec import COUNT_ENV, reexec_or_exit
    if os.environ.get(COUNT_ENV):
        fd = int(os.environ["HELD_FD"])
        try:
            os.fstat(fd)
            print("inherited", flush=True)
        except OSError:
            print("closed", flush=True)
        sys.exit(0)
    read, write = os.pipe()
    os.set_inheritable(read, True)  # as librdkafka's own pipes are
    os.environ["HELD_FD"] = str(read)
    threading.Timer(0.1, reexec_or_exit, ("blocked",)).start()
    time.sleep(60)
    """
)


def test_a_stop_asked_while_blocked_exits_instead_of_starting_again() -> None:
    done = subprocess.run(
        [sys.executable, "-c", STOPPED_CHILD], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == EXIT_STUCK
    assert "asked to stop meanwhile, exiting" in done.stderr


def test_the_new_run_inherits_no_descriptor_but_the_standard_streams() -> None:
    env = {k: v for k, v in os.environ.items() if k not in (COUNT_ENV, AT_ENV)}
    done = subprocess.run(
        [sys.executable, "-c", INHERITED_CHILD],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "closed"
