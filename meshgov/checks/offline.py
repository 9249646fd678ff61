"""Every registration-time check at once, without Kafka: what `meshgov check` runs. The same
functions the processors call, joined by the same decision, so both agree exactly."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from meshgov.checks import compatibility, pii, policy, sla
from meshgov.checks.compatibility.history import StoredHistory, load_history, with_accepted
from meshgov.checks.verdicts import decide
from meshgov.models.events import Registration, Verdict
from meshgov.models.loading import parse_descriptor
from meshgov.models.policy import GlobalPolicy


def check_offline(
    registration: Registration,
    previous: Sequence[str],
    rules: GlobalPolicy,
    required: Sequence[str],
    now: datetime | None = None,
) -> Verdict:
    """The verdict `registration` would get from the processors, with `required` checks
    (the settings' required_checks, as the verdicts processor has them), if the descriptors
    in `previous` (oldest first) had been accepted before it. A required check that no
    processor runs is as silent as it would be on the mesh."""
    now = now or datetime.now(UTC)
    history: StoredHistory = {}
    binding: policy.Binding | None = None
    for text in previous:
        earlier = parse_descriptor(text, "previous descriptor").data_product
        history = with_accepted(history, earlier)
        binding = policy.Binding(earlier.owner, earlier.domain)
    results = {
        compatibility.CHECK_NAME: compatibility.check_registration(
            registration, load_history(history), now
        ),
        pii.CHECK_NAME: pii.check_registration(registration, rules, now),
        policy.CHECK_NAME: policy.check_registration(registration, binding, rules, now),
        sla.CHECK_NAME: sla.check_registration(registration, now),
    }
    verdict = decide(registration, results, required, now, now, timedelta(0))
    assert verdict is not None  # every check answered
    return verdict
