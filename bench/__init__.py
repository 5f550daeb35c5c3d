"""Performance and cost of the service, measured against their floors: `make bench` (python -m bench)."""
