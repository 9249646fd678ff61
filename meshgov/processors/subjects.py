"""The subjects processor: meshgov as the Schema Registry's writer. An accepted version's
streaming ports get their schemas registered under their subjects at the compatibility
level of the product's schema stability; a SCHEDULED breaking change is registered when it
takes effect (the product is woken then). The handler only says what each subject must
become (Effects keyed by subject); the effect applier beside the stream makes it so."""

from __future__ import annotations

import logging
from datetime import datetime

from pydantic import BaseModel, ValidationError

from meshgov.kafka.clients import KafkaClients
from meshgov.kafka.topics import VERDICTS
from meshgov.models.events import Decision, Millis, Verdict
from meshgov.models.loading import parse_descriptor
from meshgov.processors.effects import EffectApplier
from meshgov.processors.outputs import Effect, Output
from meshgov.processors.signals import Tick
from meshgov.processors.spec import Message, Processor
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


def _effects(actions: list[SubjectAction]) -> list[Output]:
    return [Effect(a.subject, a.model_dump_json().encode()) for a in actions]


class SubjectsHandler:
    def handle(
        self, state: Subjects, message: Message, now: datetime
    ) -> tuple[Subjects, list[Output]]:
        body = message.body
        if isinstance(body, Verdict):
            if body.decision not in (*APPLIED_NOW, Decision.SCHEDULED):
                return state, []
            product = parse_descriptor(body.descriptor, body.product).data_product
            actions = subject_actions(product, body.registration_id)
            at = body.effective_at
            if body.decision is Decision.SCHEDULED and at is not None and at > now:
                scheduled = {
                    **state.scheduled,
                    body.registration_id: Scheduled(at=at, actions=actions),
                }
                return Subjects(scheduled=scheduled), []
            return state, _effects(actions)
        if isinstance(body, Tick):
            due = {k: s for k, s in state.scheduled.items() if s.at <= body.at}
            if not due:
                return state, []
            rest = {k: s for k, s in state.scheduled.items() if k not in due}
            ordered = sorted(due.values(), key=lambda s: s.at)
            return Subjects(scheduled=rest), [e for s in ordered for e in _effects(s.actions)]
        return state, []

    def wake(self, state: Subjects, now: datetime) -> datetime | None:
        return min((s.at for s in state.scheduled.values()), default=None)


def _handler(settings: Settings) -> SubjectsHandler:
    return SubjectsHandler()


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


PROCESSOR = Processor(
    name=PROCESSOR_NAME,
    state=Subjects,
    inputs={VERDICTS: Verdict},
    handler=_handler,
    timed=True,
    effects=True,
    needs_registry=True,
    sidecars=(_applier,),
)
