class RegistryError(RuntimeError):
    """The local Schema Registry could not be fetched, started or stopped."""


class NoJavaError(RegistryError):
    """No Java new enough for Apicurio Registry was found."""


class RegistryPortError(RegistryError):
    """A port the local Schema Registry was to listen on is taken."""
