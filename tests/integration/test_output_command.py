from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from meshgov.codec import EventCodec
from meshgov.kafka.admin import TopicAdmin
from meshgov.kafka.clients import KafkaClients
from meshgov.kafka.topics import OUTPUTS
from meshgov.models import ids
from meshgov.models.events import OutputPublished
from meshgov.settings import Settings
from tests.support.kafka import consume, group_consumer

pytestmark = [pytest.mark.kafka, pytest.mark.secured]


def test_meshgov_output_publishes_the_announced_run(
    kafka_bootstrap: str, unique: str, tmp_path: Path, codec: EventCodec
) -> None:
    settings = Settings(bootstrap=kafka_bootstrap, topic_prefix=f"o{unique}.")
    TopicAdmin(KafkaClients(settings)).ensure(settings.topic_specs())
    sample = tmp_path / "sample.jsonl"
    sample.write_text(json.dumps({"order_id": 1, "segment": None}) + "\n")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "meshgov",
            "output",
            "orders-daily-aggregated",
            "--port",
            "batch",
            "--run",
            "2026-11-25",
            "--rows",
            "99870",
            "--source-rows",
            "100000",
            "--scheduled-for",
            "2026-11-25T02:00:00Z",
            "--column",
            "order_id:0:99870",
            "--column",
            "segment:12",
            "--sample",
            str(sample),
            "--bootstrap-servers",
            kafka_bootstrap,
            "--topic-prefix",
            settings.topic_prefix,
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    consumer = group_consumer(kafka_bootstrap, f"out-{unique}", [settings.topic(OUTPUTS)])
    (message,) = consume(consumer, 1)
    consumer.close()
    output = codec.decode(message.value(), OutputPublished)
    assert message.key() == b"orders-daily-aggregated"
    assert output.output_id == ids.output_id("orders-daily-aggregated", "batch", "2026-11-25")
    assert (output.row_count, output.source_row_count) == (99870, 100000)
    assert output.scheduled_for is not None
    assert output.scheduled_for.hour == 2
    assert [(c.name, c.null_count, c.distinct_count) for c in output.columns] == [
        ("order_id", 0, 99870),
        ("segment", 12, None),
    ]
    assert output.sample == [{"order_id": "1", "segment": None}]
