"""The Python SDK: what the CLI does, as calls."""

from meshgov.client.registration import RegistrationTimeoutError, register_data_product

__all__ = ["RegistrationTimeoutError", "register_data_product"]
