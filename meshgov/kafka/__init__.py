"""meshgov's use of Kafka: its topics, their configs, and reaching the cluster."""
