"""The one settings object of a meshgov process: how it reaches its cluster, names its
topics, and where it keeps its data.

Every entry point builds it once (`Settings.load(...)`) and passes it down; nothing else in
meshgov reads the environment. Values come, first wins, from explicit arguments, MESHGOV_*
variables (KAFKA_BOOTSTRAP_SERVERS too), then defaults. Kafka client properties (SASL, SSL,
...) keep Kafka's own names, from the properties file named by MESHGOV_CLIENT_CONFIG and
from MESHGOV_KAFKA_* variables (MESHGOV_KAFKA_SECURITY_PROTOCOL=SASL_SSL is
security.protocol=SASL_SSL; variables win over the file); they are kept as secrets. The
file's `bootstrap.servers` is the cluster when no other setting names one. The
Schema Registry's URL and basic-auth user info come from MESHGOV_SCHEMA_REGISTRY_URL and
MESHGOV_SCHEMA_REGISTRY_USER_INFO, else from that file's `schema.registry.url` and
`basic.auth.user.info` (the registry client's own names), which never reach Kafka clients."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any

from pydantic import AliasChoices, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from meshgov.kafka.topics import MESH_TOPICS, TopicSpec

DEFAULT_CHECKS = ("compatibility", "pii", "policy", "sla")
KAFKA_ENV_PREFIX = "MESHGOV_KAFKA_"
# Client properties that configure the Schema Registry client, as Confluent's client
# properties files name them, and the settings they fill.
REGISTRY_PROPERTIES = {
    "schema.registry.url": "schema_registry_url",
    "basic.auth.user.info": "schema_registry_user_info",
    "schema.registry.basic.auth.user.info": "schema_registry_user_info",
}


def read_properties(path: Path) -> dict[str, str]:
    """A Java-style properties file (key=value lines, # and ! comments)."""
    properties = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        text = line.strip()
        if not text or text.startswith(("#", "!")):
            continue
        key, separator, value = text.partition("=")
        if not separator:
            raise ValueError(f"{path}, line {number}: expected key=value, got {text!r}")
        properties[key.strip()] = value.strip()
    return properties


def _xdg(variable: str, fallback: str) -> Path:
    base = os.environ.get(variable) or str(Path.home() / fallback)
    return Path(base) / "meshgov"


def child_environment(extra: Mapping[str, str], drop: tuple[str, ...] = ()) -> dict[str, str]:
    """The environment of a process meshgov starts: this process's but for the variables
    named or prefixed by `drop`, with `extra` on top."""
    kept = {k: v for k, v in os.environ.items() if not (drop and k.startswith(drop))}
    return {**kept, **extra}


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="MESHGOV_", frozen=True, extra="ignore", populate_by_name=True
    )

    bootstrap: str = Field(
        "",
        validation_alias=AliasChoices(
            "bootstrap", "MESHGOV_BOOTSTRAP_SERVERS", "KAFKA_BOOTSTRAP_SERVERS"
        ),
    )
    # Prepended to every mesh.* topic and consumer group: several meshes (or test runs)
    # can share one cluster without seeing each other.
    topic_prefix: str = ""
    partitions: int = Field(3, ge=1)
    replication_factor: int = Field(1, ge=1)
    policy_path: str | None = Field(
        None, validation_alias=AliasChoices("policy_path", "MESHGOV_POLICY")
    )
    pii_clean_window_seconds: float = 600.0  # a PII leak resolves after this long clean
    required_checks: Annotated[tuple[str, ...], NoDecode] = DEFAULT_CHECKS
    verdict_timeout_seconds: float = 30.0  # a silent required check rejects (fail closed)
    quality_window_seconds: float = 60.0  # streaming quality rules judge windows this long
    home: Path = Field(default_factory=lambda: _xdg("XDG_DATA_HOME", ".local/share"))
    cache: Path = Field(default_factory=lambda: _xdg("XDG_CACHE_HOME", ".cache"))
    client_config: Path | None = None
    # `meshgov up`: one `<user>.properties` per principal (meshgov.broker.accounts); each
    # component connects with its own where there is one, else with client_config.
    client_config_dir: Path | None = None
    kafka: dict[str, SecretStr] = Field(default_factory=dict)
    java_home: Path | None = Field(None, validation_alias=AliasChoices("java_home", "JAVA_HOME"))
    # Any Confluent-compatible registry: Confluent, Karapace, Redpanda, Apicurio's
    # .../apis/ccompat/v7.
    schema_registry_url: str = ""
    schema_registry_user_info: SecretStr | None = None  # "user:password", basic auth
    registry_watch_seconds: float = Field(30.0, gt=0)  # governed subjects read back this often
    local_registry: bool = True  # unconfigured: use the local registry kept in this Kafka
    debug: bool = False  # tracebacks of internal errors
    # Prometheus: a process serves /metrics on this port when set; `meshgov up` serves its
    # own on metrics_base_port and gives its processors the ports after it (0: none of it);
    # per-port series up to metrics_port_series ports.
    metrics_port: int | None = Field(None, ge=0, le=65535)
    metrics_host: str = "127.0.0.1"
    metrics_base_port: int = Field(9400, ge=0, le=65400)
    metrics_port_series: int = Field(1000, ge=1)
    consumer_stats_ms: int = Field(10_000, ge=0)  # librdkafka statistics: consumer lag
    # OpenLineage: the client's own config file (openlineage.yml) and the jobs' namespace.
    openlineage_config: Path | None = None
    openlineage_namespace: str = "meshgov"
    # The dashboard: who may use it (meshgov.dashboard.guard) and the key it signs with.
    dashboard_tokens_file: Path | None = None  # lines "TOKEN USER"
    dashboard_proxy_header: str | None = None  # e.g. X-Forwarded-User, set by a proxy
    dashboard_trusted_proxies: Annotated[tuple[str, ...], NoDecode] = ()  # its addresses
    dashboard_allowed_hosts: Annotated[tuple[str, ...], NoDecode] = ()  # names it serves as
    dashboard_signing_key: Path | None = None  # registrations signed on behalf of users

    @field_validator(
        "required_checks",
        "dashboard_trusted_proxies",
        "dashboard_allowed_hosts",
        mode="before",
    )
    @classmethod
    def _comma_separated(cls, value: Any) -> Any:
        if isinstance(value, str):
            return tuple(check.strip() for check in value.split(",") if check.strip())
        return value

    @model_validator(mode="before")
    @classmethod
    def _client_properties(cls, data: Any) -> Any:
        """Kafka client properties: the file's, then MESHGOV_KAFKA_* variables, then any
        given explicitly; the Schema Registry's among them fill its settings instead."""
        if not isinstance(data, dict):
            return data
        properties: dict[str, Any] = {}
        config = data.get("client_config") or os.environ.get("MESHGOV_CLIENT_CONFIG")
        if config:
            properties.update(read_properties(Path(config)))
        for name, value in os.environ.items():
            if name.startswith(KAFKA_ENV_PREFIX):
                properties[name[len(KAFKA_ENV_PREFIX) :].lower().replace("_", ".")] = value
        properties.update(data.get("kafka") or {})
        registry: dict[str, Any] = {}
        # A client properties file names its cluster too; any other setting of it wins.
        if servers := properties.pop("bootstrap.servers", None):
            registry["bootstrap"] = servers
        for key in list(properties):
            if key in REGISTRY_PROPERTIES:
                registry.setdefault(REGISTRY_PROPERTIES[key], properties.pop(key))
            elif key.startswith(("schema.registry.", "basic.auth.")):
                properties.pop(key)  # e.g. basic.auth.credentials.source: not Kafka's
        given = {key: value for key, value in data.items() if value or key != "bootstrap"}
        return {**registry, **given, "kafka": properties}

    @classmethod
    def load(cls, **explicit: Any) -> Settings:
        """Settings from explicit values (None means not given), the environment and
        defaults."""
        return cls(**{key: value for key, value in explicit.items() if value is not None})

    def kafka_properties(self) -> dict[str, str]:
        """The client properties in Kafka's names, secrets revealed: for building clients."""
        return {key: value.get_secret_value() for key, value in self.kafka.items()}

    def schema_registry_config(self) -> dict[str, str]:
        """The Schema Registry client's configuration in its own names, secrets revealed."""
        config = {"url": self.schema_registry_url}
        if self.schema_registry_user_info is not None:
            config["basic.auth.user.info"] = self.schema_registry_user_info.get_secret_value()
        return config

    def topic(self, name: str) -> str:
        return f"{self.topic_prefix}{name}"

    def group(self, name: str) -> str:
        """A consumer group of this mesh."""
        return f"{self.topic_prefix}meshgov-{name}"

    def topic_specs(self) -> list[TopicSpec]:
        return [spec.renamed(self.topic(spec.name)) for spec in MESH_TOPICS]

    def with_bootstrap(self, bootstrap: str) -> Settings:
        return self.model_copy(update={"bootstrap": bootstrap})

    def with_client_properties(self, properties: Mapping[str, str]) -> Settings:
        """The same settings connecting with these Kafka client properties instead."""
        kafka = {key: SecretStr(value) for key, value in properties.items()}
        return self.model_copy(update={"kafka": kafka})

    def with_schema_registry(self, url: str) -> Settings:
        return self.model_copy(update={"schema_registry_url": url})

    @property
    def state_dir(self) -> Path:
        """Where the stream processors keep their local state (RocksDB)."""
        return self.home / "state"

    @property
    def log_dir(self) -> Path:
        return self.home / "logs"
