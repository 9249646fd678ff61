"""The compatibility processor: every registration's schemas against the product's accepted
history, one CheckResult each. History is learnt from mesh.verdicts, so a rejected schema
never becomes the baseline."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from meshgov.checks.compatibility import CHECK_NAME, check_registration
from meshgov.checks.compatibility.history import StoredHistory, load_history, with_accepted
from meshgov.kafka.topics import CHECK_RESULTS, REGISTRATIONS, VERDICTS
from meshgov.models.events import ACCEPTED_DECISIONS, Registration, Verdict
from meshgov.models.loading import parse_descriptor
from meshgov.processors.outputs import Emit, Output
from meshgov.processors.spec import Message, Processor
from meshgov.settings import Settings


class SchemaHistory(BaseModel):
    ports: StoredHistory = {}


class CompatibilityHandler:
    def handle(
        self, state: SchemaHistory, message: Message, now: datetime
    ) -> tuple[SchemaHistory, list[Output]]:
        match message.body:
            case Registration() as registration:
                result = check_registration(registration, load_history(state.ports), now)
                return state, [Emit(CHECK_RESULTS, result)]
            case Verdict() as verdict if verdict.decision in ACCEPTED_DECISIONS:
                product = parse_descriptor(verdict.descriptor, verdict.product).data_product
                return SchemaHistory(ports=with_accepted(state.ports, product)), []
        return state, []


def _handler(settings: Settings) -> CompatibilityHandler:
    return CompatibilityHandler()


PROCESSOR = Processor(
    name=CHECK_NAME,
    state=SchemaHistory,
    inputs={REGISTRATIONS: Registration, VERDICTS: Verdict},
    handler=_handler,
    outputs=(CHECK_RESULTS,),
)
