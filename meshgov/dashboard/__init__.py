"""The mesh dashboard: verdicts, breaches and the catalog, live in the browser."""
