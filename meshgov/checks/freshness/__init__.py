"""Freshness: when a batch port's runs are due, and when each run's deadline passes."""
