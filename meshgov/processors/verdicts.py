"""The verdicts processor: one final Verdict per registration, from the required checks'
results.

Registrations and results meet in the product's state, whichever arrives first. A required
check silent past the timeout makes the registration UNDECIDED (one such verdict), and it
stays pending: the check's answer, when its processor is back, decides it for good (up to
UNDECIDED_KEPT). Results arriving after the final decision are ignored, so there is never a
second final verdict. Results whose registration never arrives are dropped after
ORPHANS_KEPT."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from pydantic import BaseModel

from meshgov.checks.verdicts import decide
from meshgov.kafka.topics import CHECK_RESULTS, REGISTRATIONS, VERDICTS
from meshgov.models.events import CheckResult, Decision, Millis, Registration
from meshgov.processors.outputs import Emit, Output
from meshgov.processors.signals import Tick
from meshgov.processors.spec import Message, Processor
from meshgov.settings import Settings

DECIDED_KEPT = 1000  # per product: enough to recognise late results
ORPHANS_KEPT = timedelta(hours=1)
UNDECIDED_KEPT = timedelta(days=7)


class Pending(BaseModel):
    registration: Registration | None = None
    results: dict[str, CheckResult] = {}
    first_seen: Millis
    undecided: bool = False  # its UNDECIDED verdict is out


class Waiting(BaseModel):
    pending: dict[str, Pending] = {}  # by registration id
    decided: list[str] = []  # registration ids, oldest first


class VerdictsHandler:
    def __init__(self, required: Sequence[str], timeout: timedelta) -> None:
        self.required = tuple(required)
        self.timeout = timeout

    def handle(
        self, state: Waiting, message: Message, now: datetime
    ) -> tuple[Waiting, list[Output]]:
        pending = dict(state.pending)
        match message.body:
            case Registration() as registration:
                key = registration.registration_id
                if key in state.decided:
                    return state, []
                entry = pending.get(key) or Pending(first_seen=now)
                pending[key] = entry.model_copy(update={"registration": registration})
            case CheckResult() as result:
                key = result.registration_id
                if key in state.decided:
                    return state, []  # late: the verdict is out already
                entry = pending.get(key) or Pending(first_seen=now)
                results = {**entry.results, result.check: result}
                pending[key] = entry.model_copy(update={"results": results})
            case Tick() as tick:
                now = tick.at
        outputs: list[Output] = []
        decided = list(state.decided)
        for key, entry in list(pending.items()):
            if entry.registration is None or entry.undecided:
                kept = UNDECIDED_KEPT if entry.undecided else ORPHANS_KEPT
                if now - entry.first_seen >= kept:
                    del pending[key]
                    continue
            if entry.registration is None:
                continue
            verdict = decide(
                entry.registration,
                entry.results,
                self.required,
                entry.first_seen,
                now,
                self.timeout,
            )
            if verdict is None:
                continue
            if verdict.decision is Decision.UNDECIDED:
                if not entry.undecided:
                    outputs.append(Emit(VERDICTS, verdict))
                    pending[key] = entry.model_copy(update={"undecided": True})
                continue
            outputs.append(Emit(VERDICTS, verdict))
            decided.append(key)
            del pending[key]
        return Waiting(pending=pending, decided=decided[-DECIDED_KEPT:]), outputs

    def wake(self, state: Waiting, now: datetime) -> datetime | None:
        return min((self._due(entry) for entry in state.pending.values()), default=None)

    def _due(self, entry: Pending) -> datetime:
        if entry.undecided:
            return entry.first_seen + UNDECIDED_KEPT
        return entry.first_seen + (self.timeout if entry.registration else ORPHANS_KEPT)


def _handler(settings: Settings) -> VerdictsHandler:
    return VerdictsHandler(
        settings.required_checks, timedelta(seconds=settings.verdict_timeout_seconds)
    )


PROCESSOR = Processor(
    name="verdicts",
    state=Waiting,
    inputs={REGISTRATIONS: Registration, CHECK_RESULTS: CheckResult},
    handler=_handler,
    timed=True,
    outputs=(VERDICTS,),
)
