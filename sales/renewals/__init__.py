"""Renewals: a renewal deal opened ahead of each won contract's end, by a periodic task."""
