"""The policy processor: ownership and the policy file's rules on every registration.
A product's owner and domain are bound by its accepted verdicts."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from meshgov.checks.policy import CHECK_NAME, Binding, check_registration
from meshgov.checks.policy.signature import LEEWAY, KeyLookup, replayed, verify
from meshgov.kafka.topics import CHECK_RESULTS, REGISTRATIONS, VERDICTS
from meshgov.models.events import ACCEPTED_DECISIONS, Millis, Registration, Verdict
from meshgov.models.policy import GlobalPolicy, load_policy
from meshgov.processors.outputs import Emit, Output
from meshgov.processors.spec import Message, Processor
from meshgov.settings import Settings
from meshgov.signers import key_lookup


class OwnerBinding(BaseModel):
    owner: str | None = None
    domain: str | None = None
    # Signed registrations seen, by registration id and by token: where each was read and
    # until when its signature holds. Either seen read elsewhere is a replay; read again at
    # the same place, the same record after a restart.
    signed: dict[str, tuple[str, Millis]] = {}


class PolicyHandler:
    def __init__(self, policy: GlobalPolicy, keys: KeyLookup) -> None:
        self.policy = policy
        self.keys = keys

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
                # Judged at when the broker appended it (LogAppendTime), so a backlog or a
                # replay after a restart decides as the first pass did.
                arrived = message.at or now
                vouched, findings = verify(registration, self.policy, self.keys, arrived)
                signed = {k: v for k, v in state.signed.items() if v[1] + LEEWAY >= arrived}
                if vouched is not None:
                    for used in (registration.registration_id, vouched.token_id):
                        seen = signed.get(used)
                        if seen is not None and seen[0] != message.origin:
                            findings = [replayed(registration.registration_id)]
                    if not findings:
                        for used in (registration.registration_id, vouched.token_id):
                            signed[used] = (message.origin, vouched.expires_at)
                result = check_registration(registration, binding, self.policy, now, findings)
                updated = state.model_copy(update={"signed": signed})
                return updated, [Emit(CHECK_RESULTS, result)]
            case Verdict() as verdict if verdict.decision in ACCEPTED_DECISIONS:
                # A recorded transfer moves the binding to the new owner once accepted.
                update = {"owner": verdict.owner, "domain": verdict.domain}
                return state.model_copy(update=update), []
        return state, []


def _handler(settings: Settings) -> PolicyHandler:
    policy = load_policy(settings.policy_path)
    return PolicyHandler(policy, key_lookup(policy, settings.policy_path))


PROCESSOR = Processor(
    name=CHECK_NAME,
    state=OwnerBinding,
    inputs={REGISTRATIONS: Registration, VERDICTS: Verdict},
    handler=_handler,
    outputs=(CHECK_RESULTS,),
)
