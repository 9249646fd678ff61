"""The subjects processor: meshgov as the Schema Registry's writer. An accepted version's
streaming ports get their schemas registered under their subjects at the compatibility
level of the product's schema stability; a SCHEDULED breaking change is registered when it
takes effect (the product is woken then). The handler only says what each subject must
become (Effects keyed by subject); the effect applier beside the stream makes it so. The
subject watcher beside it reads the governed subjects back from the registry: a version
meshgov did not register opens an UNGOVERNED_SCHEMA breach (meshgov.registry.drift)."""

from __future__ import annotations

import logging
from datetime import datetime

from pydantic import BaseModel, ValidationError

from meshgov.checks.breaches import Owner
from meshgov.kafka.clients import KafkaClients
from meshgov.kafka.topics import SLA_BREACHES, VERDICTS
from meshgov.models.events import Decision, Millis, SlaBreach, Verdict
from meshgov.models.loading import parse_descriptor
from meshgov.processors.effects import EffectApplier
from meshgov.processors.outputs import Effect, Emit, Output
from meshgov.processors.signals import AdoptionPlan, SubjectVersions, Tick
from meshgov.processors.spec import Message, Processor
from meshgov.processors.subject_watcher import SubjectWatcher
from meshgov.registry.drift import Drift, due, governed, next_due, observed, planned
from meshgov.registry.governance import SubjectAction, apply_action, subject_actions
from meshgov.settings import Settings

log = logging.getLogger("meshgov.processors.subjects")

PROCESSOR_NAME = "subjects"
APPLIED_NOW = (Decision.ACCEPTED, Decision.ACCEPTED_WITH_WARNINGS)


class Scheduled(BaseModel):
    at: Millis
    actions: list[SubjectAction]


class Subjects(BaseModel):
    scheduled: dict[str, Scheduled] = {}  # by registration id
    owner: str = ""
    domain: str = ""
    drift: Drift = Drift()


def _effects(actions: list[SubjectAction]) -> list[Output]:
    return [Effect(a.subject, a.model_dump_json().encode()) for a in actions]


def _breaches(events: list[SlaBreach]) -> list[Output]:
    return [Emit(SLA_BREACHES, event) for event in events]


class SubjectsHandler:
    def __init__(self, reserved_prefix: str = "mesh.") -> None:
        # meshgov's own event subjects: no product's port may name one of them
        self.reserved_prefix = reserved_prefix

    def handle(
        self, state: Subjects, message: Message, now: datetime
    ) -> tuple[Subjects, list[Output]]:
        body = message.body
        owner = Owner(message.product, state.owner, state.domain)
        if isinstance(body, Verdict):
            if body.decision not in (*APPLIED_NOW, Decision.SCHEDULED):
                return state, []
            product = parse_descriptor(body.descriptor, body.product).data_product
            actions = [
                a
                for a in subject_actions(product, body.registration_id)
                if not a.subject.startswith(self.reserved_prefix)
            ]
            state = state.model_copy(update={"owner": product.owner, "domain": product.domain})
            at = body.effective_at
            if body.decision is Decision.SCHEDULED and at is not None and at > now:
                scheduled = Scheduled(at=at, actions=actions)
                update = {"scheduled": {**state.scheduled, body.registration_id: scheduled}}
                return state.model_copy(update=update), []
            owner = Owner(message.product, product.owner, product.domain)
            drift, events = governed(state.drift, actions, owner, now)
            return state.model_copy(update={"drift": drift}), [
                *_effects(actions),
                *_breaches(events),
            ]
        if isinstance(body, SubjectVersions):
            drift, events = observed(state.drift, body, owner, now)
            return state.model_copy(update={"drift": drift}), _breaches(events)
        if isinstance(body, AdoptionPlan):
            return state.model_copy(update={"drift": planned(state.drift, body)}), []
        if isinstance(body, Tick):
            due_now = {k: s for k, s in state.scheduled.items() if s.at <= body.at}
            rest = {k: s for k, s in state.scheduled.items() if k not in due_now}
            released = [a for s in sorted(due_now.values(), key=lambda s: s.at) for a in s.actions]
            drift, events = governed(state.drift, released, owner, body.at)
            drift, late = due(drift, owner, body.at)
            updated = state.model_copy(update={"scheduled": rest, "drift": drift})
            return updated, [*_effects(released), *_breaches([*events, *late])]
        return state, []

    def wake(self, state: Subjects, now: datetime) -> datetime | None:
        times = [s.at for s in state.scheduled.values()]
        drift_due = next_due(state.drift)
        if drift_due is not None:
            times.append(drift_due)
        return min(times, default=None)


def _handler(settings: Settings) -> SubjectsHandler:
    return SubjectsHandler(settings.topic("mesh."))


def _applier(settings: Settings, clients: KafkaClients) -> EffectApplier:
    from confluent_kafka.schema_registry.error import SchemaRegistryError

    registry = clients.schema_registry()

    def apply(key: bytes, value: bytes) -> None:
        """Raises only for what may pass (the registry away or overloaded): a refusal that
        will not change is logged and skipped, so it holds back no other subject."""
        try:
            apply_action(registry, SubjectAction.model_validate_json(value))
        except ValidationError as error:
            log.error("subjects: effect %r is not a subject action: %s", key, error)
        except SchemaRegistryError as error:
            if not 400 <= error.http_status_code < 500 or error.http_status_code in (408, 429):
                raise
            log.error("subjects: the registry refused %r: %s", key.decode(errors="replace"), error)

    return EffectApplier(
        settings, clients, PROCESSOR_NAME, PROCESSOR.effects_topic(settings), apply
    )


def _watcher(settings: Settings, clients: KafkaClients) -> SubjectWatcher:
    return SubjectWatcher(
        settings,
        clients,
        settings.group(f"{PROCESSOR_NAME}-watch"),
        PROCESSOR.effects_topic(settings),
        PROCESSOR.signals_topic(settings),
    )


PROCESSOR = Processor(
    name=PROCESSOR_NAME,
    state=Subjects,
    inputs={VERDICTS: Verdict},
    handler=_handler,
    signals=True,
    timed=True,
    effects=True,
    needs_registry=True,
    sidecars=(_applier, _watcher),
    outputs=(SLA_BREACHES,),
)
