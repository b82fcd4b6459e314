"""Reads of the sales app, scoped by the access policy (one module per page family)."""
