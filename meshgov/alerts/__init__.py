"""Breaches and notices routed to people: webhooks, Slack, PagerDuty."""
