"""A local Apicurio Registry on 127.0.0.1, serving the Confluent-compatible API.

Only this launcher is Apicurio-specific: meshgov talks to it, as to any Confluent-compatible
registry, through its URL. The registry runs detached from the command that started it; a
state file in its data directory records the pid, ports and storage so `status` and `stop`
find it again."""

from __future__ import annotations

import json
import re
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from meshgov.broker.local import free_port, port_is_free
from meshgov.broker.tools import reap, running_with, terminate
from meshgov.registry.distribution import RUNNER, ensure_registry_distribution
from meshgov.registry.errors import RegistryError, RegistryPortError
from meshgov.registry.java import find_registry_java

Storage = Literal["memory", "kafkasql"]
STORAGES: tuple[Storage, ...] = ("memory", "kafkasql")
API_PATH = "/apis/ccompat/v7"
KAFKASQL_TOPIC_PREFIX = "schema-registry."
JOURNAL_TOPIC = f"{KAFKASQL_TOPIC_PREFIX}journal"
SNAPSHOTS_TOPIC = f"{KAFKASQL_TOPIC_PREFIX}snapshots"
EVENTS_TOPIC = f"{KAFKASQL_TOPIC_PREFIX}events"
KAFKASQL_GROUP_PREFIX = "apicurio-"
# KafkaSQL polls its topics this long while replaying them at start-up; Apicurio's 5 s default
# makes every start wait out several empty polls (about 28 s instead of 6-8 s on a local
# broker). An empty poll of the snapshots topic only means a replay of the whole journal,
# which KafkaSQL keeps forever.
KAFKASQL_POLL_MS = 500
_PORT_BUSY = re.compile(r"Port (\d+) seems to be in use")


@dataclass(frozen=True)
class RegistryStatus:
    running: bool
    url: str
    data_dir: Path
    pid: int | None = None
    storage: Storage = "memory"
    bootstrap: str | None = None
    management_port: int | None = None
    log_file: Path | None = None


def registry_url(port: int) -> str:
    return f"http://127.0.0.1:{port}{API_PATH}"


class LocalRegistry:
    """An Apicurio Registry whose HTTP and management ports listen on loopback only.

    Port 0 means a free port chosen at each start. Storage "memory" loses every schema on
    stop; "kafkasql" keeps them in topics of the Kafka at `bootstrap` (named with
    `topic_prefix`), so they survive restarts."""

    def __init__(
        self,
        data_dir: Path,
        cache_dir: Path,
        port: int = 0,
        management_port: int = 0,
        storage: Storage = "memory",
        bootstrap: str | None = None,
        topic_prefix: str = "",
        heap: str = "512m",
        java_home: Path | None = None,
        log_file: Path | None = None,
        kafka_properties: dict[str, str] | None = None,
    ) -> None:
        if storage not in STORAGES:
            raise ValueError(f"storage must be one of {', '.join(STORAGES)}, not {storage!r}")
        if storage == "kafkasql" and not bootstrap:
            raise ValueError("kafkasql storage needs the bootstrap servers of a Kafka cluster")
        self.data_dir = data_dir
        self.cache_dir = cache_dir
        self.port = port
        self.management_port = management_port
        self.storage: Storage = storage
        self.bootstrap = bootstrap
        self.topic_prefix = topic_prefix
        self.heap = heap
        self.java_home = java_home
        self.log_file = log_file or data_dir / "registry.log"
        # The kafkasql storage's Kafka client properties beside the bootstrap servers (SASL,
        # TLS), in the Java client's names.
        self.kafka_properties = kafka_properties or {}

    @property
    def _state_file(self) -> Path:
        return self.data_dir / "registry.json"

    @property
    def _marker(self) -> str:
        """A system property naming the data directory: tells our process from others."""
        return f"-Dmeshgov.registry.home={self.data_dir.resolve()}"

    def system_properties(self, port: int, management_port: int) -> dict[str, str]:
        properties = {
            "quarkus.http.host": "127.0.0.1",
            "quarkus.http.port": str(port),
            # The management interface (/health, /metrics) otherwise listens on 0.0.0.0:9000,
            # and quarkus.management.enabled=false does not turn it off.
            "quarkus.management.host": "127.0.0.1",
            "quarkus.management.port": str(management_port),
        }
        if self.storage == "kafkasql":
            properties |= {
                "apicurio.storage.kind": "kafkasql",
                "apicurio.kafkasql.bootstrap.servers": self.bootstrap or "",
                "apicurio.kafkasql.topic": self.topic_prefix + JOURNAL_TOPIC,
                "apicurio.kafkasql.snapshots.topic": self.topic_prefix + SNAPSHOTS_TOPIC,
                "apicurio.events.kafka.topic": self.topic_prefix + EVENTS_TOPIC,
                "apicurio.kafkasql.consumer.group-prefix": (
                    self.topic_prefix + KAFKASQL_GROUP_PREFIX
                ),
                "apicurio.kafkasql.consumer.poll.timeout": str(KAFKASQL_POLL_MS),
                "apicurio.storage.snapshot.location": str(self.data_dir / "snapshots"),
            }
        return properties

    # -- lifecycle -------------------------------------------------------------------------

    def _write_secret_config(self) -> None:
        """Kafka credentials go to ./config/application.properties, which Quarkus reads from
        its working directory: on the command line any user's `ps` would show them."""
        config = self.data_dir / "config" / "application.properties"
        if not self.kafka_properties or self.storage != "kafkasql":
            config.unlink(missing_ok=True)
            return
        config.parent.mkdir(mode=0o700, exist_ok=True)
        config.touch(mode=0o600, exist_ok=True)
        config.chmod(0o600)
        config.write_text(
            "".join(f"apicurio.kafka.common.{k}={v}\n" for k, v in self.kafka_properties.items())
        )

    def status(self) -> RegistryStatus:
        """Whether the registry of this data directory runs, and where it was started."""
        state = self._state()
        pid = _int(state.get("pid"))
        if pid is not None and self._is_our_process(pid):
            port = _int(state.get("port")) or self.port
            log = state.get("log_file")
            return RegistryStatus(
                True,
                registry_url(port),
                self.data_dir,
                pid,
                state.get("storage", self.storage),
                state.get("bootstrap"),
                _int(state.get("management_port")),
                Path(log) if log else None,
            )
        return RegistryStatus(
            False,
            registry_url(self.port),
            self.data_dir,
            storage=self.storage,
            bootstrap=self.bootstrap,
        )

    def start(self, timeout: float = 90.0) -> RegistryStatus:
        """Start the registry (fetching it on first use) and wait until it is ready.
        Starting a running registry only checks it is ready."""
        if not self.status().running:
            self.launch()
        return self.wait_ready(timeout)

    def launch(self) -> subprocess.Popen[bytes]:
        """Start the registry's process without waiting for it to be ready."""
        java = find_registry_java(self.java_home)
        app = ensure_registry_distribution(self.cache_dir)
        port = self.port or free_port()
        management_port = self.management_port or free_port()
        while management_port == port:
            management_port = free_port()
        for number, option in ((port, "--port"), (management_port, "--management-port")):
            _wait_until_free(number, option)
        (self.data_dir / "tmp").mkdir(parents=True, exist_ok=True)
        self._write_secret_config()
        self.log_file.parent.mkdir(parents=True, exist_ok=True)
        log_offset = self.log_file.stat().st_size if self.log_file.exists() else 0
        command = [
            str(java),
            f"-Xmx{self.heap}",
            "-XX:+ExitOnOutOfMemoryError",
            # Quarkus' Vert.x cache and other scratch files stay out of the shared /tmp.
            f"-Djava.io.tmpdir={self.data_dir / 'tmp'}",
            self._marker,
            *(f"-D{k}={v}" for k, v in self.system_properties(port, management_port).items()),
            "-jar",
            str(app / RUNNER),
        ]
        with self.log_file.open("ab") as log:
            process = subprocess.Popen(
                command,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                cwd=self.data_dir,
                start_new_session=True,
            )
        state = {
            "pid": process.pid,
            "port": port,
            "management_port": management_port,
            "storage": self.storage,
            "bootstrap": self.bootstrap,
            "log_file": str(self.log_file),
            "log_offset": log_offset,
        }
        self._state_file.write_text(json.dumps(state) + "\n")
        return process

    def wait_ready(self, timeout: float = 90.0) -> RegistryStatus:
        """Wait until the running registry's health endpoint says ready and its API answers."""
        state = self._state()
        pid, management_port = _int(state.get("pid")), _int(state.get("management_port"))
        port = _int(state.get("port"))
        if pid is None or management_port is None or port is None:
            raise RegistryError(f"no registry was started in {self.data_dir}")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self._is_our_process(pid):
                reap(pid)
                failure = self._start_failure(pid, _int(state.get("log_offset")) or 0)
                self._state_file.unlink(missing_ok=True)
                raise failure
            if _answers(f"http://127.0.0.1:{management_port}/health/ready") and _answers(
                registry_url(port) + "/config"
            ):
                return self.status()
            time.sleep(0.2)
        raise RegistryError(
            f"Apicurio Registry (pid {pid}) was not ready within {timeout:.0f}s: see "
            f"{self.log_file}"
        )

    def stop(self, timeout: float = 30.0) -> bool:
        """Stop the registry gracefully (SIGTERM, then SIGKILL after `timeout`).
        Returns False when it was not running."""
        pid = _int(self._state().get("pid"))
        if pid is None or not self._is_our_process(pid):
            self._state_file.unlink(missing_ok=True)
            return False
        terminate(pid, self._is_our_process, timeout)
        self._state_file.unlink(missing_ok=True)
        return True

    # -- helpers ---------------------------------------------------------------------------

    def _start_failure(self, pid: int, log_offset: int) -> RegistryError:
        text = self._log_since(log_offset)
        if busy := _PORT_BUSY.search(text):
            return RegistryPortError(
                f"port {busy.group(1)} on 127.0.0.1 is in use by another program: stop it or "
                f"choose other ports (--port / --management-port)"
            )
        errors = [line for line in text.splitlines() if " ERROR " in line]
        cause = errors[-1].split(") ", 1)[-1].strip() if errors else "no error logged"
        return RegistryError(
            f"Apicurio Registry (pid {pid}) exited while starting: {cause[:500]} "
            f"(log: {self.log_file})"
        )

    def _log_since(self, offset: int) -> str:
        """The log this run wrote (the file keeps every run's)."""
        try:
            with self.log_file.open("rb") as log:
                log.seek(offset)
                return log.read(2_000_000).decode(errors="replace")
        except OSError:
            return ""

    def _state(self) -> dict[str, Any]:
        try:
            state = json.loads(self._state_file.read_text())
        except (OSError, ValueError):
            return {}
        return state if isinstance(state, dict) else {}

    def _is_our_process(self, pid: int) -> bool:
        """The registry of this data directory runs as `pid`."""
        marker = self._marker.encode()
        return running_with(pid, lambda args: marker in args)


def _wait_until_free(port: int, option: str) -> None:
    # A registry killed a moment ago may still hold its ports while the kernel closes them.
    deadline = time.monotonic() + 3
    while not port_is_free(port) and time.monotonic() < deadline:
        time.sleep(0.2)
    if not port_is_free(port):
        raise RegistryPortError(
            f"port {port} on 127.0.0.1 is in use by another program: stop it or choose "
            f"another ({option})"
        )


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2.0) as response:
            return bool(response.status == 200)
    except (OSError, urllib.error.URLError):
        return False


def _int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None
