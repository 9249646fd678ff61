"""Quality rules on batch outputs and on windows of streaming records."""
