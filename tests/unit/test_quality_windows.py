"""Windows of a streaming port counted per partition and added up by the product's stream:
the parts, their re-reads after a restart, the reader's closing and its commit hold-back."""

from __future__ import annotations

import io
import itertools
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from fastavro import parse_schema, schemaless_writer

from meshgov.checks.quality.windows import Part, PendingWindow
from meshgov.codec.product_records import ProductRecordDecoder
from meshgov.models.loading import parse_descriptor
from meshgov.processors.outputs import Send
from meshgov.processors.pii import sampled
from meshgov.processors.ports import StreamingPort
from meshgov.processors.quality import StreamingWindows
from meshgov.processors.signals import Window

START = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
SCHEMA = {
    "type": "record",
    "name": "O",
    "fields": [{"name": "order_id", "type": ["null", "string"], "default": None}],
}


def part(partition: int, first: int, last: int, rows: int, nulls: int = 0) -> Part:
    return Part(
        partition=partition,
        first_offset=first,
        last_offset=last,
        rows=rows,
        violations=0,
        columns={"order_id": (nulls, None)},
    )


def pending(partitions: int = 2) -> PendingWindow:
    return PendingWindow(
        port="p", start=START, end=START + timedelta(minutes=1), partitions=partitions, due=START
    )


def test_parts_of_every_partition_add_up_and_complete_the_window() -> None:
    window = pending().add(part(0, 0, 9, 10, nulls=4)).add(part(1, 0, 29, 30, nulls=1))
    assert window.complete
    figures = window.figures()
    assert (figures.rows, figures.columns["order_id"].nulls) == (40, 5)


def test_a_partition_read_again_replaces_its_part_and_records_running_late_add_up() -> None:
    window = pending().add(part(0, 0, 9, 10))
    assert window.add(part(0, 5, 9, 5)).figures().rows == 10  # re-read of a covered range
    assert window.add(part(0, 0, 14, 15)).figures().rows == 15  # re-read reaching further
    assert window.add(part(0, 20, 24, 5)).figures().rows == 15  # disjoint: late records
    assert not window.complete


def test_an_unknown_partition_count_never_completes_a_window_early() -> None:
    assert not pending(partitions=0).add(part(0, 0, 9, 10)).complete


@dataclass
class Record:
    topic: str
    partition: int
    offset: int
    timestamp_ms: int | None
    value: bytes
    key: bytes | None = None
    headers: tuple[()] = ()
    schema_header: bytes | None = None

    @property
    def where(self) -> str:
        return f"{self.topic}[{self.partition}]@{self.offset}"

    def event_millis(self, now_ms: int) -> int:
        return self.timestamp_ms or now_ms

    def event_time(self, now: datetime) -> datetime:
        return datetime.fromtimestamp(self.event_millis(0) / 1000, UTC)


def port() -> StreamingPort:
    text = f"""
data_product:
  name: "orders"
  owner: "orders-team@company.com"
  output_ports:
    - type: streaming
      format: Avro
      location: "kafka://orders-events"
      schema: '{json.dumps(SCHEMA)}'
  quality:
    - metric: "no_nulls_in_order_id"
"""
    product = parse_descriptor(text).data_product
    return StreamingPort(
        product, "orders-events", "orders-events", ProductRecordDecoder(SCHEMA, "AVRO")
    )


def encoded(order_id: str | None) -> bytes:
    out = io.BytesIO()
    schemaless_writer(out, parse_schema(SCHEMA), {"order_id": order_id})
    return out.getvalue()


def test_the_reader_closes_a_partitions_window_once_its_records_move_past_it() -> None:
    windows = StreamingWindows(timedelta(minutes=1))
    windows.partition_counts = {"orders-events": 2}
    stream = port()
    start_ms = int(START.timestamp() * 1000)
    batch = [
        (stream, Record("orders-events", 0, offset, start_ms + offset * 1000, encoded(None)))
        for offset in range(3)
    ]
    now = START + timedelta(hours=1)  # a backlog: the wall clock is long past the window
    assert windows.observe(batch, now) == []  # the window's newest records are still coming
    assert windows.retained() == {("orders-events", 0): 0}  # so its records stay uncommitted
    later = (stream, Record("orders-events", 0, 3, start_ms + 63_000, encoded("A")))
    outputs = windows.observe([later], now)
    [closed] = [o.signal for o in outputs if isinstance(o, Send)]
    assert isinstance(closed, Window)
    assert (closed.rows, closed.columns["order_id"], closed.partition, closed.partitions) == (
        3,
        (3, None),
        0,
        2,
    )
    assert (closed.first_offset, closed.last_offset) == (0, 2)
    assert windows.retained() == {("orders-events", 0): 3}
    windows.revoked([("orders-events", 0)])
    assert windows.retained() == {}


def test_pii_sampling_is_a_function_of_coordinates_at_the_rate_asked_for() -> None:
    chosen = [offset for offset in range(100_000) if sampled(3, offset, 0.05)]
    assert 4_700 < len(chosen) < 5_300
    assert chosen == [offset for offset in range(100_000) if sampled(3, offset, 0.05)]
    gaps = [b - a for a, b in itertools.pairwise(chosen)]
    assert max(gaps) <= 40  # a leak in 40 consecutive records is never missed at 5%
    assert all(sampled(0, offset, 1.0) for offset in range(1000))


def test_a_part_read_again_from_later_than_the_first_keeps_the_first() -> None:
    window = pending().add(part(0, 0, 50, 51))
    assert window.add(part(0, 40, 55, 16)).figures().rows == 51


def test_a_record_stamped_in_the_future_holds_no_window_open() -> None:
    windows = StreamingWindows(timedelta(minutes=1))
    stream = port()
    now = START + timedelta(seconds=30)
    ahead = int((now + timedelta(hours=1)).timestamp() * 1000)
    windows.observe([(stream, Record("orders-events", 0, 0, ahead, encoded("A")))], now)
    # Counted as now (plus the grace), so its window closes like any other.
    later = now + timedelta(minutes=2)
    outputs = windows.observe([], later)
    assert [o.signal.rows for o in outputs if isinstance(o, Send)] == [1]
    assert windows.retained() == {}
