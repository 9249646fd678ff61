class BrokerError(RuntimeError):
    """The local broker could not be fetched, formatted, started or stopped."""


class MissingToolError(BrokerError):
    """A program the local broker needs (Java, Maven) is not installed."""
