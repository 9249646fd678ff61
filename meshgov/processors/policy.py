"""The policy processor: ownership and the policy file's rules on every registration.
A product's owner and domain are bound by its accepted verdicts."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from meshgov.checks.policy import CHECK_NAME, Binding, check_registration
from meshgov.kafka.topics import CHECK_RESULTS, REGISTRATIONS, VERDICTS
from meshgov.models.events import ACCEPTED_DECISIONS, Registration, Verdict
from meshgov.models.policy import GlobalPolicy, load_policy
from meshgov.processors.outputs import Emit, Output
from meshgov.processors.spec import Message, Processor
from meshgov.settings import Settings


class OwnerBinding(BaseModel):
    owner: str | None = None
    domain: str | None = None


class PolicyHandler:
    def __init__(self, policy: GlobalPolicy) -> None:
        self.policy = policy

    def handle(
        self, state: OwnerBinding, message: Message, now: datetime
    ) -> tuple[OwnerBinding, list[Output]]:
        match message.body:
            case Registration() as registration:
                binding = (
                    Binding(state.owner, state.domain)
                    if state.owner is not None and state.domain is not None
                    else None
                )
                result = check_registration(registration, binding, self.policy, now)
                return state, [Emit(CHECK_RESULTS, result)]
            case Verdict() as verdict if verdict.decision in ACCEPTED_DECISIONS:
                # A recorded transfer moves the binding to the new owner once accepted.
                return OwnerBinding(owner=verdict.owner, domain=verdict.domain), []
        return state, []


def _handler(settings: Settings) -> PolicyHandler:
    return PolicyHandler(load_policy(settings.policy_path))


PROCESSOR = Processor(
    name=CHECK_NAME,
    state=OwnerBinding,
    inputs={REGISTRATIONS: Registration, VERDICTS: Verdict},
    handler=_handler,
)
