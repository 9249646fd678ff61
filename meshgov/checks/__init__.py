"""The checks: pure functions from descriptors and histories to findings. No Kafka here."""
