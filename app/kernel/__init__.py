"""Domain-free mechanisms that several domains use (clock, lifecycle, pagination, ...)."""
