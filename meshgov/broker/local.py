"""One combined broker+controller Kafka node on 127.0.0.1, run from Maven Central's jars.

The node runs detached from the command that started it; a state file next to its data
records the pid and address so `status` and `stop` find it again.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import signal
import socket
import subprocess
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from meshgov.broker.errors import BrokerError
from meshgov.broker.jars import ensure_kafka_jars, log4j_config
from meshgov.broker.security import BrokerSecurity, OAuthValidation
from meshgov.broker.tools import find_java, reap, running_with, terminate
from meshgov.kafka.clients import KafkaClients
from meshgov.settings import Settings

JVM_FLAGS = (
    "-server",
    "-XX:+UseG1GC",
    "-XX:MaxGCPauseMillis=20",
    "-XX:InitiatingHeapOccupancyPercent=35",
    "-XX:+ExplicitGCInvokesConcurrent",
    "-XX:+ExitOnOutOfMemoryError",
    "-Djava.awt.headless=true",
)
_SILENT = logging.getLogger("meshgov.broker.probe")
_SILENT.addHandler(logging.NullHandler())
_SILENT.propagate = False


@dataclass(frozen=True)
class BrokerStatus:
    running: bool
    bootstrap: str
    data_dir: Path
    pid: int | None = None


def new_cluster_id() -> str:
    """A KRaft cluster id: a random UUID in URL-safe base64, as `kafka-storage random-uuid`.

    Like Kafka's Uuid.randomUuid(), never one starting with '-', which a command line would
    take for an option."""
    while True:
        cluster_id = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        if not cluster_id.startswith("-"):
            return cluster_id


def _java_quoted(argument: str) -> str:
    """One argument of a Java launcher's @file, quoted (spaces, quotes, backslashes)."""
    return '"' + argument.replace("\\", "\\\\").replace('"', '\\"') + '"'


def port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def answers_metadata(
    bootstrap: str, timeout: float = 2.0, properties: dict[str, str] | None = None
) -> bool:
    """True when a broker at `bootstrap` answers a metadata request with itself in it
    (asked with these client `properties`)."""
    settings = Settings(bootstrap=bootstrap, kafka=properties or {})
    admin = KafkaClients(settings).admin(log_level=0, logger=_SILENT)
    try:
        metadata = admin.list_topics(timeout=timeout)
    except Exception:  # noqa: BLE001 - any failure means "not ready yet"
        return False
    return bool(metadata.brokers)


@dataclass(frozen=True)
class Quorum:
    """The nodes of a cluster of several combined broker+controller nodes on loopback."""

    cluster_id: str
    controller_ports: tuple[int, ...]  # node i+1 listens on controller_ports[i]

    @property
    def voters(self) -> str:
        return ",".join(
            f"{node}@127.0.0.1:{port}" for node, port in enumerate(self.controller_ports, 1)
        )


class LocalBroker:
    """A KRaft Kafka node whose data lives in `data_dir` across restarts: a single combined
    broker+controller, or node `node_id` of a `quorum` (see LocalCluster)."""

    def __init__(
        self,
        data_dir: Path,
        cache_dir: Path,
        port: int = 9092,
        controller_port: int = 9093,
        heap: str = "512m",
        java_home: Path | None = None,
        node_id: int = 1,
        quorum: Quorum | None = None,
        secure: bool = False,
        tls_port: int | None = None,
        oauth: OAuthValidation | None = None,
    ) -> None:
        if (tls_port is not None or oauth is not None) and not secure:
            raise ValueError("mutual TLS and OAUTHBEARER are the secured broker's only")
        self.tls_port = tls_port
        self.oauth = oauth
        self.node_id = node_id
        # SASL_SSL, SCRAM and ACLs (meshgov.broker.security); its secrets beside the data
        self.security = BrokerSecurity.ensure(data_dir / "security") if secure else None
        self.quorum = quorum
        self.java_home = java_home
        self.data_dir = data_dir
        self.cache_dir = cache_dir
        self.port = port
        self.controller_port = controller_port
        self.heap = heap

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def tls_bootstrap(self) -> str | None:
        """Where clients authenticate by certificate alone, if the node takes them."""
        return None if self.tls_port is None else f"127.0.0.1:{self.tls_port}"

    @property
    def log_dir(self) -> Path:
        return self.data_dir / "kraft-logs"

    @property
    def log_file(self) -> Path:
        return self.data_dir / "server.log"

    @property
    def _state_file(self) -> Path:
        return self.data_dir / "broker.json"

    @property
    def _properties_file(self) -> Path:
        return self.data_dir / "server.properties"

    def server_properties(self) -> dict[str, str]:
        replicas = "1" if self.quorum is None else str(min(3, len(self.quorum.controller_ports)))
        in_sync = "1" if replicas == "1" else "2"
        properties = {
            "process.roles": "broker,controller",
            "node.id": str(self.node_id),
            "listeners": f"PLAINTEXT://127.0.0.1:{self.port},CONTROLLER://127.0.0.1:"
            f"{self.controller_port}",
            "advertised.listeners": f"PLAINTEXT://127.0.0.1:{self.port}",
            "controller.listener.names": "CONTROLLER",
            "inter.broker.listener.name": "PLAINTEXT",
            "listener.security.protocol.map": "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
            "controller.quorum.bootstrap.servers": f"127.0.0.1:{self.controller_port}",
            "default.replication.factor": replicas,
            "min.insync.replicas": in_sync,
            "log.dirs": str(self.log_dir),
            "num.partitions": "3",
            "offsets.topic.replication.factor": replicas,
            "offsets.topic.num.partitions": "10",
            "transaction.state.log.replication.factor": replicas,
            "transaction.state.log.min.isr": in_sync,
            "transaction.state.log.num.partitions": "10",
            "share.coordinator.state.topic.replication.factor": replicas,
            "share.coordinator.state.topic.min.isr": in_sync,
            "group.initial.rebalance.delay.ms": "0",
            # Restarted after a crash, the node must not wait out its own registration of
            # before (DUPLICATE_BROKER_REGISTRATION until the session expires, 9 s).
            "broker.session.timeout.ms": "2000",
            "broker.heartbeat.interval.ms": "500",
        }
        if self.quorum is not None:
            del properties["controller.quorum.bootstrap.servers"]
            properties["controller.quorum.voters"] = self.quorum.voters
        if self.security is not None:
            properties |= self.security.server_properties(
                self.port, self.controller_port, self.tls_port, self.oauth
            )
        return properties

    def client_properties(self) -> dict[str, str]:
        """What a client needs besides the bootstrap servers: the super user's, if secured."""
        return {} if self.security is None else self.security.client_properties()

    # -- lifecycle -------------------------------------------------------------------------

    def status(self) -> BrokerStatus:
        """Whether the node of this data directory runs, and at which address it was started."""
        pid = self._recorded_pid()
        if pid is not None and self._is_our_process(pid):
            recorded = json.loads(self._state_file.read_text()).get("bootstrap", self.bootstrap)
            return BrokerStatus(True, str(recorded), self.data_dir, pid)
        return BrokerStatus(False, self.bootstrap, self.data_dir)

    def start(self, timeout: float = 90.0) -> BrokerStatus:
        """Start the node (fetching jars and formatting storage on first use) and wait until
        it answers metadata requests. Starting a running node only checks it answers."""
        current = self.status()
        if current.running:
            self._wait_ready(current.pid, timeout)
            return current
        process = self.launch()
        self._wait_ready(process.pid, timeout, process)
        return BrokerStatus(True, self.bootstrap, self.data_dir, process.pid)

    def launch(self) -> subprocess.Popen[bytes]:
        """Start the node's process without waiting for it (a node of a quorum answers only
        once enough of the others run)."""
        java = find_java(self.java_home)
        libs = ensure_kafka_jars(self.cache_dir)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        if self.security is not None:
            self.data_dir.chmod(0o700)
        self._write_properties()
        classpath = str(libs / "*")
        if not (self.log_dir / "meta.properties").exists():
            self._format(java, classpath)
        for port in (self.port, self.controller_port, *([self.tls_port] if self.tls_port else [])):
            # A node killed a moment ago may still hold its ports while the kernel closes
            # its sockets.
            deadline = time.monotonic() + 10
            while not port_is_free(port) and time.monotonic() < deadline:
                time.sleep(0.2)
            if not port_is_free(port):
                raise BrokerError(
                    f"port {port} on 127.0.0.1 is in use by another program: stop it or choose "
                    f"other ports (--port / --controller-port)"
                )
        command = [
            str(java),
            f"-Xmx{self.heap}",
            f"-Xms{self.heap}",
            *JVM_FLAGS,
            *(f"-D{k}={v}" for k, v in (self.oauth.jvm_properties() if self.oauth else {}).items()),
            f"-Dlog4j2.configurationFile={log4j_config()}",
            "-cp",
            classpath,
            "kafka.Kafka",
            str(self._properties_file),
        ]
        with self.log_file.open("ab") as log:
            process = subprocess.Popen(
                command,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        self._state_file.write_text(
            json.dumps({"pid": process.pid, "bootstrap": self.bootstrap}) + "\n"
        )
        if self.security is not None:
            self.security.write_client_properties()
        return process

    def wait_ready(self, timeout: float = 90.0) -> BrokerStatus:
        status = self.status()
        self._wait_ready(status.pid, timeout)
        return self.status()

    def stop(self, timeout: float = 60.0) -> bool:
        """Stop the node gracefully (SIGTERM, then SIGKILL after `timeout`).
        Returns False when it was not running."""
        pid = self._recorded_pid()
        if pid is None or not self._is_our_process(pid):
            self._state_file.unlink(missing_ok=True)
            return False
        terminate(pid, self._is_our_process, timeout)
        self._state_file.unlink(missing_ok=True)
        return True

    def kill(self) -> None:
        """SIGKILL the node at once, as a crash would."""
        pid = self._recorded_pid()
        if pid is not None and self._is_our_process(pid):
            os.kill(pid, signal.SIGKILL)
            while self._is_our_process(pid):
                reap(pid)
                time.sleep(0.05)
        self._state_file.unlink(missing_ok=True)

    # -- helpers ---------------------------------------------------------------------------

    def _write_properties(self) -> None:
        lines = [f"{k}={v}" for k, v in self.server_properties().items()]
        # A secured node's holds its listeners' passwords: readable by its owner only.
        self._properties_file.touch(mode=0o600, exist_ok=True)
        self._properties_file.chmod(0o600)
        self._properties_file.write_text(
            "# Written by `meshgov broker start`; rewritten at each start.\n"
            + "\n".join(lines)
            + "\n"
        )

    def _format(self, java: Path, classpath: str) -> None:
        arguments = [
            "-Xmx256m",
            f"-Dlog4j2.configurationFile={log4j_config()}",
            "-cp",
            classpath,
            "kafka.tools.StorageTool",
            "format",
            "-t",
            new_cluster_id() if self.quorum is None else self.quorum.cluster_id,
            "-c",
            str(self._properties_file),
            *(["--standalone"] if self.quorum is None else []),
            *(self.security.format_arguments() if self.security is not None else []),
        ]
        # The super user's password is one of them: in a Java argument file (read by the
        # launcher, readable by the owner only), never on a command line any `ps` shows.
        argfile = self.data_dir / "format.args"
        argfile.touch(mode=0o600, exist_ok=True)
        argfile.chmod(0o600)
        argfile.write_text("\n".join(_java_quoted(a) for a in arguments) + "\n")
        try:
            result = subprocess.run(
                [str(java), f"@{argfile}"],
                capture_output=True,
                text=True,
                timeout=120,
                check=False,
            )
        finally:
            argfile.unlink(missing_ok=True)
        if result.returncode != 0:
            raise BrokerError(
                f"formatting KRaft storage in {self.log_dir} failed (exit {result.returncode}): "
                f"{(result.stderr or result.stdout).strip()[-2000:]}"
            )

    def _wait_ready(
        self, pid: int | None, timeout: float, process: subprocess.Popen[bytes] | None = None
    ) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if process is not None and process.poll() is not None:
                self._state_file.unlink(missing_ok=True)
                raise BrokerError(
                    f"the Kafka broker exited with code {process.returncode} while starting; "
                    f"the end of {self.log_file}:\n{self._log_tail()}"
                )
            if pid is not None and not self._is_our_process(pid):
                raise BrokerError(f"the Kafka broker (pid {pid}) is gone:\n{self._log_tail()}")
            if answers_metadata(self.bootstrap, 1.0, self.client_properties()):
                return
            time.sleep(0.2)
        raise BrokerError(
            f"the Kafka broker did not answer on {self.bootstrap} within {timeout:.0f}s; the end "
            f"of {self.log_file}:\n{self._log_tail()}"
        )

    def _log_tail(self, lines: int = 20) -> str:
        try:
            return "\n".join(self.log_file.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def _recorded_pid(self) -> int | None:
        try:
            return int(json.loads(self._state_file.read_text())["pid"])
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def _is_our_process(self, pid: int) -> bool:
        """The Kafka node of this data directory runs as `pid`."""
        wanted = (b"kafka.Kafka", str(self._properties_file).encode())
        return running_with(pid, lambda args: all(w in b"\0".join(args) for w in wanted))
