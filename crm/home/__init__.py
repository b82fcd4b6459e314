"""Home: each role's dashboard, and the role-aware navigation every page shows."""
