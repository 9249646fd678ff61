"""How a meshgov process reaches its cluster and names its topics."""

from __future__ import annotations

import os
from dataclasses import dataclass, replace

from meshgov.kafka.cluster import resolve_bootstrap
from meshgov.kafka.topics import MESH_TOPICS, TopicSpec

DEFAULT_CHECKS = ("compatibility", "pii", "policy", "sla")


@dataclass(frozen=True)
class Settings:
    bootstrap: str
    # Prepended to every mesh.* topic and consumer group: several meshes (or test runs)
    # can share one cluster without seeing each other.
    topic_prefix: str = ""
    partitions: int = 3
    replication_factor: int = 1
    policy_path: str | None = None  # the global governance policy file
    pii_clean_window_seconds: float = 600.0  # a PII leak resolves after this long clean
    required_checks: tuple[str, ...] = DEFAULT_CHECKS
    verdict_timeout_seconds: float = 30.0  # a silent required check rejects (fail closed)
    quality_window_seconds: float = 60.0  # streaming quality rules judge windows this long

    def topic(self, name: str) -> str:
        return f"{self.topic_prefix}{name}"

    def topic_specs(self) -> list[TopicSpec]:
        return [replace(spec, name=self.topic(spec.name)) for spec in MESH_TOPICS]

    @classmethod
    def from_environment(
        cls,
        bootstrap: str | None = None,
        topic_prefix: str | None = None,
        partitions: int | None = None,
        replication_factor: int | None = None,
    ) -> Settings:
        """Explicit values first, then MESHGOV_* variables, then defaults."""
        env = os.environ
        return cls(
            bootstrap=resolve_bootstrap(bootstrap),
            topic_prefix=topic_prefix
            if topic_prefix is not None
            else env.get("MESHGOV_TOPIC_PREFIX", ""),
            partitions=partitions or int(env.get("MESHGOV_PARTITIONS", "3")),
            replication_factor=replication_factor
            or int(env.get("MESHGOV_REPLICATION_FACTOR", "1")),
            policy_path=env.get("MESHGOV_POLICY") or None,
            pii_clean_window_seconds=float(env.get("MESHGOV_PII_CLEAN_WINDOW_SECONDS", "600")),
            required_checks=tuple(
                c.strip()
                for c in env.get("MESHGOV_REQUIRED_CHECKS", ",".join(DEFAULT_CHECKS)).split(",")
                if c.strip()
            ),
            verdict_timeout_seconds=float(env.get("MESHGOV_VERDICT_TIMEOUT_SECONDS", "30")),
            quality_window_seconds=float(env.get("MESHGOV_QUALITY_WINDOW_SECONDS", "60")),
        )
