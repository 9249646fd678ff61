"""The principals of a mesh on the secured local broker: a SCRAM user for each component,
each domain's producer and each consumer, with a client properties file of its own, and the
least-privilege ACLs between them (meshgov.kafka.acls), applied as `meshgov acls apply`
would. Users are recorded with the topic prefix of the mesh they were made for: a mesh
removes the ACLs, credentials and files of its own users it no longer wants, never another
mesh's. On any other cluster the same principals are the administrator's to make; a
directory of `<user>.properties` files (MESHGOV_CLIENT_CONFIG_DIR) hands them to `meshgov up`."""

from __future__ import annotations

from pathlib import Path

from meshgov.broker.security import (
    SUPER_USERS,
    BrokerSecurity,
    checked_user,
    delete_scram_users,
    upsert_scram_users,
)
from meshgov.kafka.acls import AclAdmin, desired_acls, diff, managed_principals, processor_principal
from meshgov.kafka.clients import KafkaClients
from meshgov.models.policy import Principals
from meshgov.settings import Settings

DASHBOARD = "User:meshgov-dashboard"
CATALOG_API = "User:meshgov-catalog-api"  # not the catalog processor's User:meshgov-catalog
REGISTRY = "User:meshgov-registry"


def mesh_principals(configured: Principals, extra: Principals, registry: bool) -> Principals:
    """The mesh's principals: `extra`'s (the demo's own), then the policy's, then meshgov's
    defaults for the dashboard, the catalog API and, when `registry`, the local registry."""
    return Principals(
        processors={**configured.processors, **extra.processors},
        domains={**configured.domains, **extra.domains},
        consumers=list(dict.fromkeys([*configured.consumers, *extra.consumers])),
        dashboard=extra.dashboard or configured.dashboard or DASHBOARD,
        catalog=extra.catalog or configured.catalog or CATALOG_API,
        registry=(extra.registry or configured.registry or REGISTRY) if registry else None,
    )


def component_principal(principals: Principals, component: str) -> str | None:
    """Who a component of `meshgov up` connects as."""
    if component == "catalog-api":
        return principals.catalog
    if component == "dashboard":
        return principals.dashboard
    return processor_principal(principals, component)


def user_name(principal: str) -> str:
    """The SCRAM user of `User:name`; also the name of its properties file. The broker's
    super users are no mesh principal: their credentials are not the mesh's to make."""
    user = principal.removeprefix("User:")
    try:
        if user == principal:
            raise ValueError("not User:<name>")
        checked_user(user)
    except ValueError:
        raise ValueError(
            f"principal {principal!r}: expected User:<name>, the name of letters, digits and "
            f"._@- only"
        ) from None
    if user in SUPER_USERS:
        raise ValueError(f"principal {principal!r} is the broker's super user, no mesh principal")
    return user


def properties_file(directory: Path, principal: str) -> Path:
    return directory / f"{user_name(principal)}.properties"


def provision(security: BrokerSecurity, admin: Settings, principals: Principals) -> Path:
    """Users, passwords, properties files and ACLs of every principal of the mesh, as the
    super user `admin`; the mesh's users of before it no longer names lose theirs.
    Idempotent: a user keeps its password, the ACLs end as the policy says. Returns the
    directory of the properties files."""
    wanted = sorted(user_name(p) for p in managed_principals(admin, principals))
    gone = security.users_of(admin.topic_prefix) - set(wanted)
    passwords = security.user_passwords(wanted)
    client = KafkaClients(admin).admin()
    upsert_scram_users(client, passwords)
    security.record_users(wanted, admin.topic_prefix)
    for user in wanted:
        security.write_user_properties(user, passwords[user], admin.bootstrap)
    unused = security.forget_users(gone, admin.topic_prefix)  # no other mesh's either
    acls = AclAdmin(client)
    managed = managed_principals(admin, principals) | {f"User:{u}" for u in unused}
    add, remove = diff(desired_acls(admin, principals), acls.current(), managed)
    acls.apply(add, remove)
    if unused:
        delete_scram_users(client, unused)
    return security.users_dir


def deprovision(security: BrokerSecurity, admin: Settings) -> None:
    """Every user made for the mesh of `admin`'s topic prefix and used by no other mesh: its
    ACLs, its credentials and its files removed (the demo's, when it ends)."""
    users = security.users_of(admin.topic_prefix)
    if not users:
        return
    unused = security.forget_users(users, admin.topic_prefix)  # another mesh's stay
    client = KafkaClients(admin).admin()
    acls = AclAdmin(client)
    acls.apply(set(), {a for a in acls.current() if a.principal.removeprefix("User:") in unused})
    if unused:
        delete_scram_users(client, unused)
