"""One cell of a file read into a field's value, or a message for the person who typed it.

Text is stored as the file gives it, as a form stores what a person types: "=SUM(A1)" in a name stays
"=SUM(A1)". Such formula-looking text is made harmless where it leaves the CRM for a spreadsheet (the
exports and the rejected-rows file, crm.lists.exporting.spreadsheet_safe), not here. A cell with the
apostrophe those files put before formula-looking text ("'=SUM(A1)") is read back without it, so that
a file exported or rejected by the CRM imports again as it was. Fields with a format (email, phone,
website, numbers) accept no formula: such a cell fails its format check and the row is reported.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, cast

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email
from django.db.models import CharField, Model

from crm.lists.exporting import spreadsheet_safe

FORMULA_STARTS = ("=", "+", "-", "@")
PHONE = re.compile(r"^\+?[\d(][\d\s().\-/]*$")
PHONE_DIGITS = range(7, 16)
THOUSANDS_SEPARATORS = re.compile(r"[\s,'’]")
WHOLE_NUMBER = re.compile(r"^\d+(?:\.0+)?$")
LARGEST_INTEGER = 2_147_483_647  # PostgreSQL's integer
# "$1,200.50", "1.200,50 €", "EUR 1 200": the symbols and codes around an amount, and its separators.
CURRENCY_MARKS = re.compile(r"^[A-Z]{3}\s*|\s*[A-Z]{3}$|[$€£¥₹]")
DECIMAL_COMMA = re.compile(r"^\d{1,3}(?:[.\s’']\d{3})*,\d{1,2}$|^\d+,\d{1,2}$")
SHOWN_CHARS = 60


class CellError(ValueError):
    """A cell's value breaks its field's rule; the message says how, for the person who typed it."""


Cleaner = Callable[[str], Any]


def unguarded(value: str) -> str:
    """The cell without the apostrophe a spreadsheet-safe file puts before formula-looking text."""
    if value.startswith("'") and spreadsheet_safe(value[1:]) == value:
        return value[1:]
    return value


def shown(value: str) -> str:
    """A cell quoted in a message, shortened so that one message never outgrows its column."""
    return f'"{value}"' if len(value) <= SHOWN_CHARS else f'"{value[:SHOWN_CHARS]}…"'


def max_length(model: type[Model], name: str) -> int:
    return int(cast("CharField[Any, Any]", model._meta.get_field(name)).max_length or 0)


def text(limit: int) -> Cleaner:
    def clean(value: str) -> str:
        value = unguarded(value)
        if len(value) > limit:
            raise CellError(f"Longer than {limit} characters ({len(value)}).")
        return value

    return clean


def email(limit: int) -> Cleaner:
    def clean(value: str) -> str:
        value = unguarded(value)  # "'-sales@example.com" from an export is "-sales@example.com"
        try:
            if value.startswith(("=", "@")) or len(value) > limit:
                raise ValidationError("invalid")
            validate_email(value)
        except ValidationError:
            raise CellError(f"{shown(value)} is not a valid email address.") from None
        return value

    return clean


def phone(limit: int, *, digits_of: Callable[[str], str]) -> Cleaner:
    def clean(value: str) -> str:
        value = unguarded(value)  # a spreadsheet-safe file's "'+49 ...": the apostrophe only guards the cell
        if not PHONE.match(value) or len(digits_of(value)) not in PHONE_DIGITS:
            raise CellError(
                f"{shown(value)} is not a plausible phone number: use 7 to 15 digits, with an optional "
                "leading + and spaces, dashes, dots or brackets."
            )
        if len(value) > limit:
            raise CellError(f"Longer than {limit} characters ({len(value)}).")
        return value

    return clean


def website(limit: int) -> Cleaner:
    def clean(value: str) -> str:
        url = value if "://" in value else f"https://{value}"
        try:
            if value.startswith(FORMULA_STARTS) or len(url) > limit:
                raise ValidationError("invalid")
            URLValidator(schemes=["http", "https"])(url)
        except ValidationError:
            raise CellError(f"{shown(value)} is not a web address (e.g. https://example.com).") from None
        return url

    return clean


def whole_number(what: str, *, largest: int = LARGEST_INTEGER, smallest: int = 0) -> Cleaner:
    """ "1,200", "1 200" and Excel's "250.0" are whole numbers; `what` names the thing counted."""

    def clean(value: str) -> int:
        number = THOUSANDS_SEPARATORS.sub("", value)
        if not WHOLE_NUMBER.match(number) or not smallest <= int(float(number)) <= largest:
            raise CellError(f"{shown(value)} is not a whole number of {what}.")
        return int(float(number))

    return clean


def year(value: str) -> int:
    if not re.fullmatch(r"\d{4}(?:\.0+)?", value) or not 1000 <= int(float(value)) <= 2999:
        raise CellError(f"{shown(value)} is not a year (e.g. 1998).")
    return int(float(value))


def amount(value: str) -> Decimal:
    """An amount as spreadsheets and other CRMs write it: "$1,200.50", "1.200,50 €", "EUR 1200"."""
    bare = CURRENCY_MARKS.sub("", value.strip()).strip()
    if DECIMAL_COMMA.match(bare):  # "1.200,50": the comma is the decimal mark
        bare = re.sub(r"[.\s’']", "", bare).replace(",", ".")
    else:
        bare = THOUSANDS_SEPARATORS.sub("", bare)
    try:
        number = Decimal(bare)
    except InvalidOperation:
        number = Decimal("NaN")
    if not number.is_finite() or number < 0 or number >= Decimal("1e13"):
        raise CellError(f"{shown(value)} is not an amount (e.g. 1200.50 or $1,200.50).")
    return number.quantize(Decimal("0.01"))


def external_source(limit: int) -> Cleaner:
    def clean(value: str) -> str:
        source = unguarded(value).strip().lower()  # one system whatever its spelling's case
        if len(source) > limit:
            raise CellError(f"Longer than {limit} characters ({len(source)}).")
        return source

    return clean


@dataclass(frozen=True)
class Reference:
    """A cell that names another record (a parent account, a contact's account): resolved per chunk."""

    text: str

    def __str__(self) -> str:
        return self.text


def reference(limit: int) -> Cleaner:
    """A cell naming another record, kept as a Reference for the importer to resolve when it writes."""

    def clean(value: str) -> Reference:
        return Reference(text(limit)(value))

    return clean


def full_name(model: type[Model]) -> Cleaner:
    """ "Anna Maria Schmidt" -> ("Anna Maria", "Schmidt"); one word is a last name. The row checker
    fills the first and last names their own columns left empty (crm.imports.rows.split_full_name)."""

    def clean(value: str) -> tuple[str, str]:
        first, _, last = unguarded(value).rpartition(" ")
        parts = (first.strip(), last)
        for part, name in zip(parts, ("first_name", "last_name"), strict=True):
            if len(part) > max_length(model, name):
                limit = max_length(model, name)
                raise CellError(f"The {name.replace('_', ' ')} is longer than {limit} characters.")
        return parts

    return clean


DAY_FIRST, MONTH_FIRST = "dmy", "mdy"
ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T][\d:.]+(?:Z|[+-]\d\d:?\d\d)?)?$")
NUMERIC_DATE = re.compile(r"^(\d{1,2})[./-](\d{1,2})[./-](\d{2}|\d{4})$")
MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ),
        start=1,
    )
    for name in names
}
WORDY_DATE = re.compile(r"^(?:(\d{1,2})\s+([a-z]+)\.?,?\s+(\d{4})|([a-z]+)\.?\s+(\d{1,2}),?\s+(\d{4}))$")


def date_order_hint(cell: str) -> str:
    """DAY_FIRST or MONTH_FIRST when a numeric date can only be read one way ("31/12/2024"), else ""."""
    match = NUMERIC_DATE.match(cell.strip())
    if not match:
        return ""
    first, second = int(match[1]), int(match[2])
    if first > 12 >= second:
        return DAY_FIRST
    if second > 12 >= first:
        return MONTH_FIRST
    return ""


def date(order: str) -> Cleaner:
    """A date as files write it: 2024-03-31 (and Excel's dates), 31/03/2024 or 03/31/2024 (`order` says
    which when both could be), 31.03.2024, 31 Mar 2024, March 31, 2024."""

    def clean(value: str) -> datetime.date:
        text = value.strip().casefold()
        if match := ISO_DATE.match(text):
            year, month, day = int(match[1]), int(match[2]), int(match[3])
        elif match := NUMERIC_DATE.match(text):
            first, second, year = int(match[1]), int(match[2]), int(match[3])
            year += 2000 if year < 100 else 0
            hint = date_order_hint(text)
            if not (hint or order) and first != second:
                raise CellError(
                    f"{shown(value)} could be day first or month first; say which under “Options”."
                )
            day, month = (first, second) if (hint or order) == DAY_FIRST else (second, first)
        elif match := WORDY_DATE.match(text):
            day_text, month_text, year_text = (
                (match[1], match[2], match[3]) if match[1] else (match[5], match[4], match[6])
            )
            day, month, year = int(day_text), MONTHS.get(month_text, 0), int(year_text)
        else:
            raise CellError(f"{shown(value)} is not a date (e.g. 2024-03-31 or 31/03/2024).")
        try:
            return datetime.date(year, month, day)
        except ValueError:
            raise CellError(f"{shown(value)} is not a date of the calendar.") from None

    return clean
