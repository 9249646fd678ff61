"""Hostile input on the registration topics of a running mesh: random bytes, truncated and
bit-flipped frames, events of the wrong type, oversized, deeply nested and alias-bomb
descriptors. No processor restarts, every unreadable record is a dead letter with its reason,
hostile descriptors are rejected with a finding that names the limit, valid registrations
keep getting their verdicts, and memory stays bounded."""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path

import pytest

from meshgov.codec import DecodeError, EventCodec
from meshgov.kafka.admin import TopicAdmin
from meshgov.kafka.clients import KafkaClients
from meshgov.kafka.topics import REGISTRATIONS
from meshgov.models.events import Decision, Registration
from meshgov.settings import Settings
from tests.support.descriptors import example_descriptor
from tests.support.kafka import produce
from tests.support.mesh import Emitted, check_result, registration
from tests.support.processes import ProcessorProcess

pytestmark = pytest.mark.kafka

PROCESSORS = ("compatibility", "pii", "policy", "freshness", "verdicts")
RSS_BOUND_MB = 400  # each processor, after all of it (about 120 MB when idle)
PRODUCT = "orders-daily-aggregated"


def alias_bomb() -> str:
    lines = ['l0: &l0 ["x", "x", "x", "x", "x", "x", "x", "x", "x"]']
    lines += [f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 9)}]" for i in range(1, 9)]
    return "\n".join(lines) + f"\ndata_product:\n  name: {PRODUCT}\n  tags: *l8\n"


def reads_as_registration(codec: EventCodec, value: bytes) -> bool:
    try:
        return codec.decode(value, Registration).product == PRODUCT
    except DecodeError:
        return False


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError(f"no VmRSS for {pid}")


@pytest.fixture
def mesh(
    kafka_bootstrap: str, unique: str, tmp_path: Path
) -> Iterator[tuple[Settings, dict[str, ProcessorProcess]]]:
    settings = Settings(bootstrap=kafka_bootstrap, topic_prefix=f"z{unique}.")
    TopicAdmin(KafkaClients(settings)).ensure(settings.topic_specs(), settings.partitions)
    processors = {name: ProcessorProcess(name, settings, tmp_path) for name in PROCESSORS}
    for processor in processors.values():
        processor.start()
    for processor in processors.values():
        processor.wait_ready()
    yield settings, processors
    for processor in processors.values():
        processor.stop()


def test_hostile_records_and_descriptors_on_a_running_mesh(
    mesh: tuple[Settings, dict[str, ProcessorProcess]], codec: EventCodec
) -> None:
    settings, processors = mesh
    emitted = Emitted(
        settings, codec, lambda: "\n".join(p.log_tail(30) for p in processors.values())
    )
    rng = random.Random(7)
    topic = settings.topic(REGISTRATIONS)
    frame = codec.encode(registration(example_descriptor(), PRODUCT))
    garbage: list[bytes] = [rng.randbytes(rng.randint(0, 300)) for _ in range(20)]
    garbage += [frame[: rng.randint(1, len(frame) - 1)] for _ in range(10)]  # truncated
    for _ in range(10):  # one bit flipped in the body (a flip in the header is garbage too)
        flipped = bytearray(frame)
        flipped[rng.randint(10, len(frame) - 1)] ^= 1 << rng.randint(0, 7)
        garbage.append(bytes(flipped))
    # A check result is no registration: read as one, it is an event of the wrong type.
    garbage.append(codec.encode(check_result(registration("data_product: {}", PRODUCT), "pii")))
    hostile: dict[str, Registration] = {
        "alias bomb": registration(alias_bomb(), PRODUCT),
        "oversized": registration(
            example_descriptor().replace("Daily order counts", "x" * 600_000), PRODUCT
        ),
        "nested": registration(
            f"data_product:\n  name: {PRODUCT}\n  tags: " + "[" * 80 + "]" * 80 + "\n", PRODUCT
        ),
    }
    valid = [registration(example_descriptor(), PRODUCT) for _ in range(6)]
    records: list[tuple[str, bytes | None, bytes | None]] = []
    for index, value in enumerate(garbage):
        records.append((topic, PRODUCT.encode(), value))
        if index % 8 == 0:
            reg = valid[index // 8]
            records.append((topic, PRODUCT.encode(), codec.encode(reg)))
    records += [(topic, PRODUCT.encode(), codec.encode(r)) for r in hostile.values()]
    records.append((topic, PRODUCT.encode(), codec.encode(valid[5])))
    produce(settings.bootstrap, records)

    expected = {r.registration_id for r in [*valid, *hostile.values()]}
    emitted.poll_until(lambda: expected <= set(emitted.verdicts), timeout=180)
    # A flipped bit in a string of the body can leave a readable registration.
    readable = [g for g in garbage if reads_as_registration(codec, g)]
    unreadable = len(garbage) - len(readable)
    assert unreadable >= 30

    # Valid registrations keep getting their verdicts, one each.
    for reg in valid:
        (verdict,) = emitted.verdicts[reg.registration_id]
        assert verdict.decision is Decision.ACCEPTED, verdict.checks
    # Hostile descriptors are rejected, the finding naming the limit.
    reasons = {
        name: " ".join(
            f.message
            for v in emitted.verdicts[reg.registration_id]
            for c in v.checks
            for f in c.findings
        )
        for name, reg in hostile.items()
    }
    for reg in hostile.values():
        assert emitted.verdicts[reg.registration_id][0].decision is Decision.REJECTED
    assert "expands to more than 100000 values" in reasons["alias bomb"]
    assert "characters; at most 512000" in reasons["oversized"]
    assert "nests deeper than 64 levels" in reasons["nested"]

    # Every unreadable record is a dead letter of every processor reading the topic.
    emitted.poll_until(
        lambda: (
            len({(d.processor, d.dead_letter_id) for d in emitted.dead_letters})
            >= unreadable * len(PROCESSORS)
        ),
        timeout=60,
    )
    letters = {(d.processor, d.dead_letter_id): d for d in emitted.dead_letters}
    assert {p for p, _ in letters} == set(PROCESSORS)
    assert all(d.error_type and d.error_message for d in letters.values())
    assert all(d.source_topic == topic for d in letters.values())
    readable_ids = {codec.decode(g, Registration).registration_id for g in readable}
    assert {r.registration_id for r in emitted.all_results} <= expected | readable_ids

    # Nothing crashed, nothing was restarted, memory stayed bounded.
    for name, processor in processors.items():
        assert processor.process is not None, name
        assert processor.process.poll() is None, processor.log_tail()
        assert processor.starts == 1
        assert rss_mb(processor.process.pid) < RSS_BOUND_MB, name
    emitted.close()
