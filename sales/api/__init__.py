"""The sales REST API under /api/v1/: thin DRF views over the same selectors, filters and services."""
