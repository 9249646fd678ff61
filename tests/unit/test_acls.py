"""The mesh's least-privilege ACLs, derived from the policy's principals without a cluster."""

from __future__ import annotations

from meshgov.kafka.acls import Acl, desired_acls, diff, managed_principals
from meshgov.models.policy import DomainPrincipal, Principals
from meshgov.settings import Settings

SETTINGS = Settings(bootstrap="127.0.0.1:9092", topic_prefix="p.")
PRINCIPALS = Principals(
    domains={"orders": DomainPrincipal(principal="User:orders", topics=["orders-"])},
    consumers=["User:analytics"],
    dashboard="User:dashboard",
)


def of(principal: str) -> set[tuple[str, str, str, str]]:
    return {
        (a.operation, a.resource, a.pattern, a.name)
        for a in desired_acls(SETTINGS, PRINCIPALS)
        if a.principal == principal
    }


def test_a_domain_producer_writes_registrations_outputs_and_its_topics_only() -> None:
    orders = of("User:orders")
    assert ("WRITE", "TOPIC", "LITERAL", "p.mesh.registrations") in orders
    assert ("WRITE", "TOPIC", "LITERAL", "p.mesh.outputs") in orders
    assert ("WRITE", "TOPIC", "PREFIXED", "orders-") in orders
    assert ("READ", "TOPIC", "LITERAL", "p.mesh.verdicts") in orders  # waits for its verdict
    assert not any(op == "WRITE" and name.startswith("p.mesh.v") for op, _, _, name in orders)
    assert not any(op == "ALL" for op, *_ in orders)


def test_each_processor_writes_only_what_it_emits() -> None:
    verdicts = of("User:meshgov-verdicts")
    writes = {name for op, res, pat, name in verdicts if op == "WRITE"}
    assert writes == {"p.mesh.verdicts", "p.mesh.dead-letters"}
    assert ("READ", "GROUP", "PREFIXED", "p.meshgov-verdicts") in verdicts
    assert ("ALL", "TOPIC", "PREFIXED", "changelog__p.meshgov-verdicts") in verdicts
    compatibility = of("User:meshgov-compatibility")
    assert {n for op, _, _, n in compatibility if op == "WRITE"} == {
        "p.mesh.check-results",
        "p.mesh.dead-letters",
    }
    assert ("READ", "TOPIC", "LITERAL", "*") not in compatibility
    # product topics: the domains' prefixes where the policy names them, else any
    assert ("READ", "TOPIC", "PREFIXED", "orders-") in of("User:meshgov-quality")
    assert not any(name == "*" for _, _, _, name in of("User:meshgov-quality"))
    anonymous = desired_acls(SETTINGS, Principals())
    assert Acl("User:meshgov-quality", "TOPIC", "LITERAL", "*", "READ") in anonymous


def test_the_alerts_router_and_lineage_emitter_read_what_they_deliver_and_write_dead_letters() -> (
    None
):
    alerts = of("User:meshgov-alerts")
    assert {n for op, res, _, n in alerts if op == "READ" and res == "TOPIC"} == {
        "p.mesh.catalog",
        "p.mesh.sla-breaches",
        "p.mesh.verdicts",
    }
    assert {n for op, _, _, n in alerts if op == "WRITE"} == {"p.mesh.dead-letters"}
    assert ("READ", "GROUP", "LITERAL", "p.meshgov-alerts") in alerts
    lineage = of("User:meshgov-lineage")
    assert ("READ", "TOPIC", "LITERAL", "p.mesh.outputs") in lineage
    assert ("READ", "TOPIC", "LITERAL", "p.mesh.verdicts") not in lineage


def test_consumers_read_verdicts_breaches_and_the_catalog() -> None:
    assert {n for op, res, _, n in of("User:analytics") if op == "READ" and res == "TOPIC"} == {
        "p.mesh.verdicts",
        "p.mesh.sla-breaches",
        "p.mesh.catalog",
    }
    assert ("WRITE", "TOPIC", "LITERAL", "p.mesh.registrations") in of("User:dashboard")


def test_only_acls_of_managed_principals_are_removed() -> None:
    desired = desired_acls(SETTINGS, PRINCIPALS)
    foreign = Acl("User:someone-else", "TOPIC", "LITERAL", "theirs", "READ")
    stale = Acl("User:orders", "TOPIC", "LITERAL", "p.mesh.verdicts", "WRITE")
    missing = next(iter(sorted(desired)))
    current = (desired - {missing}) | {foreign, stale}
    add, remove = diff(desired, current, managed_principals(SETTINGS, PRINCIPALS))
    assert (add, remove) == ({missing}, {stale})


def test_a_domain_prefix_may_not_cover_meshgovs_topics_or_another_domains() -> None:
    import pytest

    for topics in (["p.mesh"], ["p."], ["changelog__x"], [""]):
        bad = Principals(domains={"orders": DomainPrincipal(principal="User:o", topics=topics)})
        with pytest.raises(ValueError, match="covers meshgov's topics"):
            desired_acls(SETTINGS, bad)
    overlapping = Principals(
        domains={
            "orders": DomainPrincipal(principal="User:o", topics=["orders-"]),
            "orders-eu": DomainPrincipal(principal="User:e", topics=["orders-eu-"]),
        }
    )
    with pytest.raises(ValueError, match="overlaps"):
        desired_acls(SETTINGS, overlapping)


def test_each_principal_may_use_only_its_own_reader_groups() -> None:
    from meshgov.kafka.clients import reader_group_prefix

    groups = {n for op, res, _, n in of("User:analytics") if res == "GROUP"}
    assert groups == {"meshgov-reader-analytics-"}
    as_analytics = Settings(bootstrap="x:1", kafka={"sasl.username": "analytics"})
    assert reader_group_prefix(as_analytics) == "meshgov-reader-analytics-"
    assert reader_group_prefix(SETTINGS) == "meshgov-reader-"
