"""Encode/decode throughput of meshgov's event codec, next to bare fastavro in the same run.

The baseline is fastavro's schemaless writer/reader on plain dicts: no single-object header,
no fingerprint lookup, no pydantic models. The ratio is what framing and typing cost.

    python -m benchmarks.codec [--seconds 2]
"""

from __future__ import annotations

import argparse
import io
import time
from collections.abc import Callable

from fastavro import schemaless_reader, schemaless_writer

from meshgov.codec import default_codec
from tests.support.events import sample_events


def rate(action: Callable[[], object], seconds: float) -> float:
    count, started = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - started) < seconds:
        for _ in range(200):
            action()
        count += 200
    return count / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=2.0, help="per measurement")
    seconds = parser.parse_args().seconds
    codec = default_codec()
    print(
        f"{'event':<16}{'bytes':>7}{'encode/s':>12}{'fastavro':>11}{'ratio':>7}"
        f"{'decode/s':>12}{'fastavro':>11}{'ratio':>7}"
    )
    for event in sample_events(descriptor="data_product:\n  name: x\n" * 20):
        schema = codec.schemas.get(event.avro_name)
        record = event.model_dump(mode="python")
        frame = codec.encode(event)
        buffer = io.BytesIO()
        schemaless_writer(buffer, schema.parsed, record)
        body = buffer.getvalue()

        def raw_encode() -> bytes:
            out = io.BytesIO()
            schemaless_writer(out, schema.parsed, record)  # noqa: B023 - bound per iteration
            return out.getvalue()

        encode = rate(lambda: codec.encode(event), seconds)  # noqa: B023
        encode_base = rate(raw_encode, seconds)
        decode = rate(lambda: codec.decode(frame, type(event)), seconds)  # noqa: B023
        decode_base = rate(lambda: schemaless_reader(io.BytesIO(body), schema.parsed), seconds)  # noqa: B023
        print(
            f"{type(event).__name__:<16}{len(frame):>7}{encode:>12,.0f}{encode_base:>11,.0f}"
            f"{encode / encode_base:>7.2f}{decode:>12,.0f}{decode_base:>11,.0f}"
            f"{decode / decode_base:>7.2f}"
        )


if __name__ == "__main__":
    main()
