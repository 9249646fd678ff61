"""Finding Java and Maven, with one clear sentence when either is missing."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

from meshgov.broker.errors import MissingToolError

MIN_JAVA = 17


def find_java(java_home: Path | None = None) -> Path:
    """The java binary of `java_home` ($JAVA_HOME), else of PATH; Java 17 or newer."""
    candidates = []
    if java_home:
        candidates.append(Path(java_home) / "bin" / "java")
    if on_path := shutil.which("java"):
        candidates.append(Path(on_path))
    for java in candidates:
        if java.is_file() and os.access(java, os.X_OK):
            major = java_major_version(java)
            if major >= MIN_JAVA:
                return java
            raise MissingToolError(
                f"The local Kafka broker needs Java {MIN_JAVA} or newer, but {java} is Java "
                f"{major}: install a newer JDK (e.g. `apt-get install openjdk-17-jre-headless`) "
                f"or point JAVA_HOME at one."
            )
    raise MissingToolError(
        f"The local Kafka broker needs Java {MIN_JAVA} or newer and none was found: install a "
        f"JDK (e.g. `apt-get install openjdk-17-jre-headless`) or set JAVA_HOME."
    )


def java_major_version(java: Path) -> int:
    result = subprocess.run(
        [str(java), "-version"], capture_output=True, text=True, timeout=30, check=False
    )
    match = re.search(r'version "(\d+)(?:\.(\d+))?', result.stderr + result.stdout)
    if not match:
        return 0
    major = int(match.group(1))
    return int(match.group(2) or 0) if major == 1 else major


def find_maven(purpose: str = "Fetching Kafka's jars from Maven Central") -> Path:
    if mvn := shutil.which("mvn"):
        return Path(mvn)
    raise MissingToolError(
        f"{purpose} needs Maven, which was not found: install it (e.g. `apt-get install maven`)."
    )


def running_with(pid: int, matches: Callable[[list[bytes]], bool]) -> bool:
    """True when `pid` is alive and its command line `matches` (a pid recorded before a
    reboot may have been reused by another program)."""
    try:
        os.kill(pid, 0)
    except OSError:
        return False
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return True  # no procfs: trust the recorded pid
    if stat.rsplit(")", 1)[-1].split()[0] == "Z":
        return False
    if not cmdline:  # between fork and exec the command line is still empty
        return True
    return matches(cmdline.split(b"\0"))


def reap(pid: int) -> None:
    """Collect the exit status when this process is `pid`'s parent."""
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)


def terminate(pid: int, alive: Callable[[int], bool], timeout: float) -> None:
    """SIGTERM `pid`, SIGKILL it if `alive` still says so after `timeout`; return once it
    is gone (reaped if it was our child)."""
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and alive(pid):
        reap(pid)
        time.sleep(0.1)
    if alive(pid):
        os.kill(pid, signal.SIGKILL)
        while alive(pid):
            reap(pid)
            time.sleep(0.05)
    reap(pid)
