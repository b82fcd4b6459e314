"""Importing the product catalogue from a CSV file: every row checked first, then all or nothing.

The file is read by the lead import's reader (UTF-8 with or without a byte-order mark, or Windows-1252;
comma, semicolon or tab separated; an .xlsx workbook also works). Rows are numbered as the user sees
them in a spreadsheet: the header is row 1. Each product is created or updated by its SKU, in one
transaction. Cells starting with =, +, - or @ are stored as the text they are; nothing here evaluates
them (a negative price is still refused as negative).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from crm import access
from crm.errors import Conflict, Invalid
from crm.imports.parsing import Row, read_table
from crm.models import User
from crm.web.fragments import fragments_changed
from sales.models import Product, SalesSettings

from .services import PRODUCTS, product_fields_check

MEGABYTE = 1024 * 1024
MAX_BYTES = 5 * MEGABYTE
MAX_ROWS = 10_000
# A file with thousands of bad rows is corrected from the first ones; the page stays readable.
MAX_PROBLEMS_SHOWN = 500
COLUMNS = ("sku", "name", "description", "product_line", "unit_price", "currency", "tax_rate", "active")
REQUIRED_COLUMNS = ("sku", "name", "unit_price")
# Column name in the file -> field of the product.
FIELDS = {column: "is_active" if column == "active" else column for column in COLUMNS}
TRUE_WORDS = {"1", "true", "yes", "y", "active"}
FALSE_WORDS = {"0", "false", "no", "n", "inactive"}


@dataclass(frozen=True)
class ImportProblem:
    row: int
    column: str
    message: str

    def __str__(self) -> str:
        return (
            f"Row {self.row}, {self.column}: {self.message}"
            if self.column
            else f"Row {self.row}: {self.message}"
        )


class ProductImportRefused(Invalid):
    """Nothing was imported; `problems` lists every one found, by row and column."""

    def __init__(self, problems: list[ImportProblem]) -> None:
        count = len(problems)
        super().__init__(
            f"Nothing was imported: the file has {count} problem{'s' if count != 1 else ''}. "
            "Correct them and upload the file again.",
            field="file",
            code="file_has_problems",
        )
        self.problems = problems


@dataclass(frozen=True)
class ImportResult:
    created: int
    updated: int
    unchanged: int


@dataclass(frozen=True)
class _Parsed:
    line: int
    fields: dict[str, Any]


def products_import(*, actor: User, data: bytes) -> ImportResult:
    """Creates or updates a product per row, all in one transaction, or refuses the whole file."""
    access.ensure_admin(actor, doing=PRODUCTS)
    if len(data) > MAX_BYTES:
        raise Invalid(
            f"The file is {len(data) / MEGABYTE:.1f} MB; the largest import is {MAX_BYTES // MEGABYTE} MB. "
            "Split it into smaller files.",
            field="file",
            code="file_too_large",
        )
    table = read_table(data)
    columns = _columns(table.headers, table.header_line)
    problems: list[ImportProblem] = []
    parsed: list[_Parsed] = []
    first_line_of: dict[str, int] = {}
    for row in _bounded(table.rows()):
        cells = _cells(row, columns, problems)
        fields = _parse(row.line, cells, problems)
        sku = " ".join(cells["sku"].split())
        if sku in first_line_of:
            problems.append(
                ImportProblem(row.line, "sku", f"{sku} is also on row {first_line_of[sku]}; list it once.")
            )
        elif sku:
            first_line_of[sku] = row.line
        if fields is not None:
            parsed.append(_Parsed(row.line, fields))
    if problems:
        raise ProductImportRefused(problems)
    if not parsed:
        raise Invalid("The file has column names but no products under them.", field="file", code="no_rows")
    try:
        return _save(parsed)
    except IntegrityError:
        raise Conflict(
            "Someone changed the catalogue while the file was imported; nothing was imported. "
            "Upload it again.",
            field="file",
            code="catalogue_changed",
        ) from None


def _columns(headers: tuple[str, ...], line: int) -> dict[int, str]:
    """{cell index: column} from the header, or a refusal naming unknown and missing columns."""
    problems = []
    columns: dict[int, str] = {}
    for index, header in enumerate(headers):
        name = "_".join(header.strip().lower().split())
        if name in FIELDS and name not in columns.values():
            columns[index] = name
        else:
            problems.append(
                ImportProblem(
                    line,
                    "header",
                    f'"{header}" is not a column the catalogue knows; the columns are {", ".join(COLUMNS)}.',
                )
            )
    missing = [column for column in REQUIRED_COLUMNS if column not in columns.values()]
    if missing:
        plural = "s" if len(missing) > 1 else ""
        message = f"The column{plural} {', '.join(missing)} must be there."
        problems.append(ImportProblem(line, "header", message))
    if problems:
        raise ProductImportRefused(problems)
    return columns


def _bounded(rows: Iterator[Row]) -> Iterator[Row]:
    for count, row in enumerate(rows, start=1):
        if count > MAX_ROWS:
            raise Invalid(
                f"The file has more than {MAX_ROWS:,} products; the largest import is {MAX_ROWS:,}. "
                "Split it into smaller files.",
                field="file",
                code="too_many_rows",
            )
        yield row


def _cells(row: Row, columns: Mapping[int, str], problems: list[ImportProblem]) -> dict[str, str]:
    extra = [value for index, value in enumerate(row.values) if index not in columns and value.strip()]
    if len(row.values) > len(columns) and extra:
        problems.append(ImportProblem(row.line, "", "It has more cells than the header has columns."))
    return {column: row.values[index] if index < len(row.values) else "" for index, column in columns.items()}


def _parse(line: int, cells: dict[str, str], problems: list[ImportProblem]) -> dict[str, Any] | None:
    """The row's product fields; problems are added to `problems` (and None returned)."""
    fields: dict[str, Any] = {}
    found = []
    for column, raw in cells.items():
        value = raw.strip()
        try:
            if column in ("unit_price", "tax_rate"):
                if value or column == "unit_price":
                    fields[column] = _number(value)
            elif column == "active":
                if value:
                    fields["is_active"] = _boolean(value)
            elif column == "currency":
                if value:
                    fields["currency"] = value
            else:
                fields[column] = value
        except ValueError as error:
            found.append(ImportProblem(line, column, str(error)))
    try:
        cleaned = product_fields_check(fields)
    except Invalid as error:
        found.extend(
            ImportProblem(line, _column(field or ""), message)
            for field, messages in error.errors.items()
            for message in messages
            if _column(field or "") not in {problem.column for problem in found}
        )
    problems.extend(sorted(found, key=lambda problem: COLUMNS.index(problem.column)))
    return None if found else cleaned


def _column(field: str) -> str:
    return "active" if field == "is_active" else field


def _number(value: str) -> Decimal | None:
    if not value:
        return None
    text = value.replace(" ", "")
    if "," in text and "." not in text and text.count(",") == 1:
        text = text.replace(",", ".")  # a decimal comma, as semicolon-separated files have
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise ValueError(f'"{value}" is not a number; write it like 1234.50.') from None
    if not number.is_finite():
        raise ValueError(f'"{value}" is not a number; write it like 1234.50.')
    return number


def _boolean(value: str) -> bool:
    word = value.lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ValueError(f'"{value}" is neither yes nor no; write true or false.')


@transaction.atomic
def _save(rows: list[_Parsed]) -> ImportResult:
    skus = [row.fields["sku"] for row in rows]
    existing = {product.sku: product for product in Product.objects.select_for_update().filter(sku__in=skus)}
    default_currency = SalesSettings.current().default_currency
    now = timezone.now()
    new: list[Product] = []
    changed: list[Product] = []
    changed_fields: set[str] = set()
    for row in rows:
        product = existing.get(row.fields["sku"])
        if product is None:
            new.append(Product(**{"currency": default_currency, **row.fields}))
            continue
        differences = {name for name, value in row.fields.items() if getattr(product, name) != value}
        if differences:
            for name in differences:
                setattr(product, name, row.fields[name])
            product.updated_at = now
            changed.append(product)
            changed_fields |= differences
    Product.objects.bulk_create(new, batch_size=1000)
    if changed:
        Product.objects.bulk_update(changed, [*sorted(changed_fields), "updated_at"], batch_size=1000)
    fragments_changed()
    return ImportResult(created=len(new), updated=len(changed), unchanged=len(existing) - len(changed))
