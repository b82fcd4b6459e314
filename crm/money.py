"""Amounts and their currencies, as every app that prices something checks them."""

from __future__ import annotations

import re

CURRENCY_CODE = re.compile(r"^[A-Z]{3}$")


def currency_problem(value: object) -> str | None:
    """Why `value` is not an ISO 4217 style code such as EUR (upper-cased first), or None."""
    code = str(value or "").strip().upper()
    if not code:
        return "Enter a 3-letter currency code such as EUR."
    if not CURRENCY_CODE.match(code):
        return f'"{value}" is not a 3-letter currency code such as EUR.'
    return None
