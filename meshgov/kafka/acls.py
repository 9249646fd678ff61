"""Least-privilege ACLs for a mesh, derived from the policy file's principals: domain
producers write registrations, outputs and their own product topics; each processor's
principal reads what it consumes and writes only what it emits, its own internal and
changelog topics and consumer groups; consumers read verdicts, breaches and the catalog.
`desired_acls` is pure; `AclAdmin` reads and changes a cluster's ACLs. In Kafka's own
terms, so the same ACLs hold on any cluster with an authorizer."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from meshgov.kafka.topics import (
    CATALOG,
    DEAD_LETTERS,
    OUTPUTS,
    REGISTRATIONS,
    SLA_BREACHES,
    VERDICTS,
)
from meshgov.models.policy import Principals
from meshgov.settings import Settings

if TYPE_CHECKING:
    from confluent_kafka.admin import AdminClient

    from meshgov.processors.spec import Processor

ANY_TOPIC = "*"


@dataclass(frozen=True, order=True)
class Acl:
    """One ALLOW rule for any host."""

    principal: str  # User:name
    resource: str  # TOPIC, GROUP, CLUSTER
    pattern: str  # LITERAL, PREFIXED
    name: str
    operation: str  # READ, WRITE, DESCRIBE, CREATE, ALL

    def describe(self) -> str:
        return f"{self.principal} {self.operation} {self.resource} {self.pattern} {self.name}"


def processor_principal(principals: Principals, name: str) -> str:
    return principals.processors.get(name, f"User:meshgov-{name}")


def _reads(principal: str, topics: list[str]) -> set[Acl]:
    return {Acl(principal, "TOPIC", "LITERAL", t, "READ") for t in topics}


def _writes(principal: str, topics: list[str]) -> set[Acl]:
    return {Acl(principal, "TOPIC", "LITERAL", t, "WRITE") for t in topics}


def _reader_groups(principal: str) -> set[Acl]:
    """Its own reader groups only (meshgov.kafka.clients.reader_group_prefix)."""
    user = principal.removeprefix("User:")
    return {Acl(principal, "GROUP", "PREFIXED", f"meshgov-reader-{user}-", "READ")}


def processor_acls(settings: Settings, principals: Principals, spec: Processor[Any]) -> set[Acl]:
    principal = processor_principal(principals, spec.name)
    group = settings.group(spec.name)
    inputs = [settings.topic(t) for t in spec.inputs]
    outputs = [settings.topic(t) for t in (*spec.outputs, DEAD_LETTERS)]
    acls = _reads(principal, inputs) | _writes(principal, outputs)
    # Quix Streams reads the configs of the topics a stream uses
    acls |= {Acl(principal, "TOPIC", "LITERAL", t, "DESCRIBE_CONFIGS") for t in inputs + outputs}
    acls |= {
        # its signals, schedule and effects topics, and Quix Streams' changelogs
        Acl(principal, "TOPIC", "PREFIXED", settings.topic(f"meshgov-{spec.name}-"), "ALL"),
        Acl(principal, "TOPIC", "PREFIXED", f"changelog__{group}", "ALL"),
        # its stream's group and those of its sidecars (-ticker, -streams, -effects, -watch)
        Acl(principal, "GROUP", "PREFIXED", group, "READ"),
    }
    if spec.reads_ports:
        # the domains' product topics where the policy names them (the policy check keeps
        # every streaming port under its domain's prefixes), else any topic
        prefixes = [p for d in principals.domains.values() for p in d.topics if p]
        if prefixes:
            acls |= {Acl(principal, "TOPIC", "PREFIXED", p, "READ") for p in prefixes}
        else:
            acls |= _reads(principal, [ANY_TOPIC])
    return acls


# What the services beside the processors read (beside the catalog, read in full) and the
# group their progress is kept in: the alerts router and the lineage emitter.
DELIVERY_SERVICES = {
    "alerts": (SLA_BREACHES, VERDICTS),
    "lineage": (OUTPUTS, SLA_BREACHES),
}


def delivery_acls(settings: Settings, principals: Principals, name: str) -> set[Acl]:
    principal = processor_principal(principals, name)
    reads = [settings.topic(t) for t in (CATALOG, *DELIVERY_SERVICES[name])]
    return (
        _reads(principal, reads)
        | _writes(principal, [settings.topic(DEAD_LETTERS)])
        | {Acl(principal, "GROUP", "LITERAL", settings.group(name), "READ")}
        | _reader_groups(principal)  # the catalog, read in a group of its own
    )


def desired_acls(settings: Settings, principals: Principals) -> set[Acl]:
    from meshgov.processors.registry import PROCESSORS

    acls: set[Acl] = set()
    for spec in PROCESSORS.values():
        acls |= processor_acls(settings, principals, spec)
    for name in DELIVERY_SERVICES:
        acls |= delivery_acls(settings, principals, name)
    _check_prefixes(settings, principals)
    for domain in principals.domains.values():
        acls |= _writes(domain.principal, [settings.topic(REGISTRATIONS), settings.topic(OUTPUTS)])
        acls |= {
            Acl(domain.principal, "TOPIC", "PREFIXED", prefix, operation)
            for prefix in domain.topics
            for operation in ("WRITE", "READ")
        }
        acls |= _reads(domain.principal, [settings.topic(VERDICTS)])  # to wait for its verdict
        acls |= _reader_groups(domain.principal)
    for consumer in (*principals.consumers, principals.dashboard, principals.catalog):
        if consumer:
            acls |= _reads(consumer, [settings.topic(t) for t in (VERDICTS, SLA_BREACHES, CATALOG)])
            acls |= _reader_groups(consumer)
    if principals.dashboard:
        acls |= _writes(principals.dashboard, [settings.topic(REGISTRATIONS)])
    if principals.registry:
        acls |= registry_acls(settings, principals.registry)
    return acls


def registry_acls(settings: Settings, principal: str) -> set[Acl]:
    """A local registry's kafkasql storage: its journal, snapshots and events topics, which
    it creates, and a new consumer group at each start."""
    from meshgov.registry.local import KAFKASQL_GROUP_PREFIX, KAFKASQL_TOPIC_PREFIX

    topics = settings.topic(KAFKASQL_TOPIC_PREFIX)
    groups = settings.topic(KAFKASQL_GROUP_PREFIX)
    return {
        *(
            Acl(principal, "TOPIC", "PREFIXED", topics, operation)
            for operation in ("CREATE", "READ", "WRITE", "DESCRIBE", "DESCRIBE_CONFIGS")
        ),
        *(Acl(principal, "GROUP", "PREFIXED", groups, op) for op in ("READ", "DESCRIBE")),
    }


def _check_prefixes(settings: Settings, principals: Principals) -> None:
    """A domain's topic prefix may cover neither the mesh's topics nor meshgov's internal
    ones, nor another domain's."""
    from meshgov.registry.local import KAFKASQL_TOPIC_PREFIX

    reserved = [
        settings.topic("mesh."),
        settings.topic("meshgov-"),
        "changelog__",
        settings.topic(KAFKASQL_TOPIC_PREFIX),  # a local registry's schemas
    ]
    owned = [(name, p) for name, d in principals.domains.items() for p in d.topics]
    for name, prefix in owned:
        if not prefix or any(r.startswith(prefix) or prefix.startswith(r) for r in reserved):
            raise ValueError(f"domain {name}: topic prefix {prefix!r} covers meshgov's topics")
        for other, theirs in owned:
            if other != name and (theirs.startswith(prefix) or prefix.startswith(theirs)):
                raise ValueError(
                    f"domain {name}: topic prefix {prefix!r} overlaps {other}'s {theirs!r}"
                )


def managed_principals(settings: Settings, principals: Principals) -> set[str]:
    return {acl.principal for acl in desired_acls(settings, principals)}


def diff(desired: set[Acl], current: set[Acl], managed: set[str]) -> tuple[set[Acl], set[Acl]]:
    """(to add, to remove): only ACLs of principals meshgov manages are ever removed."""
    return desired - current, {a for a in current - desired if a.principal in managed}


class AclAdmin:
    """A cluster's ACLs, read and changed through the admin API."""

    def __init__(self, admin: AdminClient, timeout: float = 30.0) -> None:
        self.admin = admin
        self.timeout = timeout

    def current(self) -> set[Acl]:
        from confluent_kafka.admin import (
            AclBindingFilter,
            AclOperation,
            AclPermissionType,
            ResourcePatternType,
            ResourceType,
        )

        everything = AclBindingFilter(
            ResourceType.ANY,
            None,
            ResourcePatternType.ANY,
            None,
            None,
            AclOperation.ANY,
            AclPermissionType.ALLOW,
        )
        bindings = self.admin.describe_acls(everything, request_timeout=self.timeout).result()
        return {
            Acl(
                b.principal,
                b.restype.name,
                b.resource_pattern_type.name,
                b.name,
                b.operation.name,
            )
            for b in bindings
            if b.host == "*"
        }

    def apply(self, add: set[Acl], remove: set[Acl]) -> None:
        from confluent_kafka.admin import (
            AclBinding,
            AclBindingFilter,
            AclOperation,
            AclPermissionType,
            ResourcePatternType,
            ResourceType,
        )

        def parts(
            acl: Acl,
        ) -> tuple[
            ResourceType, str, ResourcePatternType, str, str, AclOperation, AclPermissionType
        ]:
            return (
                ResourceType[acl.resource],
                acl.name,
                ResourcePatternType[acl.pattern],
                acl.principal,
                "*",
                AclOperation[acl.operation],
                AclPermissionType.ALLOW,
            )

        if add:
            futures = self.admin.create_acls(
                [AclBinding(*parts(a)) for a in sorted(add)], request_timeout=self.timeout
            )
            for future in futures.values():
                future.result()
        if remove:
            futures = self.admin.delete_acls(
                [AclBindingFilter(*parts(a)) for a in sorted(remove)], request_timeout=self.timeout
            )
            for future in futures.values():
                future.result()
