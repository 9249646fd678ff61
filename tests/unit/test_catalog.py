from __future__ import annotations

from datetime import UTC, datetime, timedelta

from meshgov.catalog import entries
from meshgov.catalog.view import CatalogView
from meshgov.models import ids
from meshgov.models.events import (
    BreachKind,
    BreachState,
    Decision,
    Health,
    ProductStatus,
    SlaBreach,
    Verdict,
)

T0 = datetime(2026, 11, 25, 3, 0, tzinfo=UTC)


def verdict(
    seed: str,
    version: str,
    decision: Decision,
    inputs: list[str] = (),  # type: ignore[assignment]
    effective: datetime | None = None,
    name: str = "orders-daily-aggregated",
) -> Verdict:
    text = seed.replace('name: "orders-daily-aggregated"', f'name: "{name}"').replace(
        "  description:", f'  version: "{version}"\n  description:'
    )
    if inputs:
        ports = "".join(f"    - product: {p}\n" for p in inputs)
        text = text.replace("  output_ports:", f"  input_ports:\n{ports}  output_ports:")
    registration_id = f"{name}-{version}"
    return Verdict(
        verdict_id=ids.verdict_id(registration_id),
        registration_id=registration_id,
        product=name,
        version=version,
        domain="orders",
        owner="orders-team@company.com",
        submitted_by="ci",
        decision=decision,
        effective_at=effective,
        checks=[],
        descriptor=text,
        submitted_at=T0,
        decided_at=T0,
        latency_ms=0,
    )


def test_accepted_then_scheduled_then_current_at_its_date(seed_descriptor_text: str) -> None:
    stored = entries.apply_verdict(None, verdict(seed_descriptor_text, "1.0.0", Decision.ACCEPTED))
    entry, _ = entries.load(stored)
    assert entry is not None
    assert (entry.status, entry.current_version, entry.health) == (
        ProductStatus.ACTIVE,
        "1.0.0",
        Health.HEALTHY,
    )
    assert (
        entries.apply_verdict(stored, verdict(seed_descriptor_text, "1.9.0", Decision.REJECTED))
        is None
    )

    effective = T0 + timedelta(days=31)
    scheduled = entries.apply_verdict(
        stored, verdict(seed_descriptor_text, "2.0.0", Decision.SCHEDULED, effective=effective)
    )
    entry, waiting = entries.load(scheduled)
    assert entry is not None
    assert (entry.status, entry.current_version, entry.scheduled_version) == (
        ProductStatus.SCHEDULED,
        "1.0.0",
        "2.0.0",
    )
    assert waiting is not None
    assert 'version: "2.0.0"' in waiting
    assert entries.promote_due(scheduled, effective - timedelta(seconds=1)) is None
    current, _ = entries.load(entries.promote_due(scheduled, effective))
    assert current is not None
    assert (current.status, current.current_version, current.scheduled_version) == (
        ProductStatus.ACTIVE,
        "2.0.0",
        None,
    )
    assert [v.version for v in current.versions] == ["1.0.0", "2.0.0"]


def test_a_replayed_verdict_changes_nothing(seed_descriptor_text: str) -> None:
    accepted = verdict(seed_descriptor_text, "1.0.0", Decision.ACCEPTED)
    stored = entries.apply_verdict(None, accepted)
    assert entries.apply_verdict(stored, accepted) is None


def test_health_follows_open_breaches(seed_descriptor_text: str) -> None:
    stored = entries.apply_verdict(None, verdict(seed_descriptor_text, "1.0.0", Decision.ACCEPTED))

    def breach(kind: BreachKind, state: BreachState) -> SlaBreach:
        return SlaBreach(
            breach_id=f"b-{kind.value}",
            product="orders-daily-aggregated",
            port="batch",
            kind=kind,
            state=state,
            episode="e",
            expected="x",
            observed="y",
            owner="o",
            domain="orders",
            opened_at=T0,
            detected_at=T0,
        )

    late = entries.apply_breach(stored, breach(BreachKind.FRESHNESS, BreachState.OPEN))
    assert entries.load(late)[0].health is Health.LATE  # type: ignore[union-attr]
    breached = entries.apply_breach(late, breach(BreachKind.QUALITY, BreachState.OPEN))
    assert entries.load(breached)[0].health is Health.BREACHED  # type: ignore[union-attr]
    healed = entries.apply_breach(
        entries.apply_breach(breached, breach(BreachKind.QUALITY, BreachState.RESOLVED)),
        breach(BreachKind.FRESHNESS, BreachState.RESOLVED),
    )
    assert entries.load(healed)[0].health is Health.HEALTHY  # type: ignore[union-attr]


def test_lineage_both_ways_even_when_a_consumer_is_accepted_first(
    seed_descriptor_text: str,
) -> None:
    # C reads B, B reads A; C and B are accepted before A.
    stored: dict[str, entries.Stored | None] = {}
    for name, inputs in (
        ("c-product", ["b-product"]),
        ("b-product", ["a-product"]),
        ("a-product", []),
    ):
        accepted = verdict(seed_descriptor_text, "1.0.0", Decision.ACCEPTED, inputs, name=name)
        stored[name] = entries.apply_verdict(stored.get(name), accepted)
        for upstream in inputs:
            stored[upstream] = entries.set_downstream(stored.get(upstream), name, True, T0)
    view = CatalogView(e for e in (entries.load(s)[0] for s in stored.values()) if e is not None)
    assert view.lineage("c-product", upstream=True) == ["b-product", "a-product"]
    assert view.lineage("a-product", upstream=False) == ["b-product", "c-product"]
    assert view.get("a-product").downstream == ["b-product"]  # type: ignore[union-attr]
    assert [e.product for e in view.search("product", domain="orders")] == [
        "a-product",
        "b-product",
        "c-product",
    ]


def test_a_version_marked_deprecated_deprecates_the_product(seed_descriptor_text: str) -> None:
    stored = entries.apply_verdict(None, verdict(seed_descriptor_text, "1.0.0", Decision.ACCEPTED))
    retiring = seed_descriptor_text.replace(
        "  output_ports:", "  deprecated: true\n  output_ports:"
    )
    stored = entries.apply_verdict(stored, verdict(retiring, "1.0.1", Decision.ACCEPTED))
    entry, _ = entries.load(stored)
    assert entry is not None
    assert (entry.status, entry.current_version) == (ProductStatus.DEPRECATED, "1.0.1")
