from __future__ import annotations

from datetime import UTC, datetime, timedelta

from meshgov.checks.breaches import Owner
from meshgov.checks.pii.watch import find_leaks, observe, resolve_clean
from meshgov.models.descriptor import PiiClass as P
from meshgov.models.events import BreachKind, BreachState
from meshgov.models.policy import GlobalPolicy, PiiException, PiiPolicy

DECLARED = {
    "customer_email": {"pii": "EMAIL", "protection": "hashed", "tags": []},
    "order_id": {"pii": None, "protection": "none", "tags": []},
}
OWNER = Owner("orders", "orders-team@company.com", "orders")
T0 = datetime(2026, 11, 25, 3, 0, tzinfo=UTC)


def test_undeclared_and_plaintext_pii_are_leaks_but_hashes_are_not() -> None:
    record = {
        "order_id": "ORD-1",
        "customer_email": "2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae",
        "note": {"contact": "jane.doe@example.com"},
    }
    leaks = find_leaks("orders", "events", DECLARED, record, GlobalPolicy())
    assert [(leak.field, leak.pii, leak.evidence) for leak in leaks] == [
        ("note.contact", P.EMAIL, "j***@e***.com")
    ]
    plaintext = {"order_id": "ORD-1", "customer_email": "jane.doe@example.com"}
    (leak,) = find_leaks("orders", "events", DECLARED, plaintext, GlobalPolicy())
    assert (leak.field, leak.expected) == ("customer_email", "EMAIL hashed, not plaintext")


def test_a_policy_exception_is_not_a_leak() -> None:
    policy = GlobalPolicy(
        pii=PiiPolicy(
            exceptions=[
                PiiException(product="orders", field="support", reason="shared support mailbox")
            ]
        )
    )
    assert find_leaks("orders", "events", {}, {"support": "help@example.com"}, policy) == []


def test_one_breach_per_field_and_episode_then_resolution_after_the_clean_window() -> None:
    episodes: dict[str, dict[str, object]] = {}
    leaks = find_leaks("orders", "events", {}, {"email": "jane.doe@example.com"}, GlobalPolicy())
    (opened,) = observe(episodes, OWNER, leaks, T0)
    assert (opened.kind, opened.state, opened.field, opened.owner) == (
        BreachKind.PII_LEAK,
        BreachState.OPEN,
        "email",
        "orders-team@company.com",
    )
    assert opened.evidence == "j***@e***.com"
    for minute in range(1, 5):  # more leaking records: the same episode, no new event
        assert observe(episodes, OWNER, leaks, T0 + timedelta(minutes=minute)) == []
    window = timedelta(minutes=10)
    assert resolve_clean(episodes, OWNER, T0 + timedelta(minutes=13), window) == []
    (resolved,) = resolve_clean(episodes, OWNER, T0 + timedelta(minutes=14), window)
    assert resolved.state is BreachState.RESOLVED
    assert resolved.breach_id == opened.breach_id
    assert resolved.opened_at == T0
    assert episodes == {}
    (again,) = observe(episodes, OWNER, leaks, T0 + timedelta(hours=1))
    assert again.breach_id != opened.breach_id  # a new episode


def test_breaches_are_deterministic_for_a_replay() -> None:
    leaks = find_leaks("orders", "events", {}, {"email": "jane.doe@example.com"}, GlobalPolicy())
    first = observe({}, OWNER, leaks, T0)
    second = observe({}, OWNER, leaks, T0)
    assert first == second
