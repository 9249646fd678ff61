"""The whole mesh on one machine: a broker (the configured cluster, else the local one,
started if needed), the topics, every processor and the catalog API, supervised."""

from __future__ import annotations

import contextlib
import json
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

from meshgov.broker.local import LocalBroker
from meshgov.kafka.admin import TopicAdmin
from meshgov.kafka.cluster import configured_bootstrap, default_local_broker
from meshgov.kafka.lag import group_lags
from meshgov.paths import data_home
from meshgov.settings import Settings
from meshgov.supervisor import Child, Component, Event, Supervisor

PROCESSORS = ("compatibility", "pii", "policy", "freshness", "quality", "verdicts", "catalog")
LAG_EVERY = 5.0


@dataclass(frozen=True)
class MeshOptions:
    bootstrap: str | None = None  # None: configured cluster, else the local broker
    topic_prefix: str = ""
    catalog_port: int = 8081
    dashboard_port: int = 8080
    log_dir: Path | None = None
    env: tuple[tuple[str, str], ...] = ()


def components(settings: Settings, catalog_port: int, dashboard_port: int) -> list[Component]:
    connection = [
        "--bootstrap-servers",
        settings.bootstrap,
        "--topic-prefix",
        settings.topic_prefix,
    ]
    meshgov = [sys.executable, "-m", "meshgov"]
    found = [
        Component(
            name,
            [*meshgov, "run", name, *connection, "--log-level", "info"],
            ready_marker="Ready",
            consumer_group=f"{settings.topic_prefix}meshgov-{name}",
        )
        for name in PROCESSORS
    ]
    found.append(
        Component(
            "catalog-api",
            [*meshgov, "catalog", "serve", "--port", str(catalog_port), *connection],
            ready_marker="catalog API on",
        )
    )
    found.append(
        Component(
            "dashboard",
            [*meshgov, "run", "dashboard", "--port", str(dashboard_port), *connection],
            ready_marker="dashboard on",
        )
    )
    return found


class LocalMesh:
    """Start with `with LocalMesh(options, on_event) as mesh:`; everything stops on exit,
    the local broker too if this mesh started it (its data stays for the next start)."""

    def __init__(self, options: MeshOptions, on_event: Event | None = None) -> None:
        self.options = options
        self.on_event = on_event
        self.broker: LocalBroker | None = None
        self.started_broker = False
        self.settings: Settings | None = None
        self.supervisor: Supervisor | None = None
        self._last_lag = 0.0

    @property
    def catalog_url(self) -> str:
        return f"http://127.0.0.1:{self.options.catalog_port}/products"

    @property
    def dashboard_url(self) -> str:
        return f"http://127.0.0.1:{self.options.dashboard_port}/"

    def __enter__(self) -> LocalMesh:
        bootstrap = self.options.bootstrap or configured_bootstrap()
        if bootstrap is None:
            self.broker = default_local_broker()
            status = self.broker.status()
            if not status.running:
                status = self.broker.start()
                self.started_broker = True
            bootstrap = status.bootstrap
        self.settings = Settings.from_environment(bootstrap, self.options.topic_prefix)
        TopicAdmin(bootstrap).ensure(
            self.settings.topic_specs(),
            self.settings.partitions,
            self.settings.replication_factor,
        )
        log_dir = self.options.log_dir or data_home() / "logs"
        self.supervisor = Supervisor(
            components(self.settings, self.options.catalog_port, self.options.dashboard_port),
            log_dir,
            dict(self.options.env),
            self._event,
        )
        self.supervisor.start_all()
        self._write_state()
        return self

    def _event(self, child: Child, what: str) -> None:
        self._write_state()
        if self.on_event is not None:
            self.on_event(child, what)

    def _write_state(self) -> None:
        """$MESHGOV_HOME/up.json: the components' pids and states, for scripts and tests."""
        if self.supervisor is None:
            return
        state = {
            "pid": os.getpid(),
            "bootstrap": self.settings.bootstrap if self.settings else None,
            "topic_prefix": self.options.topic_prefix,
            "catalog_url": self.catalog_url,
            "dashboard_url": self.dashboard_url,
            "components": {
                c.component.name: {"pid": c.pid, "state": c.state.value, "starts": c.starts}
                for c in self.supervisor.children
            },
        }
        path = data_home() / "up.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(".tmp")
        temporary.write_text(json.dumps(state, indent=2))
        temporary.replace(path)

    def step(self) -> None:
        """Watch once: readiness, crashes, restarts, and now and then consumer lag."""
        assert self.supervisor is not None
        assert self.settings is not None
        self.supervisor.poll()
        now = time.monotonic()
        if now - self._last_lag >= LAG_EVERY:
            self._last_lag = now
            groups = [
                c.component.consumer_group
                for c in self.supervisor.children
                if c.component.consumer_group
            ]
            # Lag is informative: a broker slow to answer is not a reason to stop.
            with contextlib.suppress(Exception):
                self.supervisor.record_lag(group_lags(self.settings.bootstrap, groups))

    def ready(self) -> bool:
        assert self.supervisor is not None
        return all(c.state.value in ("ready", "lagging") for c in self.supervisor.children)

    def wait_ready(self, timeout: float = 180.0) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.step()
            if self.ready():
                return True
            time.sleep(0.2)
        return False

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if self.supervisor is not None:
            self.supervisor.stop_all()
            self._write_state()
        if self.broker is not None and self.started_broker:
            self.broker.stop()
