"""Sentences a domain engineer understands, for each kind of incompatibility."""

from __future__ import annotations

from meshgov.checks.compatibility import resolution as r
from meshgov.checks.compatibility.resolution import Incompatibility

NEW_READS_OLD = "new reads old"
OLD_READS_NEW = "old reads new"


def explain(item: Incompatibility, direction: str, version: str) -> str:
    """Why `item` breaks compatibility with `version`, in the words of the schema's users."""
    where = item.path or "/"
    if direction == NEW_READS_OLD:
        who = f"consumers on the new schema cannot read data written with version {version}"
    else:
        who = f"consumers still on version {version} cannot read data written with the new schema"
    if item.code == r.READER_FIELD_MISSING_DEFAULT_VALUE:
        field = item.detail
        if direction == NEW_READS_OLD:
            return (
                f"Field '{field}' ({where}) is new and has no default, so {who}. Give it a "
                f'default, e.g. make it ["null", ...] with "default": null.'
            )
        return (
            f"Field '{field}' ({where}) was removed or renamed, and version {version} has no "
            f"default for it, so {who}. Keep the field, or add a default to it first."
        )
    if item.code == r.TYPE_MISMATCH:
        return (
            f"{where} changes type between {item.writer.describe()} (written) and "
            f"{item.reader.describe()} (read), so {who}. Avro only promotes int to long, float "
            f"or double, long to float or double, float to double, and string to/from bytes."
        )
    if item.code == r.NAME_MISMATCH:
        reader = getattr(item.reader, "fullname", "?")
        writer = getattr(item.writer, "fullname", "?")
        return (
            f"The type at {where} is named {reader} when read but {writer} when written, so "
            f'{who}. Keep the name, or add "aliases": ["{writer}"] to the reading type.'
        )
    if item.code == r.FIXED_SIZE_MISMATCH:
        return f"The fixed type at {where} changes size ({item.detail}), so {who}."
    if item.code == r.MISSING_ENUM_SYMBOLS:
        return (
            f"The enum at {where} lacks the symbols {item.detail} that the writing side may "
            f'use, so {who}. Keep those symbols, or give the reading enum a "default" symbol.'
        )
    if item.code == r.MISSING_UNION_BRANCH:
        return (
            f"The union at {where} has no branch able to read {item.writer.describe()}, so "
            f"{who}. Keep a branch of that type in the union."
        )
    if item.code == r.READER_FIELD_AMBIGUOUS:
        return (
            f"{where}: {item.detail}; Avro cannot tell which one to read, so {who}. Remove "
            f"the alias that matches a second field."
        )
    return f"{where}: {item.detail}; {who}."


def explain_logical_change(item: Incompatibility, version: str) -> str:
    return (
        f"{item.path} keeps its Avro type but changes meaning ({item.detail}) against version "
        f"{version}: readers will decode the values without error but misinterpret them."
    )
