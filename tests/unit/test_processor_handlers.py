"""Each processor's decision logic, its pure handle(state, message, now), without Kafka."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import BaseModel

from meshgov.client.outputs import output_event
from meshgov.kafka.topics import CHECK_RESULTS
from meshgov.models import ids
from meshgov.models.events import (
    BreachKind,
    BreachState,
    CatalogEntry,
    CheckResult,
    CheckStatus,
    ColumnStats,
    Decision,
    Event,
    ProductStatus,
    SlaBreach,
    Verdict,
)
from meshgov.models.policy import GlobalPolicy
from meshgov.processors import (
    catalog,
    compatibility,
    freshness,
    pii,
    quality,
    subjects,
    verdicts,
)
from meshgov.processors.outputs import Effect, Emit, Output, Send
from meshgov.processors.signals import (
    AdoptionPlan,
    Downstream,
    LeakReport,
    Leaks,
    RegisteredVersion,
    Signal,
    SubjectVersions,
    Tick,
    Violation,
    Window,
)
from meshgov.processors.spec import Message
from meshgov.registry.drift import DRIFT_GRACE
from meshgov.registry.governance import SubjectAction, schema_fingerprint
from tests.support.descriptors import batch_descriptor, example_descriptor
from tests.support.mesh import accepted, check_result, registration

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
ORDER = {"type": "record", "name": "Order", "fields": [{"name": "order_id", "type": "string"}]}
WIDER = {**ORDER, "fields": [*ORDER["fields"], {"name": "segment", "type": "string"}]}


def message(body: Event | Signal, product: str = "orders-daily-aggregated") -> Message:
    return Message(product, body, "mesh" if isinstance(body, Event) else "signals")


def emitted(outputs: list[Output], kind: type[Event]) -> list[Any]:
    return [o.event for o in outputs if isinstance(o, Emit) and isinstance(o.event, kind)]


def unchanged(state: BaseModel, run: Any) -> Any:
    """Run a handler step and prove it did not change the state it was given."""
    before = state.model_dump(mode="json")
    result = run()
    assert state.model_dump(mode="json") == before
    return result


def batch_product(name: str = "orders-daily") -> str:
    return batch_descriptor(name, schema=ORDER)


# -- verdicts: the join of a registration and its checks' results ---------------------------


def result(reg: Any, check: str, status: CheckStatus = CheckStatus.PASSED) -> CheckResult:
    return check_result(reg, check, status, NOW)


def test_verdicts_join_results_in_any_order_into_one_verdict() -> None:
    handler = verdicts.VerdictsHandler(("compatibility", "pii"), timedelta(seconds=30))
    reg = registration(example_descriptor(), "orders-daily-aggregated")
    state = verdicts.Waiting()
    state, out = handler.handle(state, message(result(reg, "pii")), NOW)
    assert out == []
    assert handler.wake(state, NOW) == NOW + verdicts.ORPHANS_KEPT  # a result alone: orphan
    state, out = handler.handle(state, message(reg), NOW)
    assert out == []
    assert handler.wake(state, NOW) == NOW + timedelta(seconds=30)
    state, out = unchanged(
        state, lambda: handler.handle(state, message(result(reg, "compatibility")), NOW)
    )
    (verdict,) = emitted(out, Verdict)
    assert (verdict.decision, verdict.verdict_id) == (
        Decision.ACCEPTED,
        ids.verdict_id(reg.registration_id),
    )
    assert state.pending == {}
    assert state.decided == [reg.registration_id]
    assert handler.wake(state, NOW) is None
    # A result arriving after the decision, or the registration replayed: no second verdict.
    assert handler.handle(state, message(result(reg, "pii", CheckStatus.FAILED)), NOW)[1] == []
    assert handler.handle(state, message(reg), NOW)[1] == []


def test_a_silent_check_makes_one_undecided_verdict_and_its_answer_the_final_one() -> None:
    handler = verdicts.VerdictsHandler(("compatibility", "pii"), timedelta(seconds=30))
    reg = registration(example_descriptor(), "orders-daily-aggregated")
    state, _ = handler.handle(verdicts.Waiting(), message(reg), NOW)
    state, _ = handler.handle(state, message(result(reg, "compatibility")), NOW)
    assert handler.handle(state, message(Tick(at=NOW + timedelta(seconds=29))), NOW)[1] == []
    later = NOW + timedelta(seconds=30)
    state, out = handler.handle(state, message(Tick(at=later)), later)
    (undecided,) = emitted(out, Verdict)
    assert undecided.decision is Decision.UNDECIDED
    assert undecided.checks[1].findings[0].code == "CHECK_SILENT"
    assert handler.wake(state, later) == NOW + verdicts.UNDECIDED_KEPT
    # Ticks go on: no second UNDECIDED verdict.
    assert handler.handle(state, message(Tick(at=later + timedelta(hours=1))), later)[1] == []
    # The pii processor is back hours later: its answer decides the registration for good.
    state, out = handler.handle(state, message(result(reg, "pii")), later + timedelta(hours=2))
    (final,) = emitted(out, Verdict)
    assert (final.decision, final.verdict_id) == (
        Decision.ACCEPTED,
        ids.verdict_id(reg.registration_id),
    )
    assert state.pending == {}
    assert handler.handle(state, message(result(reg, "pii")), later)[1] == []


def test_orphan_results_expire() -> None:
    handler = verdicts.VerdictsHandler(("pii",), timedelta(seconds=30))
    reg = registration(example_descriptor(), "orders-daily-aggregated")
    state, _ = handler.handle(verdicts.Waiting(), message(result(reg, "pii")), NOW)
    later = NOW + verdicts.ORPHANS_KEPT
    state, out = handler.handle(state, message(Tick(at=later)), later)
    assert (out, state.pending, handler.wake(state, later)) == ([], {}, None)


# -- catalog ---------------------------------------------------------------------------------


def test_catalog_entry_from_a_verdict_tells_its_upstream_products() -> None:
    handler = catalog.CatalogHandler()
    reg = registration(
        example_descriptor(name="orders-kpis", inputs=["orders-events"]), "orders-kpis"
    )
    state, out = handler.handle(
        catalog.StoredEntry(), message(accepted(reg, NOW), "orders-kpis"), NOW
    )
    (entry,) = emitted(out, CatalogEntry)
    assert (entry.product, entry.status, entry.upstream) == (
        "orders-kpis",
        ProductStatus.ACTIVE,
        ["orders-events"],
    )
    assert [o for o in out if isinstance(o, Send)] == [
        Send("orders-events", Downstream(consumer="orders-kpis", consumes=True))
    ]
    assert handler.wake(state, NOW) is None


def test_a_downstream_signal_before_acceptance_is_remembered() -> None:
    handler = catalog.CatalogHandler()
    state, out = handler.handle(
        catalog.StoredEntry(), message(Downstream(consumer="kpis", consumes=True)), NOW
    )
    assert emitted(out, CatalogEntry) == []
    reg = registration(example_descriptor(), "orders-daily-aggregated")
    state, out = handler.handle(state, message(accepted(reg, NOW)), NOW)
    (entry,) = emitted(out, CatalogEntry)
    assert entry.downstream == ["kpis"]


def test_a_scheduled_version_becomes_current_when_woken_at_its_date() -> None:
    handler = catalog.CatalogHandler()
    v1 = registration(example_descriptor(version="1.0.0"), "orders-daily-aggregated")
    state, _ = handler.handle(catalog.StoredEntry(), message(accepted(v1, NOW)), NOW)
    v2 = registration(example_descriptor(version="2.0.0"), "orders-daily-aggregated", "2.0.0")
    effective = NOW + timedelta(days=31)
    scheduled = accepted(v2, NOW, Decision.SCHEDULED).model_copy(update={"effective_at": effective})
    state, out = handler.handle(state, message(scheduled), NOW)
    (entry,) = emitted(out, CatalogEntry)
    assert (entry.current_version, entry.scheduled_version) == ("1.0.0", "2.0.0")
    assert handler.wake(state, NOW) == effective
    state, out = handler.handle(state, message(Tick(at=effective)), effective)
    (entry,) = emitted(out, CatalogEntry)
    assert (entry.current_version, entry.scheduled_version) == ("2.0.0", None)
    assert handler.wake(state, effective) is None


# -- pii episodes ----------------------------------------------------------------------------


def test_a_leak_opens_one_episode_and_a_clean_window_resolves_it() -> None:
    window = timedelta(minutes=10)
    handler = pii.PiiHandler(GlobalPolicy(), window)
    reg = registration(batch_product(), "orders-daily")
    state, out = handler.handle(pii.LeakWatch(), message(accepted(reg, NOW), "orders-daily"), NOW)
    assert out == []
    sample = output_event(
        "orders-daily",
        "daily",
        "r1",
        1,
        sample=[{"order_id": "anna.weber@example.com"}],
        published_at=NOW,
    )
    state, out = unchanged(
        state, lambda: handler.handle(state, message(sample, "orders-daily"), NOW)
    )
    (breach,) = emitted(out, SlaBreach)
    assert (breach.kind, breach.state, breach.field) == (
        BreachKind.PII_LEAK,
        BreachState.OPEN,
        "order_id",
    )
    assert "anna.weber@example.com" not in breach.model_dump_json()
    assert handler.wake(state, NOW) == NOW + window
    # The same leak reported from the streaming port only refreshes the episode.
    later = NOW + timedelta(minutes=5)
    report = LeakReport(port="daily", field="order_id", pii="EMAIL", evidence="a***", expected="x")
    state, out = handler.handle(
        state, message(Leaks(at=later, leaks=[report]), "orders-daily"), later
    )
    assert out == []
    assert handler.wake(state, later) == later + window
    state, out = handler.handle(state, message(Tick(at=NOW + window), "orders-daily"), NOW)
    assert out == []
    done = later + window
    state, out = handler.handle(state, message(Tick(at=done), "orders-daily"), done)
    (resolved,) = emitted(out, SlaBreach)
    assert (resolved.breach_id, resolved.state) == (breach.breach_id, BreachState.RESOLVED)
    assert handler.wake(state, done) is None


def test_pii_check_result_for_every_registration() -> None:
    handler = pii.PiiHandler(GlobalPolicy(), timedelta(minutes=10))
    reg = registration(example_descriptor(), "orders-daily-aggregated")
    _, out = handler.handle(pii.LeakWatch(), message(reg), NOW)
    (checked,) = emitted(out, CheckResult)
    assert (checked.check, checked.status, checked.checked_at) == ("pii", CheckStatus.PASSED, NOW)
    assert [o.topic for o in out if isinstance(o, Emit)] == [CHECK_RESULTS]


# -- freshness -------------------------------------------------------------------------------


def test_freshness_wakes_at_the_deadline_opens_a_breach_and_a_late_output_resolves_it() -> None:
    handler = freshness.FreshnessHandler()
    accepted_at = datetime(2026, 11, 30, 1, 0, tzinfo=UTC)
    reg = registration(batch_product(), "orders-daily")
    state, out = handler.handle(
        freshness.Freshness(), message(accepted(reg, accepted_at), "orders-daily"), accepted_at
    )
    assert out == []
    deadline = datetime(2026, 11, 30, 4, 0, tzinfo=UTC)
    assert handler.wake(state, accepted_at) == deadline
    state, out = handler.handle(state, message(Tick(at=deadline), "orders-daily"), deadline)
    (opened,) = emitted(out, SlaBreach)
    assert (opened.kind, opened.state, opened.deadline) == (
        BreachKind.FRESHNESS,
        BreachState.OPEN,
        deadline,
    )
    late = deadline + timedelta(minutes=20)
    run = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)
    delivered = output_event(
        "orders-daily", "daily", "r1", 10, scheduled_for=run, published_at=late
    )
    state, out = unchanged(
        state, lambda: handler.handle(state, message(delivered, "orders-daily"), late)
    )
    (resolved,) = emitted(out, SlaBreach)
    assert (resolved.breach_id, resolved.state) == (opened.breach_id, BreachState.RESOLVED)
    assert resolved.details["late_by_seconds"] == "1200"
    assert handler.wake(state, late) == datetime(2026, 12, 1, 4, 0, tzinfo=UTC)


def test_freshness_ignores_outputs_and_ticks_of_products_it_does_not_track() -> None:
    handler = freshness.FreshnessHandler()
    state = freshness.Freshness()
    assert handler.handle(state, message(Tick(at=NOW)), NOW) == (state, [])
    assert handler.wake(state, NOW) is None


# -- quality ---------------------------------------------------------------------------------


def test_quality_rules_on_outputs_open_and_resolve_episodes() -> None:
    handler = quality.QualityHandler()
    reg = registration(batch_product(), "orders-daily")
    state, _ = handler.handle(
        quality.QualityState(), message(accepted(reg, NOW), "orders-daily"), NOW
    )
    short = output_event(
        "orders-daily",
        "daily",
        "r1",
        990,
        source_row_count=1000,
        columns=[ColumnStats(name="order_id", null_count=1)],
        published_at=NOW,
    )
    state, out = unchanged(
        state, lambda: handler.handle(state, message(short, "orders-daily"), NOW)
    )
    opened = emitted(out, SlaBreach)
    assert sorted((b.kind, b.rule, b.state) for b in opened) == [
        (BreachKind.QUALITY, "no_nulls_in_order_id", BreachState.OPEN),
        (BreachKind.QUALITY, "row_count_vs_source", BreachState.OPEN),
    ]
    good = output_event(
        "orders-daily",
        "daily",
        "r2",
        1000,
        source_row_count=1000,
        columns=[ColumnStats(name="order_id", null_count=0)],
        published_at=NOW,
    )
    state, out = handler.handle(state, message(good, "orders-daily"), NOW)
    assert {b.breach_id for b in emitted(out, SlaBreach)} == {b.breach_id for b in opened}
    assert {b.state for b in emitted(out, SlaBreach)} == {BreachState.RESOLVED}


def test_quality_windows_and_schema_violations_of_a_streaming_port() -> None:
    handler = quality.QualityHandler()
    text = example_descriptor(schema=ORDER)
    reg = registration(text, "orders-daily-aggregated")
    state, _ = handler.handle(quality.QualityState(), message(accepted(reg, NOW)), NOW)
    violation = Violation(
        port="orders-events", at=NOW, expected="Avro", error="bad", where="orders-events[0]@7"
    )
    state, out = handler.handle(state, message(violation), NOW)
    (broken,) = emitted(out, SlaBreach)
    assert (broken.kind, broken.details["first_record"]) == (
        BreachKind.SCHEMA_VIOLATION,
        "orders-events[0]@7",
    )
    clean = Window(
        port="orders-events",
        start=NOW,
        end=NOW + timedelta(minutes=1),
        rows=5,
        violations=0,
        columns={"order_id": (0, None)},
    )
    state, out = handler.handle(state, message(clean), NOW)
    assert [(b.breach_id, b.state) for b in emitted(out, SlaBreach)] == [
        (broken.breach_id, BreachState.RESOLVED)
    ]


# -- compatibility ---------------------------------------------------------------------------


def test_compatibility_checks_against_accepted_history_only() -> None:
    handler = compatibility.CompatibilityHandler()
    v1 = registration(example_descriptor(version="1.0.0", schema=ORDER), "orders-daily-aggregated")
    state, out = handler.handle(compatibility.SchemaHistory(), message(v1), NOW)
    assert emitted(out, CheckResult)[0].status is CheckStatus.PASSED
    rejected = accepted(v1, NOW, Decision.REJECTED)
    assert handler.handle(state, message(rejected), NOW)[0] == state
    state, _ = handler.handle(state, message(accepted(v1, NOW)), NOW)
    v2 = registration(example_descriptor(version="1.1.0", schema=WIDER), "orders-daily-aggregated")
    _, out = unchanged(state, lambda: handler.handle(state, message(v2), NOW))
    (checked,) = emitted(out, CheckResult)
    assert checked.status is CheckStatus.FAILED
    assert checked.findings[0].code == "READER_FIELD_MISSING_DEFAULT_VALUE"


# -- subjects --------------------------------------------------------------------------------


def test_subjects_say_what_each_governed_subject_becomes_and_when() -> None:
    handler = subjects.SubjectsHandler()
    text = example_descriptor(schema=ORDER)
    reg = registration(text, "orders-daily-aggregated")
    state, out = handler.handle(subjects.Subjects(), message(accepted(reg, NOW)), NOW)
    [effect] = out
    assert isinstance(effect, Effect)
    action = SubjectAction.model_validate_json(effect.value)
    assert (effect.key, action.subject) == ("orders-events-value", "orders-events-value")
    assert action.compatibility.value == "BACKWARD"
    assert handler.handle(state, message(accepted(reg, NOW, Decision.REJECTED)), NOW)[1] == []

    later = NOW + timedelta(days=30)
    scheduled = accepted(reg, NOW, Decision.SCHEDULED).model_copy(update={"effective_at": later})
    state, out = handler.handle(state, message(scheduled), NOW)
    assert out == []
    assert handler.wake(state, NOW) == later
    state, out = handler.handle(state, message(Tick(at=later - timedelta(seconds=1))), NOW)
    assert out == []
    state, out = handler.handle(state, message(Tick(at=later)), later)
    assert [o.key for o in out if isinstance(o, Effect)] == ["orders-events-value"]
    assert handler.wake(state, later) is None


def _versions(at: datetime, *versions: tuple[int, int, dict[str, Any]]) -> SubjectVersions:
    return SubjectVersions(
        subject="orders-events-value",
        at=at,
        versions=[
            RegisteredVersion(version=v, schema_id=i, fingerprint=schema_fingerprint(json.dumps(s)))
            for v, i, s in versions
        ],
    )


def test_a_subject_version_meshgov_did_not_register_opens_ungoverned_schema() -> None:
    handler = subjects.SubjectsHandler()
    reg = registration(example_descriptor(schema=ORDER), "orders-daily-aggregated")
    state, _ = handler.handle(subjects.Subjects(), message(accepted(reg, NOW)), NOW)
    # The accepted schema, laid out otherwise by the registry, is not drift.
    relaid = {
        "name": "Order",
        "type": "record",
        "fields": [{"type": {"type": "string"}, "name": "order_id"}],
    }
    state, out = handler.handle(state, message(_versions(NOW, (1, 7, relaid))), NOW)
    assert out == []
    assert handler.wake(state, NOW) is None

    seen = NOW + timedelta(minutes=1)
    state, out = handler.handle(state, message(_versions(seen, (1, 7, ORDER), (2, 9, WIDER))), seen)
    assert out == []  # unaccounted for, but maybe its verdict is about to be handled again
    due = handler.wake(state, seen)
    assert due == seen + DRIFT_GRACE
    state, out = handler.handle(state, message(Tick(at=due)), due)
    [breach] = emitted(out, SlaBreach)
    assert (breach.kind, breach.state) == (BreachKind.UNGOVERNED_SCHEMA, BreachState.OPEN)
    assert (breach.owner, breach.port) == ("orders-team@company.com", "orders-events")
    assert breach.details["subject"] == "orders-events-value"
    assert (breach.details["version"], breach.details["schema_id"]) == ("2", "9")
    assert "version 2 of orders-events-value (schema id 9)" in breach.observed

    again = due + timedelta(minutes=1)  # seen again: still the one breach
    state, out = handler.handle(
        state, message(_versions(again, (1, 7, ORDER), (2, 9, WIDER))), again
    )
    assert out == []
    assert handler.wake(state, again) is None

    gone = again + timedelta(minutes=1)
    state, out = handler.handle(state, message(_versions(gone, (1, 7, ORDER))), gone)
    [resolved] = emitted(out, SlaBreach)
    assert (resolved.breach_id, resolved.state) == (breach.breach_id, BreachState.RESOLVED)
    assert "deleted" in resolved.observed


def test_a_version_registered_by_a_verdict_handled_late_is_not_drift() -> None:
    handler = subjects.SubjectsHandler()
    first = registration(example_descriptor(schema=ORDER), "orders-daily-aggregated")
    state, _ = handler.handle(subjects.Subjects(), message(accepted(first, NOW)), NOW)
    state, _ = handler.handle(state, message(_versions(NOW, (1, 7, ORDER), (2, 9, WIDER))), NOW)
    wider = registration(example_descriptor(schema=WIDER), "orders-daily-aggregated", "1.1.0")
    soon = NOW + timedelta(seconds=2)
    state, out = handler.handle(state, message(accepted(wider, soon)), soon)
    assert emitted(out, SlaBreach) == []
    late = NOW + DRIFT_GRACE
    state, out = handler.handle(state, message(Tick(at=late)), late)
    assert out == []
    assert state.drift.unaccounted == {}


def test_a_drifted_version_whose_schema_is_accepted_later_is_governed() -> None:
    handler = subjects.SubjectsHandler()
    first = registration(example_descriptor(schema=ORDER), "orders-daily-aggregated")
    state, _ = handler.handle(subjects.Subjects(), message(accepted(first, NOW)), NOW)
    state, _ = handler.handle(state, message(_versions(NOW, (1, 7, ORDER), (2, 9, WIDER))), NOW)
    late = NOW + DRIFT_GRACE
    state, out = handler.handle(state, message(Tick(at=late)), late)
    [opened] = emitted(out, SlaBreach)
    wider = registration(example_descriptor(schema=WIDER), "orders-daily-aggregated", "1.1.0")
    state, out = handler.handle(state, message(accepted(wider, late)), late)
    [resolved] = emitted(out, SlaBreach)
    assert (resolved.breach_id, resolved.state) == (opened.breach_id, BreachState.RESOLVED)
    assert "accepted by meshgov" in resolved.observed


def test_a_scheduled_schema_registered_before_its_date_is_drift() -> None:
    handler = subjects.SubjectsHandler()
    first = registration(example_descriptor(schema=ORDER), "orders-daily-aggregated")
    state, _ = handler.handle(subjects.Subjects(), message(accepted(first, NOW)), NOW)
    later = NOW + timedelta(days=30)
    breaking = registration(example_descriptor(schema=WIDER), "orders-daily-aggregated", "2.0.0")
    scheduled = accepted(breaking, NOW, Decision.SCHEDULED).model_copy(
        update={"effective_at": later}
    )
    state, _ = handler.handle(state, message(scheduled), NOW)
    state, _ = handler.handle(state, message(_versions(NOW, (1, 7, ORDER), (2, 9, WIDER))), NOW)
    early = NOW + DRIFT_GRACE
    state, out = handler.handle(state, message(Tick(at=early)), early)
    assert [b.state for b in emitted(out, SlaBreach)] == [BreachState.OPEN]
    state, out = handler.handle(state, message(Tick(at=later)), later)
    assert [b.state for b in emitted(out, SlaBreach)] == [BreachState.RESOLVED]
    assert [o.key for o in out if isinstance(o, Effect)] == ["orders-events-value"]


def test_a_look_handled_late_still_gives_the_verdict_its_grace() -> None:
    handler = subjects.SubjectsHandler()
    first = registration(example_descriptor(schema=ORDER), "orders-daily-aggregated")
    state, _ = handler.handle(subjects.Subjects(), message(accepted(first, NOW)), NOW)
    looked = NOW - timedelta(minutes=5)  # read from the signals topic after a backlog
    state, out = handler.handle(
        state, message(_versions(looked, (1, 7, ORDER), (2, 9, WIDER))), NOW
    )
    assert out == []
    assert handler.wake(state, NOW) == NOW + DRIFT_GRACE
    wider = registration(example_descriptor(schema=WIDER), "orders-daily-aggregated", "1.1.0")
    state, out = handler.handle(state, message(accepted(wider, NOW)), NOW)
    late = NOW + DRIFT_GRACE
    state, out = handler.handle(state, message(Tick(at=late)), late)
    assert emitted(out, SlaBreach) == []


def test_subjects_meshgov_registered_nothing_in_are_not_judged() -> None:
    """State from before drift detection: what the subject holds is not taken for drift."""
    handler = subjects.SubjectsHandler()
    state, out = handler.handle(
        subjects.Subjects(), message(_versions(NOW, (1, 7, ORDER), (2, 9, WIDER))), NOW
    )
    assert out == []
    assert handler.wake(state, NOW) is None


def test_versions_an_adoption_announced_are_expected_until_its_deadline() -> None:
    handler = subjects.SubjectsHandler()
    first = registration(example_descriptor(schema=ORDER), "orders-daily-aggregated")
    until = NOW + timedelta(minutes=10)
    plan = AdoptionPlan(
        subject="orders-events-value",
        fingerprints=[schema_fingerprint(json.dumps(s)) for s in (ORDER, WIDER)],
        until=until,
    )
    state, _ = handler.handle(subjects.Subjects(), message(plan), NOW)
    state, _ = handler.handle(state, message(accepted(first, NOW)), NOW)
    state, _ = handler.handle(state, message(_versions(NOW, (1, 7, ORDER), (2, 9, WIDER))), NOW)
    assert handler.wake(state, NOW) == until
    late = NOW + DRIFT_GRACE * 3
    state, out = handler.handle(state, message(Tick(at=late)), late)
    assert out == []
    # The import stopped before version 2: once its deadline passed, version 2 is drift.
    state, out = handler.handle(state, message(Tick(at=until)), until)
    assert [b.details["version"] for b in emitted(out, SlaBreach)] == ["2"]


def test_no_port_may_govern_meshgovs_own_event_subjects() -> None:
    handler = subjects.SubjectsHandler("mesh.")
    text = example_descriptor(schema=ORDER).replace(
        '      location: "kafka://orders-events"\n',
        '      location: "kafka://orders-events"\n      subject: "mesh.verdicts-value"\n',
    )
    reg = registration(text, "orders-daily-aggregated")
    _, out = handler.handle(subjects.Subjects(), message(accepted(reg, NOW)), NOW)
    assert out == []
