"""`meshgov demo`: a data mesh of fifteen teams, played for real through Kafka."""
