"""The whole mesh on one machine: a broker (the configured cluster, else the local one,
started if needed), a Schema Registry (the configured one, else the local one, its schemas
kept in the mesh's Kafka), the topics, every processor and the catalog API, supervised."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import sys
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import TracebackType

from meshgov import metrics
from meshgov.broker.accounts import (
    component_principal,
    deprovision,
    mesh_principals,
    properties_file,
    provision,
    user_name,
)
from meshgov.broker.errors import BrokerError
from meshgov.broker.local import LocalBroker
from meshgov.kafka.acls import DELIVERY_SERVICES
from meshgov.kafka.admin import TopicAdmin
from meshgov.kafka.clients import KafkaClients
from meshgov.kafka.cluster import default_local_broker, default_local_registry
from meshgov.kafka.lag import LagProbe
from meshgov.lineage import configured as lineage_configured
from meshgov.models.policy import Principals, load_policy
from meshgov.processors.registry import PROCESSORS
from meshgov.registry.errors import RegistryError
from meshgov.registry.local import LocalRegistry
from meshgov.settings import Settings, read_properties
from meshgov.supervisor import Child, Component, Event, Supervisor

log = logging.getLogger("meshgov.mesh")

LAG_EVERY = 5.0
REGISTRY_READY_TIMEOUT = 120.0


@dataclass(frozen=True)
class MeshOptions:
    settings: Settings  # no bootstrap: the local broker, started if needed
    catalog_port: int = 8081
    dashboard_port: int = 8080
    log_dir: Path | None = None
    env: tuple[tuple[str, str], ...] = ()
    registry: bool = True  # start the local registry when none is configured
    # The secured local broker (SASL_SSL, ACLs), every component as its own principal.
    secure: bool = False
    # beside the policy's (the demo's own) and, on leaving, removed with their ACLs
    principals: Principals = field(default_factory=Principals)
    forget_principals: bool = False


def metrics_ports(settings: Settings) -> dict[str, int]:
    """Where `meshgov up` and its components serve /metrics: the base port for itself, the
    ports after it for the processors in order, then the alerts router and the lineage
    emitter; none when the base port is 0. The catalog API and the dashboard serve /metrics
    on their own ports."""
    base = settings.metrics_base_port
    if not base:
        return {}
    names = [*PROCESSORS, "alerts", "lineage"]
    return {"up": base, **{name: base + 1 + i for i, name in enumerate(names)}}


def _metrics_env(port: int | None) -> dict[str, str]:
    return {"MESHGOV_METRICS_PORT": str(port)} if port else {}


def components(
    settings: Settings,
    catalog_port: int,
    dashboard_port: int,
    metrics_ports: dict[str, int] | None = None,
    principals: Principals | None = None,
    require_own: bool = False,
) -> list[Component]:
    """The processes of the mesh. With `principals` and a directory of their properties
    files (settings.client_config_dir), each connects with its own (each must, when
    `require_own`)."""
    metrics_ports = metrics_ports or {}
    connection = [
        "--bootstrap-servers",
        settings.bootstrap,
        "--topic-prefix",
        settings.topic_prefix,
    ]
    meshgov = [sys.executable, "-m", "meshgov"]
    running = [
        name
        for name, processor in PROCESSORS.items()
        if settings.schema_registry_url or not processor.needs_registry
    ]
    found = [
        Component(
            name,
            [*meshgov, "run", name, *connection, "--log-level", "info"],
            ready_marker="Ready",
            consumer_group=settings.group(name),
            env=_metrics_env(metrics_ports.get(name)),
        )
        for name in running
    ]
    if settings.policy_path and load_policy(settings.policy_path).alerts.routes:
        found.append(
            Component(
                "alerts",
                [*meshgov, "alerts", "run", *connection],
                ready_marker="Ready: alerts",
                consumer_group=settings.group("alerts"),
                env=_metrics_env(metrics_ports.get("alerts")),
                restart_when_stalled=False,  # it retries a receiver that is down
            )
        )
    if lineage_configured(settings):
        found.append(
            Component(
                "lineage",
                [*meshgov, "lineage", "run", *connection],
                ready_marker="Ready: lineage",
                consumer_group=settings.group("lineage"),
                env=_metrics_env(metrics_ports.get("lineage")),
                restart_when_stalled=False,
            )
        )
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
    if principals is None or settings.client_config_dir is None:
        return found
    return [
        _own_client_config(c, settings.client_config_dir, principals, require_own) for c in found
    ]


def _own_client_config(
    component: Component, directory: Path, principals: Principals, required: bool
) -> Component:
    principal = component_principal(principals, component.name)
    path = properties_file(directory, principal) if principal else None
    if path is None or not path.exists():
        if required:  # never the mesh's own, more privileged, credentials instead
            raise BrokerError(f"{component.name}: no client properties for {principal}")
        return component
    return replace(component, env={**component.env, "MESHGOV_CLIENT_CONFIG": str(path)})


class LocalMesh:
    """Start with `with LocalMesh(options, on_event) as mesh:`; everything stops on exit,
    the local broker too if this mesh started it (its data stays for the next start)."""

    def __init__(self, options: MeshOptions, on_event: Event | None = None) -> None:
        self.options = options
        self.on_event = on_event
        self.broker: LocalBroker | None = None
        self.started_broker = False
        self.registry: LocalRegistry | None = None  # the local one, if this mesh started it
        self.registry_note = ""  # why the mesh runs without a registry, if it does
        self.settings: Settings | None = None
        self.supervisor: Supervisor | None = None
        self.metrics_urls: dict[str, str] = {}  # component -> its /metrics
        self.principals: Principals | None = None  # when each component has its own
        self._administration: Settings | None = None  # the super user's, on a secured broker
        self._lag: LagProbe | None = None
        self._last_lag = 0.0

    @property
    def catalog_url(self) -> str:
        return f"http://127.0.0.1:{self.options.catalog_port}/products"

    @property
    def dashboard_url(self) -> str:
        return f"http://127.0.0.1:{self.options.dashboard_port}/"

    def __enter__(self) -> LocalMesh:
        try:
            return self._start()
        except BaseException:  # Ctrl-C too: nothing this mesh started is left running
            self.__exit__(None, None, None)
            raise

    def _start(self) -> LocalMesh:
        settings = self.options.settings
        if self.options.secure and settings.bootstrap:
            raise BrokerError(
                "--secure runs the mesh on the secured local broker; on a configured cluster, "
                "hand each component its principal's properties (MESHGOV_CLIENT_CONFIG_DIR)"
            )
        if not settings.bootstrap:
            self.broker = default_local_broker(settings, secure=self.options.secure)
            status = self.broker.status()
            if not status.running:
                self.started_broker = True  # stopped on leaving even if its start fails
                status = self.broker.start()
            settings = settings.with_bootstrap(status.bootstrap)
            if self.broker.security is not None:  # the super user administers, only
                settings = settings.with_client_properties(self.broker.client_properties())
        settings, self.principals = self._principals(settings)
        env = dict(self.options.env)
        if not settings.schema_registry_url and self.options.registry:
            settings = self._local_registry(settings)
        if settings.schema_registry_url:
            env["MESHGOV_SCHEMA_REGISTRY_URL"] = settings.schema_registry_url
        else:  # nor may the processors find a local one: they write as the mesh does
            env["MESHGOV_LOCAL_REGISTRY"] = "false"
        self.settings = settings
        clients = KafkaClients(settings)
        TopicAdmin(clients).ensure(
            settings.topic_specs(), settings.partitions, settings.replication_factor
        )
        if self.registry is not None:
            self.registry.wait_ready(REGISTRY_READY_TIMEOUT)
        groups = {
            settings.group(name): processor.input_topics(settings)
            for name, processor in PROCESSORS.items()
            if settings.schema_registry_url or not processor.needs_registry
        }
        # The alerts router and the lineage emitter keep their progress in groups too.
        for name, topics in DELIVERY_SERVICES.items():
            groups[settings.group(name)] = [settings.topic(t) for t in topics]
        self._lag = LagProbe(clients, groups)
        log_dir = self.options.log_dir or settings.log_dir
        ports = metrics_ports(settings)
        self.supervisor = Supervisor(
            components(
                self.settings,
                self.options.catalog_port,
                self.options.dashboard_port,
                ports,
                self.principals,
                require_own=self._secured,
            ),
            log_dir,
            env,
            self._event,
            # each component's own credentials, never a shell's overriding them
            drop_env=("MESHGOV_KAFKA_", "MESHGOV_CLIENT_CONFIG") if self._secured else (),
        )
        self.metrics_urls = self._serve_metrics(settings, ports)
        self.supervisor.start_all()
        self._write_state()
        return self

    def _principals(self, settings: Settings) -> tuple[Settings, Principals | None]:
        """Who each component connects as. On the secured local broker every principal is
        made first (user, password, properties file, ACLs) and the settings point at their
        files; elsewhere a configured MESHGOV_CLIENT_CONFIG_DIR holds them."""
        security = self.broker.security if self.broker is not None else None
        if security is None and settings.client_config_dir is None:
            return settings, None
        try:
            # A mesh whose principals leave with it (the demo's) uses only its own: it must
            # never take over, and then remove, those of the policy another mesh uses.
            configured = (
                Principals() if self.options.forget_principals else self._policy_principals()
            )
            principals = mesh_principals(
                configured,
                self.options.principals,
                registry=security is not None
                and self.options.registry
                and not settings.schema_registry_url,
            )
            if security is None:
                return settings, principals
            self._administration = settings  # from here on, there may be users to remove
            directory = provision(security, settings, principals)
        except ValueError as error:
            raise BrokerError(f"the mesh's principals: {error}") from None
        return settings.model_copy(update={"client_config_dir": directory}), principals

    @property
    def _secured(self) -> bool:
        return self.broker is not None and self.broker.security is not None

    def _policy_principals(self) -> Principals:
        policy_path = self.options.settings.policy_path
        return load_policy(policy_path).principals if policy_path else Principals()

    def settings_as(self, principal: str) -> Settings:
        """The mesh's settings connecting as `principal` (its properties file), or as the
        mesh's own where it has none."""
        assert self.settings is not None
        directory = self.settings.client_config_dir
        if directory is None or not (path := properties_file(directory, principal)).exists():
            if self._secured:
                raise BrokerError(f"no client properties for {principal}")
            return self.settings
        properties = read_properties(path)
        properties.pop("bootstrap.servers", None)
        return self.settings.with_client_properties(properties)

    def _serve_metrics(self, settings: Settings, ports: dict[str, int]) -> dict[str, str]:
        """Its own /metrics (the components' states, restarts and lag) and every
        component's URL. A port already taken leaves the mesh without its metrics, never
        without the mesh."""
        urls = {
            "catalog-api": f"http://127.0.0.1:{self.options.catalog_port}/metrics",
            "dashboard": f"http://127.0.0.1:{self.options.dashboard_port}/metrics",
        }
        if not ports:
            return urls
        supervisor = self.supervisor
        assert supervisor is not None
        metrics.register("components", metrics.Components(lambda: list(supervisor.children)))
        host = settings.metrics_host
        try:
            metrics.serve(host, ports["up"])
        except OSError as error:
            log.warning("no /metrics for meshgov up on port %d: %s", ports["up"], error)
        else:
            urls["up"] = f"http://{host}:{ports['up']}/metrics"
        running = {c.component.name for c in supervisor.children}
        urls.update(
            {
                name: f"http://{host}:{port}/metrics"
                for name, port in ports.items()
                if name in running
            }
        )
        return urls

    def _local_registry(self, settings: Settings) -> Settings:
        """The settings with the local registry's URL: the running one, else one launched
        now (waited for after the topics are made); unchanged, with a note, where none can
        run."""
        protocol = settings.kafka_properties().get("security.protocol", "PLAINTEXT").upper()
        security = self.broker.security if self.broker is not None else None
        java_properties: dict[str, str] | None = None
        if security is not None and self.principals is not None and self.principals.registry:
            # its own principal, which may use only its own topics and groups
            user = user_name(self.principals.registry)
            [password] = security.user_passwords([user]).values()
            java_properties = security.java_client_properties(user, password)
        elif protocol != "PLAINTEXT":
            self.registry_note = (
                f"no local Schema Registry on a {protocol} cluster meshgov did not start (its "
                f"kafkasql storage would need credentials): configure "
                f"MESHGOV_SCHEMA_REGISTRY_URL"
            )
            return settings
        node = default_local_registry(settings, settings.bootstrap, java_properties)
        try:
            status = node.status()
            if not status.running:
                node.launch()
                self.registry = node
                return settings.with_schema_registry(node.status().url)
        except RegistryError as error:
            self.registry_note = f"no Schema Registry: {error}"
            return settings
        if status.storage != "kafkasql" or status.bootstrap != settings.bootstrap:
            # Other commands would not find it for this mesh (meshgov.kafka.cluster.resolve).
            self.registry_note = (
                f"no Schema Registry: the local one in {status.data_dir} keeps its schemas "
                f"{'in memory' if status.storage == 'memory' else 'in ' + str(status.bootstrap)}"
                f", not in this mesh's Kafka: stop it (meshgov registry stop) or configure "
                f"MESHGOV_SCHEMA_REGISTRY_URL"
            )
            return settings
        return settings.with_schema_registry(status.url)

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
            "schema_registry_url": self.settings.schema_registry_url if self.settings else None,
            "topic_prefix": self.options.settings.topic_prefix,
            "catalog_url": self.catalog_url,
            "dashboard_url": self.dashboard_url,
            "metrics_urls": self.metrics_urls,
            "components": {
                c.component.name: {"pid": c.pid, "state": c.state.value, "starts": c.starts}
                for c in self.supervisor.children
            },
        }
        path = self.options.settings.home / "up.json"
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
            # Lag is informative: a broker slow to answer is not a reason to stop.
            if self._lag is not None:
                with contextlib.suppress(Exception):
                    self.supervisor.record_lag(self._lag.group_lags())

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
        if self._lag is not None:
            self._lag.close()
            self._lag = None
        if self.registry is not None:
            self.registry.stop()
        security = self.broker.security if self.broker is not None else None
        administration = self._administration
        if self.options.forget_principals and security is not None and administration:
            try:
                deprovision(security, administration)
            except Exception as error:  # noqa: BLE001 - leftovers are logged, never a crash
                log.warning("the mesh's principals were not all removed: %s", error)
        if self.broker is not None and self.started_broker:
            self.broker.stop()
