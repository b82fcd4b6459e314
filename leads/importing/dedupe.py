"""Duplicates of imported rows: earlier rows of the same file, leads and contacts already in the CRM.

A row with an external id matches the lead that has it (its source and id) before anything else. Then a
row matches a lead with the same normalised email (then a contact with the same email in any case,
then a lead with the same phone digits). A row with neither email nor phone matches a lead with the same
first name, last name and company, in any case: without it, importing such a file twice would double it.
The existing records are looked up for a whole chunk of rows at once, one query per kind of match.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from django.db.models import Q, Value
from django.db.models.functions import Lower, Upper

from crm.imports.rows import external_key
from crm.models import Contact
from leads.models import Lead

from .rows import LeadRow, name_key

Key = Literal["external", "email", "phone", "name"]
KEY_NAMES: dict[Key, str] = {
    "external": "external id",
    "email": "email address",
    "phone": "phone number",
    "name": "name and company",
}


@dataclass(frozen=True)
class Match:
    """What a row duplicates: an existing lead or contact, or an earlier line of the file."""

    key: Key
    lead: Lead | None = None
    contact_id: int | None = None
    line: int | None = None

    def __str__(self) -> str:
        same = f"same {KEY_NAMES[self.key]} as"
        if self.line is not None:
            return f"{same} line {self.line}"
        if self.lead is not None:
            return f"{same} lead #{self.lead.pk} ({self.lead})"
        return f"{same} contact #{self.contact_id}"


def row_keys(row: LeadRow) -> list[tuple[Key, str]]:
    keys: list[tuple[Key, str]] = [
        ("external", row.external_key),
        ("email", row.email_key),
        ("phone", row.phone_key),
        ("name", row.name_key),
    ]
    return [(key, value) for key, value in keys if value]


def lead_keys(lead: Lead) -> list[tuple[Key, str]]:
    keys: list[tuple[Key, str]] = [
        ("external", external_key(lead.external_source, lead.external_id)),
        ("email", lead.email_normalized),
        ("phone", lead.phone_normalized),
        ("name", name_key(lead.first_name, lead.last_name, lead.company)),
    ]
    return [(key, value) for key, value in keys if value]


class DuplicateFinder:
    """Loads the existing leads and contacts a chunk's rows could match, and remembers the file's rows."""

    def __init__(self) -> None:
        self._lines: dict[tuple[Key, str], int] = {}  # ("email", "anna@example.com") -> its first line
        self._leads: dict[tuple[Key, str], Lead] = {}
        self._contacts: dict[str, int] = {}

    def load(self, rows: Sequence[LeadRow], *, lock: bool = False) -> None:
        """Looks up the chunk's duplicates; `lock` holds the leads for update until the transaction ends."""
        wanted = {key for row in rows if row.ok for key in row_keys(row)}
        emails = sorted(value for key, value in wanted if key == "email")
        phones = sorted(value for key, value in wanted if key == "phone")
        named = [row for row in rows if row.ok and row.name_key]
        keyed = [row for row in rows if row.ok and row.external_key]
        self._leads, self._contacts = {}, {}
        condition = Q(pk__in=[])
        if keyed:
            # Both lists, so that PostgreSQL reads the (source, id) index; the pairs are sorted out below.
            condition |= Q(
                external_source__in=sorted({row.fields["external_source"] for row in keyed}),
                external_id__in=sorted({row.fields["external_id"] for row in keyed}),
            )
        if emails:
            # "<> ''" lets PostgreSQL use the partial indexes on the normalised columns.
            condition |= Q(email_normalized__in=emails) & ~Q(email_normalized="")
        if phones:
            condition |= Q(phone_normalized__in=phones) & ~Q(phone_normalized="")
        if named:
            # PostgreSQL upper-cases both sides, so that its idea of case decides (e.g. for "ß").
            last_names = sorted({row.fields.get("last_name", "") for row in named})
            companies = sorted({row.fields.get("company", "") for row in named})
            condition |= Q(
                last_name_upper__in=[Upper(Value(name)) for name in last_names],
                company_upper__in=[Upper(Value(company)) for company in companies],
            )
        if emails or phones or named or keyed:
            leads = (
                Lead.objects.annotate(last_name_upper=Upper("last_name"), company_upper=Upper("company"))
                .filter(condition)
                .select_related("owner")
                .order_by("id")
            )
            if lock:
                leads = leads.select_for_update(of=("self",))
            for lead in leads:
                for key in lead_keys(lead):
                    if key in wanted:
                        self._leads.setdefault(key, lead)
        if emails:
            contacts = (
                Contact.objects.annotate(email_lower=Lower("email"))
                .filter(email_lower__in=emails)
                .order_by("id")
                .values_list("email_lower", "id")
            )
            for email, contact_id in contacts:
                self._contacts.setdefault(email, contact_id)

    def existing(self, row: LeadRow) -> Match | None:
        for key, value in row_keys(row):
            lead = self._leads.get((key, value))
            if lead is not None:
                return Match(key, lead=lead)
            if key == "email" and value in self._contacts:
                return Match("email", contact_id=self._contacts[value])
        return None

    def earlier_line(self, row: LeadRow) -> Match | None:
        for key, value in row_keys(row):
            line = self._lines.get((key, value))
            if line is not None:
                return Match(key, line=line)
        return None

    def remember(self, row: LeadRow) -> None:
        for key in row_keys(row):
            self._lines.setdefault(key, row.line)
