"""The principals of a mesh on the secured local broker: a SCRAM user for each component,
each domain's producer and each consumer, with a client properties file of its own, and the
least-privilege ACLs between them (meshgov.kafka.acls), applied as `meshgov acls apply`
would. On any other cluster the same principals are the administrator's to create: a
directory of `<user>.properties` files (MESHGOV_CLIENT_CONFIG_DIR) hands them to `meshgov up`."""

from __future__ import annotations

import re
from pathlib import Path

from meshgov.broker.security import BrokerSecurity, upsert_scram_users
from meshgov.kafka.acls import AclAdmin, desired_acls, diff, managed_principals, processor_principal
from meshgov.kafka.clients import KafkaClients
from meshgov.models.policy import Principals
from meshgov.settings import Settings

DASHBOARD = "User:meshgov-dashboard"
CATALOG_API = "User:meshgov-catalog-api"  # not the catalog processor's User:meshgov-catalog
REGISTRY = "User:meshgov-registry"
_USER = re.compile(r"^User:([A-Za-z0-9._@-]{1,200})$")


def mesh_principals(configured: Principals, extra: Principals, registry: bool) -> Principals:
    """The policy's principals, with the mesh's own (the `extra` domains and consumers, the
    dashboard's, the catalog API's, the local registry's) where the policy names none."""
    return Principals(
        processors=configured.processors,
        domains={**extra.domains, **configured.domains},
        consumers=list(dict.fromkeys([*configured.consumers, *extra.consumers])),
        dashboard=configured.dashboard or DASHBOARD,
        catalog=configured.catalog or CATALOG_API,
        registry=configured.registry or (REGISTRY if registry else None),
    )


def component_principal(principals: Principals, component: str) -> str | None:
    """Who a component of `meshgov up` connects as."""
    if component == "catalog-api":
        return principals.catalog
    if component == "dashboard":
        return principals.dashboard
    return processor_principal(principals, component)


def user_name(principal: str) -> str:
    """The SCRAM user of `User:name`; also the name of its properties file."""
    match = _USER.match(principal)
    if match is None:
        raise ValueError(
            f"principal {principal!r}: expected User:<name>, the name of letters, digits and "
            f"._@- only"
        )
    return match.group(1)


def properties_file(directory: Path, principal: str) -> Path:
    return directory / f"{user_name(principal)}.properties"


def provision(security: BrokerSecurity, admin: Settings, principals: Principals) -> Path:
    """Users, passwords, properties files and ACLs of every principal of the mesh; as the
    super user `admin`. Idempotent: a user keeps its password, the ACLs end as the policy
    says. Returns the directory of the properties files."""
    users = sorted(user_name(p) for p in managed_principals(admin, principals))
    passwords = security.user_passwords(users)
    client = KafkaClients(admin).admin()
    upsert_scram_users(client, passwords)
    acls = AclAdmin(client)
    add, remove = diff(
        desired_acls(admin, principals), acls.current(), managed_principals(admin, principals)
    )
    acls.apply(add, remove)
    for user in users:
        security.write_user_properties(user, passwords[user], admin.bootstrap)
    return security.users_dir
