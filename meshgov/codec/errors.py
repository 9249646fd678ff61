"""Errors raised while encoding or decoding events. Each message names what is wrong."""

from meshgov.errors import PlatformUnavailableError


class EncodeError(ValueError):
    """A record does not match the Avro schema it is written with."""


class DecodeError(ValueError):
    """Bytes that cannot be read as a meshgov event; processors dead-letter these."""


class FrameError(DecodeError):
    """The bytes are not an Avro single-object frame (marker C3 01 + 8-byte fingerprint)."""


class UnknownSchemaError(DecodeError):
    """The frame's fingerprint names a writer schema this reader does not know."""

    def __init__(self, message: str, fingerprint: bytes) -> None:
        super().__init__(message)
        self.fingerprint = fingerprint


class WrongEventTypeError(DecodeError):
    """The frame holds a known event of another type than the one expected."""


class PayloadError(DecodeError):
    """The frame is well formed but its Avro body is truncated or corrupt."""


class RegistryUnavailableError(PlatformUnavailableError):
    """The Schema Registry could not be asked: a fault of the platform, never of the record,
    so no processor dead-letters a record for it (the stream stops and starts again)."""
