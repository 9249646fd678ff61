"""The catalog: accepted products, their versions, health and lineage."""
