"""Streaming-port records in the Confluent wire format: how fast meshgov's port decoder reads
them against confluent-kafka's own AvroDeserializer, in the same run.

    python -m benchmarks.wire_format [--records 200000]

On MESHGOV_SCHEMA_REGISTRY_URL or a local Apicurio Registry of its own (in memory): registers
two versions of a six-field schema under one subject, serializes --records records with the
stock AvroSerializer (a tenth with the earlier version), then decodes them all with
AvroDeserializer (reader schema: the current version) and with meshgov's decoder (every
accepted version resolved to the current one), and prints records/s and the ratio."""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from confluent_kafka.schema_registry import Schema, SchemaRegistryClient
from confluent_kafka.schema_registry.avro import AvroDeserializer, AvroSerializer
from confluent_kafka.serialization import MessageField, SerializationContext

from meshgov.codec.product_records import ProductRecordDecoder
from meshgov.processors.ports import registry_schemas
from meshgov.registry import LocalRegistry
from meshgov.settings import Settings

V1: dict[str, Any] = {
    "type": "record",
    "name": "Click",
    "namespace": "com.company.web",
    "fields": [
        {"name": "click_id", "type": "string"},
        {"name": "session_id", "type": "string"},
        {"name": "page", "type": "string"},
        {"name": "duration_ms", "type": "long"},
        {"name": "score", "type": "double"},
    ],
}
V2 = {
    **V1,
    "fields": [*V1["fields"], {"name": "referrer", "type": ["null", "string"], "default": None}],
}
TOPIC = "benchmark-clicks"


def record(index: int, version: int) -> dict[str, Any]:
    value: dict[str, Any] = {
        "click_id": f"c-{index:09d}",
        "session_id": f"s-{index // 20:08d}",
        "page": "/product/1842",
        "duration_ms": index % 90_000,
        "score": index / 7,
    }
    if version == 2:
        value["referrer"] = None if index % 3 else "https://search.example/?q=shoes"
    return value


def rate(count: int, seconds: float) -> str:
    return f"{count / seconds:>10,.0f} records/s"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=200_000)
    args = parser.parse_args()
    with ExitStack() as stack:
        settings = Settings.load()
        if not settings.schema_registry_url:
            scratch = Path(stack.enter_context(tempfile.TemporaryDirectory()))
            local = LocalRegistry(
                scratch / "registry", settings.cache, java_home=settings.java_home
            )
            settings = settings.model_copy(update={"schema_registry_url": local.start().url})
            stack.callback(local.stop)
        registry = SchemaRegistryClient(settings.schema_registry_config())
        subject = f"{TOPIC}-value"
        for schema in (V1, V2):
            registry.register_schema(subject, Schema(json.dumps(schema), "AVRO"))
        context = SerializationContext(TOPIC, MessageField.VALUE)
        conf = {"auto.register.schemas": False}
        serializers = {
            1: AvroSerializer(registry, json.dumps(V1), conf=conf),
            2: AvroSerializer(registry, json.dumps(V2), conf=conf),
        }
        values = []
        for index in range(args.records):
            version = 1 if index % 10 == 0 else 2
            values.append(serializers[version](record(index, version), context))
        print(f"{len(values):,} records serialized with AvroSerializer (10% with version 1)")

        deserializer = AvroDeserializer(registry, json.dumps(V2))
        deserializer(values[0], context)  # the writer schemas fetched once, as by both
        start = time.perf_counter()
        for value in values:
            deserializer(value, context)
        bare = time.perf_counter() - start

        decoder = ProductRecordDecoder(
            V2, "AVRO", earlier=[V1], schema_by_id=registry_schemas(registry)
        )
        decoder.decode(values[0])
        start = time.perf_counter()
        for value in values:
            decoder.decode(value)
        ours = time.perf_counter() - start
        print(f"AvroDeserializer          {rate(len(values), bare)}  1.00x")
        print(f"meshgov port decoder      {rate(len(values), ours)}  {bare / ours:.2f}x")


if __name__ == "__main__":
    main()
