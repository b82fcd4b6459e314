"""Account and contact exports: every record of the list the user sees (its filters, search and sort, scoped
by the access policy), as one CSV file streamed in keyset batches (crm.lists.exporting: constant memory,
one query per batch, spreadsheet-safe cells, a UTF-8 BOM).

The columns are the ones the import recognises (crm/customers/importing.py, FIELDS and CONTACT_FIELDS),
the "CRM record ID" first: a file exported, edited in a spreadsheet and imported again updates the same
records instead of creating new ones. A reference is written as the import reads it back: a parent
account and a contact's account by name, an owner by email address.
"""

from __future__ import annotations

from collections.abc import Iterator
from operator import attrgetter
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from crm.lists.exporting import Column, csv_chunks, keyset_batches
from crm.models import Account, Contact

# Records per query: a few hundred KB of CSV and one index range scan each (as the lead export).
BATCH_SIZE = 2_000

# What the account columns read, the joins (parent, owner) among them: rows are named tuples, which
# cost a fraction of model instances.
ACCOUNT_EXPORTED = (
    "pk",
    "name",
    "domain",
    "industry",
    "employee_count",
    "annual_revenue",
    "year_founded",
    "billing_street",
    "billing_city",
    "billing_postal_code",
    "billing_region",
    "billing_country",
    "parent__name",
    "owner__email",
    "external_id",
    "external_source",
)
CONTACT_EXPORTED = (
    "pk",
    "first_name",
    "last_name",
    "email",
    "phone",
    "title",
    "account__name",
    "owner__email",
    "external_id",
    "external_source",
)


def account_columns() -> list[Column]:
    """Each header squashes to a synonym of the import field it fills (tests/crm/test_customer_exports.py
    checks them against FIELDS.guess)."""
    return [
        Column("CRM record ID", attrgetter("pk"), is_text=False),
        Column.text("Account name", "name"),
        Column.text("Website", "domain"),
        Column.text("Industry", "industry"),
        Column("Employees", attrgetter("employee_count"), is_text=False),
        Column("Annual revenue", attrgetter("annual_revenue"), is_text=False),
        Column("Year founded", attrgetter("year_founded"), is_text=False),
        Column.text("Street", "billing_street"),
        Column.text("City", "billing_city"),
        Column.text("Postal code", "billing_postal_code"),
        Column.text("State/Region", "billing_region"),
        Column.text("Country", "billing_country"),
        Column.text("Parent account", "parent__name"),
        Column.text("Owner", "owner__email"),
        Column.text("External id", "external_id"),
        Column.text("External source", "external_source"),
    ]


def contact_columns() -> list[Column]:
    """Each header squashes to a synonym of the import field it fills (CONTACT_FIELDS)."""
    return [
        Column("CRM record ID", attrgetter("pk"), is_text=False),
        Column.text("First name", "first_name"),
        Column.text("Last name", "last_name"),
        Column.text("Email", "email"),
        Column.text("Phone", "phone"),
        Column.text("Job title", "title"),
        Column.text("Account", "account__name"),
        Column.text("Owner", "owner__email"),
        Column.text("External id", "external_id"),
        Column.text("External source", "external_source"),
    ]


def _batches(rows: QuerySet[Any], exported: tuple[str, ...], *, ordering: list[str]) -> Iterator[list[Any]]:
    """`rows` (scoped and filtered) in `ordering`, BATCH_SIZE named tuples of `exported` and the sort keys
    at a time, each batch one query. A record whose sort value changes during the export (renamed,
    when sorted by name) can be written twice or not at all."""
    keys = [name.lstrip("-") for name in ordering if name.lstrip("-") not in exported]
    values = rows.values_list(*exported, *dict.fromkeys(keys), named=True)
    return keyset_batches(values, ordering=ordering, size=BATCH_SIZE)


def account_export_chunks(accounts: QuerySet[Account], *, ordering: list[str]) -> Iterator[str]:
    """`accounts` (from `account_list`, filtered) in `ordering` as CSV text, batch by batch."""
    return csv_chunks(account_columns(), _batches(accounts, ACCOUNT_EXPORTED, ordering=ordering))


def contact_export_chunks(contacts: QuerySet[Contact], *, ordering: list[str]) -> Iterator[str]:
    """`contacts` (from `contact_list`, filtered) in `ordering` as CSV text, batch by batch."""
    return csv_chunks(contact_columns(), _batches(contacts, CONTACT_EXPORTED, ordering=ordering))


def export_filename(records: str) -> str:
    """ "accounts" -> "accounts-2026-12-07.csv" (today where the user is)."""
    return f"{records}-{timezone.localdate():%Y-%m-%d}.csv"
