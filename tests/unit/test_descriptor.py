from __future__ import annotations

from datetime import time, timedelta

import pytest

from meshgov.models import (
    CompatibilityMode,
    DataFormat,
    DescriptorError,
    PortType,
    RuleKind,
    parse_descriptor,
)


def test_the_seed_example_parses_to_its_structured_values(seed_descriptor_text: str) -> None:
    product = parse_descriptor(seed_descriptor_text).data_product
    assert product.name == "orders-daily-aggregated"
    assert product.owner == "orders-team@company.com"
    assert product.domain == "orders"
    assert product.version == "1.0.0"
    streaming, batch = product.output_ports
    assert (streaming.type, streaming.format, streaming.kafka_topic, streaming.name) == (
        PortType.STREAMING,
        DataFormat.AVRO,
        "orders-events",
        "orders-events",
    )
    assert (batch.type, batch.format, batch.refresh, batch.name) == (
        PortType.BATCH,
        DataFormat.PARQUET,
        "0 2 * * *",
        "batch",
    )
    sla = product.sla
    assert sla.availability is not None
    assert (sla.availability.target_percent, sla.availability.window_days) == (99.5, 30)
    assert sla.freshness is not None
    assert (sla.freshness.deadline, sla.freshness.timezone) == (time(4, 0), "UTC")
    assert sla.schema_stability.compatibility is CompatibilityMode.BACKWARD
    assert sla.schema_stability.breaking_change_notice_days == 30
    row_count, no_nulls = product.quality
    assert (row_count.kind, row_count.threshold) == (RuleKind.ROW_COUNT_VS_SOURCE, 99.9)
    assert (no_nulls.kind, no_nulls.column) == (RuleKind.NO_NULLS, "order_id")


def test_structured_forms_equal_the_free_text(seed_descriptor_text: str) -> None:
    structured = (
        seed_descriptor_text.replace('"99.5%"', "{target_percent: 99.5}")
        .replace('"Data available by 4am UTC"', '{deadline: "04:00", timezone: UTC}')
        .replace(
            '"Backward compatible, 30-day notice for breaking changes"',
            "{compatibility: BACKWARD, breaking_change_notice_days: 30}",
        )
        .replace('metric: "no_nulls_in_order_id"', "kind: no_nulls\n      column: order_id")
    )
    assert structured != seed_descriptor_text
    free = parse_descriptor(seed_descriptor_text).data_product
    parsed = parse_descriptor(structured).data_product
    assert parsed.sla == free.sla
    assert parsed.quality[1].kind == free.quality[1].kind
    assert parsed.quality[1].column == free.quality[1].column


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("within 2h of the scheduled run", {"within": timedelta(hours=2)}),
        ("Data delivered within 90 minutes after each run", {"within": timedelta(minutes=90)}),
        ("no records for 15 minutes", {"max_silence": timedelta(minutes=15)}),
        ("max silence 1h 30m", {"max_silence": timedelta(minutes=90)}),
        (
            "Data available by 4:30pm Europe/Berlin",
            {"deadline": time(16, 30), "timezone": "Europe/Berlin"},
        ),
        ("ready before midnight UTC", {"deadline": time(0, 0)}),
        ("Data available by 07:15 GMT", {"deadline": time(7, 15), "timezone": "UTC"}),
    ],
)
def test_freshness_sentences(
    seed_descriptor_text: str, text: str, expected: dict[str, object]
) -> None:
    document = seed_descriptor_text.replace("Data available by 4am UTC", text)
    freshness = parse_descriptor(document).data_product.sla.freshness
    assert freshness is not None
    for key, value in expected.items():
        assert getattr(freshness, key) == value


@pytest.mark.parametrize(
    ("text", "mode", "days"),
    [
        ("Fully transitive compatible", CompatibilityMode.FULL_TRANSITIVE, 0),
        ("forward compatible; breaking changes need 14 days notice", CompatibilityMode.FORWARD, 14),
        (
            "Backward transitive compatibility, 60 days' notice",
            CompatibilityMode.BACKWARD_TRANSITIVE,
            60,
        ),
        ("none", CompatibilityMode.NONE, 0),
    ],
)
def test_schema_stability_sentences(
    seed_descriptor_text: str, text: str, mode: CompatibilityMode, days: int
) -> None:
    document = seed_descriptor_text.replace(
        "Backward compatible, 30-day notice for breaking changes", text
    )
    stability = parse_descriptor(document).data_product.sla.schema_stability
    assert (stability.compatibility, stability.breaking_change_notice_days) == (mode, days)


# Each malformed descriptor: (what to replace, with what, the path named, its line, the words said)
MALFORMED = [
    (
        '"Data available by 4am UTC"',
        '"Data available soonish"',
        "data_product.sla.freshness",
        15,
        "unrecognised freshness 'Data available soonish'",
    ),
    (
        '"Data available by 4am UTC"',
        '"Data available by 4am"',
        "data_product.sla.freshness",
        15,
        "names no time zone",
    ),
    (
        '"Data available by 4am UTC"',
        '"by 4am Mars/Olympus"',
        "data_product.sla.freshness.timezone",
        15,
        "unknown time zone 'Mars/Olympus'",
    ),
    (
        '"Data available by 4am UTC"',
        "{deadline: 4:00, timezone: UTC}",
        "data_product.sla.freshness.deadline",
        15,
        "YAML reads it as the number 240",
    ),
    (
        '"99.5%"',
        '"most of the time"',
        "data_product.sla.availability",
        14,
        "unrecognised availability 'most of the time'",
    ),
    ('"99.5%"', '"150%"', "data_product.sla.availability.target_percent", 14, "at most 100"),
    (
        '"Backward compatible, 30-day notice for breaking changes"',
        '"Backward compatible, mostly"',
        "data_product.sla.schema_stability",
        16,
        "unrecognised schema stability clause 'mostly'",
    ),
    (
        '"row_count_vs_source"',
        '"row_count_vs_sauce"',
        "data_product.quality[0]",
        18,
        "unknown quality metric 'row_count_vs_sauce'",
    ),
    (
        "threshold: 99.9%",
        "threshold: lots",
        "data_product.quality[0].threshold",
        19,
        "expected a percentage",
    ),
    ('"orders-team@company.com"', '"the orders team"', "data_product.owner", 3, "not an e-mail"),
    (
        'name: "orders-daily-aggregated"',
        'name: "Orders Daily!"',
        "data_product.name",
        2,
        "must be lower case",
    ),
    (
        'format: "Parquet"',
        'format: "Excel"',
        "data_product.output_ports[1].format",
        10,
        "unknown DataFormat 'Excel'",
    ),
    (
        'type: "batch"',
        'type: "carrier-pigeon"',
        "data_product.output_ports[1].type",
        9,
        "unknown PortType 'carrier-pigeon'",
    ),
    (
        'refresh: "0 2 * * *"',
        'refresh: "every night"',
        "data_product.output_ports[1].refresh",
        12,
        "not a cron expression",
    ),
    (
        'location: "kafka://orders-events"',
        'location: "s3://bucket/orders"',
        "data_product.output_ports[0]",
        6,
        "streaming port's location must be a Kafka topic",
    ),
    (
        'location: "s3://data-mesh/orders/daily/"',
        'location: "somewhere"',
        "data_product.output_ports[1].location",
        11,
        "not a URI",
    ),
    (
        '  description: "Daily',
        '  colour: blue\n  description: "Daily',
        "data_product.colour",
        4,
        "is not a known field",
    ),
    ('  owner: "orders-team@company.com"\n', "", "data_product.owner", 1, "is required"),
]


@pytest.mark.parametrize(
    ("old", "new", "path", "line", "words"), MALFORMED, ids=lambda v: str(v)[:30]
)
def test_a_malformed_descriptor_names_the_field_and_line(
    seed_descriptor_text: str, old: str, new: str, path: str, line: int, words: str
) -> None:
    assert old in seed_descriptor_text
    with pytest.raises(DescriptorError) as info:
        parse_descriptor(seed_descriptor_text.replace(old, new, 1), "product.yaml")
    problems = {p.path: p for p in info.value.problems}
    assert path in problems, f"problems named {sorted(problems)}"
    assert problems[path].line == line
    assert words in problems[path].message
    assert f"{path} (line {line}): " in str(info.value)
    assert str(info.value).startswith("invalid data product descriptor product.yaml")


def test_every_problem_is_reported_not_only_the_first(seed_descriptor_text: str) -> None:
    broken = seed_descriptor_text.replace('"99.5%"', '"lots"').replace(
        '"row_count_vs_source"', '"vibes"'
    )
    with pytest.raises(DescriptorError) as info:
        parse_descriptor(broken)
    assert [p.path for p in info.value.problems] == [
        "data_product.sla.availability",
        "data_product.quality[0]",
    ]


def test_a_duplicate_key_is_an_error_not_a_silent_override(seed_descriptor_text: str) -> None:
    doubled = seed_descriptor_text.replace(
        "  sla:\n", '  sla:\n    freshness: "within 2h of the scheduled run"\n', 1
    )
    with pytest.raises(
        DescriptorError,
        match=r"line 16\): not valid YAML: duplicate key 'freshness' \(first on line 14\)",
    ):
        parse_descriptor(doubled)


def test_broken_yaml_names_the_line() -> None:
    with pytest.raises(
        DescriptorError,
        match=r"document \(line 4\): not valid YAML: (did not find )?expected ',' or '\]'.*"
        r"while parsing a flow "
        r"sequence that starts on line 3",
    ):
        parse_descriptor("data_product:\n  name: x\n  owner: [unclosed\n")


@pytest.mark.parametrize("document", ["", "- a\n- b\n", "product: {}\n"])
def test_a_document_without_data_product_is_rejected(document: str) -> None:
    with pytest.raises(DescriptorError, match="top-level 'data_product' key"):
        parse_descriptor(document)


def test_port_names_default_to_the_topic_or_the_type_and_must_be_unique(
    seed_descriptor_text: str,
) -> None:
    two_batches = seed_descriptor_text.replace(
        "  sla:\n",
        "    - type: batch\n      format: CSV\n"
        '      location: "s3://data-mesh/orders/csv/"\n  sla:\n',
    )
    ports = parse_descriptor(two_batches).data_product.output_ports
    assert [p.name for p in ports] == ["orders-events", "batch-1", "batch-2"]
    clash = seed_descriptor_text.replace(
        'type: "batch"', 'type: "batch"\n      name: orders-events'
    )
    with pytest.raises(DescriptorError, match="two output ports are named 'orders-events'"):
        parse_descriptor(clash)


@pytest.mark.parametrize(
    ("text", "line", "character"),
    [
        ('data_product:\n  name: "a\x07b"\n', 2, "#x0007"),
        ("\x1b[31m: bad\n", 1, "#x001b"),
        ("data_product:\n  owner: x\n  name: x\x00\n", 3, "#x0000"),
    ],
)
def test_control_characters_are_a_descriptor_error_naming_line_and_character(
    text: str, line: int, character: str
) -> None:
    with pytest.raises(DescriptorError) as raised:
        parse_descriptor(text, "d.yaml")
    (problem,) = raised.value.problems
    assert problem.line == line
    assert character in problem.message


def alias_bomb(levels: int) -> str:
    """A few hundred bytes of YAML that expand to 9**levels values."""
    lines = ['l0: &l0 ["x", "x", "x", "x", "x", "x", "x", "x", "x"]']
    for level in range(1, levels):
        lines.append(f"l{level}: &l{level} [{', '.join([f'*l{level - 1}'] * 9)}]")
    return (
        "\n".join(lines) + f"\ndata_product:\n  name: x\n  owner: a@b.c\n  tags: *l{levels - 1}\n"
    )


def test_a_yaml_alias_bomb_is_refused_before_it_is_expanded() -> None:
    text = alias_bomb(8)  # 43 million values
    assert len(text) < 700
    with pytest.raises(DescriptorError, match="expands to more than 100000 values"):
        parse_descriptor(text)


def test_aliases_within_the_limit_are_fine(seed_descriptor_text: str) -> None:
    text = seed_descriptor_text.replace(
        '      format: "Avro"', '      format: &format "Avro"'
    ).replace('      format: "Parquet"', "      format: *format")
    streaming, batch = parse_descriptor(text).data_product.output_ports
    assert (streaming.format, batch.format) == (DataFormat.AVRO, DataFormat.AVRO)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("x: 1\n" * 250_000, "1250000 characters; at most 512000"),
        ("data_product:\n  tags: " + "[" * 70 + "]" * 70 + "\n", "nests deeper than 64 levels"),
    ],
)
def test_oversized_and_deeply_nested_documents_are_refused(text: str, message: str) -> None:
    with pytest.raises(DescriptorError, match=message):
        parse_descriptor(text)


def test_an_error_quotes_a_huge_value_only_in_part() -> None:
    huge = "[" + ", ".join(["1"] * 50_000) + "]"
    with pytest.raises(DescriptorError) as raised:
        parse_descriptor(f"data_product:\n  name: {huge}\n  owner: a@b.c\n")
    assert len(str(raised.value)) < 1000
    assert "characters)" in str(raised.value)
