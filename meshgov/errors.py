"""Errors that are the platform's fault, never an input's."""


class PlatformUnavailableError(RuntimeError):
    """A service a decision depends on (the Schema Registry, an identity provider's keys)
    could not be asked. No record is dead-lettered or judged for it: the processor's stream
    stops and reads the record again."""
