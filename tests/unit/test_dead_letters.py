from __future__ import annotations

import hashlib

from meshgov.processors.spec import DEAD_VALUE_KEPT, dead_letter, masked_preview

RECORD = b'{"email": "anna.weber@example.com", "phone": "+44 20 7946 0958"}'


def test_a_product_record_is_dead_lettered_without_its_bytes() -> None:
    letter = dead_letter(
        "quality",
        "orders",
        2,
        41,
        b"anna@example.com",
        RECORD,
        1,
        [("h", b"v")],
        ValueError("not Avro"),
        product_data=True,
    )
    assert (letter.source_key, letter.source_value, letter.source_headers) == (None, None, [])
    assert (letter.source_topic, letter.source_partition, letter.source_offset) == ("orders", 2, 41)
    assert hashlib.sha256(RECORD).hexdigest() in letter.error_message
    assert f"value of {len(RECORD)} bytes" in letter.error_message
    assert "anna" not in letter.error_message
    assert "7946" not in letter.error_message


def test_a_masked_preview_keeps_the_shape_only() -> None:
    assert (
        masked_preview(b"anna@example.com +44 20 7946 0958") == "xxxx@xxxxxxx.xxx +99 99 9999 9999"
    )
    assert masked_preview(b"\x00\x01ab" * 30, length=8) == "..xx..xx..."


def test_a_mesh_record_keeps_its_bytes_up_to_the_limit() -> None:
    huge = b"x" * (DEAD_VALUE_KEPT + 10)
    letter = dead_letter(
        "verdicts", "mesh.registrations", 0, 7, b"p", huge, None, [], ValueError("bad")
    )
    assert letter.source_value == huge[:DEAD_VALUE_KEPT]
    assert f"value of {len(huge)} bytes" in letter.error_message
    assert letter.source_key == b"p"
