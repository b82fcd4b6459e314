"""The admin-facing configuration of selling: pipelines, stages, exit criteria, lost reasons, onboarding."""
