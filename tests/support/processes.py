"""Running a meshgov processor as its own OS process, as deployments do, for tests that
stop, kill and restart it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from meshgov.settings import Settings


class ProcessorProcess:
    def __init__(
        self,
        name: str,
        settings: Settings,
        log_dir: Path,
        env: dict[str, str] | None = None,
        command: list[str] | None = None,  # default: run NAME
    ) -> None:
        self.name = name
        self.command = command or ["run", name]
        self.env = env or {}
        self.settings = settings
        self.log_path = log_dir / f"{name}.log"
        self.process: subprocess.Popen[bytes] | None = None
        self.starts = 0

    def start(self) -> None:
        self.starts += 1
        log = self.log_path.open("ab")
        log.write(f"--- start {self.starts}\n".encode())
        log.flush()
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "meshgov",
                *self.command,
                "--bootstrap-servers",
                self.settings.bootstrap,
                "--topic-prefix",
                self.settings.topic_prefix,
                *(
                    ["--partitions", str(self.settings.partitions), "--log-level", "info"]
                    if self.command[0] == "run"
                    else []
                ),
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            # State stores and logs in the test's directory, never in the user's home.
            env={
                **os.environ,
                "PYTHONUNBUFFERED": "1",
                "MESHGOV_HOME": str(self.log_path.parent / "home"),
                **self.env,
            },
        )
        log.close()

    def stop(self, timeout: float = 30.0) -> None:
        """Graceful stop (SIGTERM): offsets committed, producer flushed."""
        if self.process is None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process = None

    def kill(self) -> None:
        """A crash: SIGKILL, nothing flushed or committed."""
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            self.process = None

    def wait_ready(self, timeout: float = 90.0) -> None:
        """Until the worker of the current start logged that it is ready (its tables
        recovered and its agents running)."""
        marker = f"--- start {self.starts}\n"
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            text = self.log_path.read_text(errors="replace")
            if "Ready" in text[text.rfind(marker) :]:
                return
            if self.process is not None and self.process.poll() is not None:
                break
            time.sleep(0.2)
        raise AssertionError(f"{self.name} not ready; its log:\n{self.log_tail()}")

    def log_tail(self, lines: int = 150) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"
