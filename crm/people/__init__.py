"""People: the users' own settings and time zones, signing in (pages, API tokens, lockout and throttling)
and resetting a password."""
