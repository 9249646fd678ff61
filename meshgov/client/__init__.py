"""The Python SDK: what the CLI does, as calls."""

from meshgov.client.outputs import publish_output
from meshgov.client.registration import RegistrationTimeoutError, register_data_product

__all__ = ["RegistrationTimeoutError", "publish_output", "register_data_product"]
