"""Importing accounts and contacts (crm.imports.keyed does the matching and writing): their columns,
checks and keys.

An account row updates the account it matches instead of doubling it: the one with its external id
(source and id), else the one with its web domain (a domain names one account), else the one with its
name in any case. A contact row matches by external id, else by email address. A parent account, and a
contact's account, is named by its external id (from the row's source), its domain or its name, and a
parent may be a row earlier in the same file.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, ClassVar
from urllib.parse import urlsplit

from django.db.models import Model, Q, QuerySet
from django.db.models.functions import Lower, Upper

from crm.imports import cells
from crm.imports.cells import CellError, Cleaner, max_length, shown
from crm.imports.keyed import RECORD_ID, Key, KeyedImporter, KeyedRowChecker, present_keys, referenced
from crm.imports.mapping import ImportField, ImportFields, external_id_fields
from crm.imports.registry import RecordType
from crm.imports.rows import CheckedRow, Problem, external_key, split_full_name
from crm.models import Account, Contact
from crm.timeline import events

FIELDS = ImportFields(
    (
        ImportField(
            "name",
            "Account name",
            (
                "accountname",
                "companyname",
                "organizationname",
                "organisationname",
                "name",
                "company",
                "account",
                "organization",
                "organisation",
            ),
        ),
        ImportField(
            "domain",
            "Website or domain",
            ("website", "domain", "companydomainname", "companydomain", "websiteurl", "web", "url"),
        ),
        ImportField("industry", "Industry", ("industry", "sector", "vertical")),
        ImportField(
            "employee_count",
            "Employees",
            ("employees", "numberofemployees", "noofemployees", "employeecount", "headcount"),
        ),
        ImportField("annual_revenue", "Annual revenue", ("annualrevenue", "revenue", "annualsales")),
        ImportField(
            "year_founded", "Year founded", ("yearfounded", "founded", "foundedyear", "yearestablished")
        ),
        ImportField("billing_street", "Street", ("billingstreet", "street", "streetaddress", "address")),
        ImportField("billing_city", "City", ("billingcity", "city")),
        ImportField(
            "billing_postal_code",
            "Postal code",
            ("billingzippostalcode", "billingpostalcode", "postalcode", "zip", "zipcode", "postcode"),
        ),
        ImportField(
            "billing_region",
            "State or region",
            ("billingstateprovince", "billingstate", "stateregion", "state", "region", "province"),
        ),
        ImportField("billing_country", "Country", ("billingcountry", "country", "countryregion")),
        ImportField(
            "parent",
            "Parent account (its name or external id)",
            (
                "parentaccount",
                "parentaccountid",
                "parentcompany",
                "parentaccountname",
                "parentorganization",
                "parent",
            ),
        ),
        ImportField(
            "owner",
            "Owner (email address or name)",
            (
                "accountowner",
                "companyowner",
                "organizationowner",
                "owner",
                "owneremail",
                "ownername",
                "assignedto",
            ),
        ),
        RECORD_ID,
        *external_id_fields("account", "accountid", "companyid", "organizationid"),
    ),
    record="account",
    identity=frozenset({"name"}),
    identity_message="Map a column to the account name: every account needs one.",
)
KEY_NAMES = {"external": "external id", "domain": "domain", "name": "name"}


def _domain(value: str) -> str:
    """ "https://www.Example.com/about" -> "example.com"."""
    url = value if "://" in value else f"https://{value}"
    host = (urlsplit(url).hostname or "") if not value.startswith(cells.FORMULA_STARTS) else ""
    host = host.removeprefix("www.")
    if "." not in host or len(host) > max_length(Account, "domain"):
        raise CellError(f"{shown(value)} is not a web address or domain (e.g. example.com).")
    return host


def _text(name: str) -> Cleaner:
    return cells.text(max_length(Account, name))


class AccountRowChecker(KeyedRowChecker):
    cleaners: ClassVar[dict[str, Cleaner]] = {
        **{
            name: _text(name)
            for name in (
                "name",
                "industry",
                "billing_street",
                "billing_city",
                "billing_postal_code",
                "billing_region",
                "billing_country",
                "external_id",
            )
        },
        "parent": cells.reference(max_length(Account, "name")),
        "domain": _domain,
        "employee_count": cells.whole_number("employees"),
        "annual_revenue": cells.amount,
        "year_founded": cells.year,
        "external_source": cells.external_source(max_length(Account, "external_source")),
    }

    def complete(self, fields: dict[str, Any], problems: list[Problem]) -> None:
        if not problems and not fields.get("name"):
            problems.append(Problem("", "No account name: every account needs one."))


class AccountImporter(KeyedImporter[Account]):
    model = Account
    record = "account"
    checker_class = AccountRowChecker
    created_event = events.ACCOUNT_CREATED
    list_url = "account-list"
    key_names = KEY_NAMES
    # A domain names one account: it is never doubled (the database refuses it), "create" updates it.
    unique_keys = frozenset({"external", "domain"})
    lock_key = 1

    def row_keys(self, row: CheckedRow) -> list[Key]:
        return present_keys(
            ("external", row.external_key),
            ("domain", row.fields.get("domain", "")),
            ("name", row.fields.get("name", "").casefold()),
        )

    def record_keys(self, record: Account) -> list[Key]:
        return present_keys(
            ("external", external_key(record.external_source, record.external_id)),
            ("domain", record.domain),
            ("name", record.name.casefold()),
        )

    def queryset(self) -> QuerySet[Account]:
        return Account.objects.annotate(upper_name=Upper("name"))  # served by the trigram index

    def key_condition(self, kind: str, values: list[str]) -> Q:
        if kind == "domain":
            return Q(domain__in=values)
        return Q(upper_name__in=[value.upper() for value in values])

    def written_fields(self) -> list[str]:
        fields = {field.name for field in FIELDS.fields} - {"record_id"}
        return sorted(fields | {"owner", "external_source", "updated_at"})

    def prefetch(self, rows: Sequence[CheckedRow]) -> None:
        self.parents = self.find([key for row in rows for key in reference_keys(row, "parent")], visible=True)

    def references(self, row: CheckedRow, new_records: dict[Key, Account]) -> dict[str, Model]:
        """The parent account: by external id from the row's source, else by name; the file's earlier
        rows first."""
        keys = reference_keys(row, "parent")
        if not keys:
            return {}
        cell = str(row.fields["parent"])
        return {"parent": referenced("parent", cell, keys, self.parents, new_records, "account")}


def reference_keys(row: CheckedRow, name: str) -> list[Key]:
    """The keys an account cell may be: an external id of the row's source, a domain, a name."""
    cell = str(row.fields.get(name, ""))
    if not cell:
        return []
    keys = [("external", external_key(row.fields.get("external_source", ""), cell))]
    if "." in cell and " " not in cell:
        keys.append(("domain", cell.casefold().removeprefix("www.")))
    return [*keys, ("name", cell.casefold())]


# The column of a contact's, a deal's or an activity's account.
ACCOUNT_REFERENCE = ImportField(
    "account",
    "Account (its name, domain or external id)",
    (
        "accountname",
        "account",
        "companyname",
        "company",
        "associatedcompany",
        "organization",
        "organizationname",
        "accountid",
    ),
)
CONTACT_FIELDS = ImportFields(
    (
        ImportField("first_name", "First name", ("firstname", "first", "givenname", "forename")),
        ImportField("last_name", "Last name", ("lastname", "last", "surname", "familyname")),
        ImportField(
            "full_name",
            "Full name (split into first and last name)",
            ("fullname", "name", "contactname", "personname", "contact", "person"),
        ),
        ImportField(
            "email", "Email", ("email", "emailaddress", "workemail", "businessemail", "primaryemail", "mail")
        ),
        ImportField(
            "phone",
            "Phone",
            ("phone", "phonenumber", "workphone", "businessphone", "telephone", "mobile", "mobilephone"),
        ),
        ImportField("title", "Job title", ("title", "jobtitle", "position")),
        ACCOUNT_REFERENCE,
        ImportField(
            "owner", "Owner (email address or name)", ("contactowner", "owner", "owneremail", "ownername")
        ),
        RECORD_ID,
        *external_id_fields("contact", "contactid", "personid"),
    ),
    record="contact",
    identity=frozenset({"last_name", "full_name"}),
    identity_message="Map a column to the last name or the full name: every contact needs a last name.",
)


def _contact_text(name: str) -> Cleaner:
    return cells.text(max_length(Contact, name))


class ContactRowChecker(KeyedRowChecker):
    cleaners: ClassVar[dict[str, Cleaner]] = {
        **{name: _contact_text(name) for name in ("first_name", "last_name", "title", "external_id")},
        "full_name": cells.full_name(Contact),
        "email": cells.email(max_length(Contact, "email")),
        "phone": cells.phone(max_length(Contact, "phone"), digits_of=lambda value: re.sub(r"\D", "", value)),
        "account": cells.reference(max_length(Account, "name")),
        "external_source": cells.external_source(max_length(Contact, "external_source")),
    }

    def complete(self, fields: dict[str, Any], problems: list[Problem]) -> None:
        split_full_name(fields)
        if not problems and not fields.get("last_name"):
            problems.append(Problem("", "No last name: every contact needs one."))


class ContactImporter(KeyedImporter[Contact]):
    model = Contact
    record = "contact"
    checker_class = ContactRowChecker
    created_event = events.CONTACT_CREATED
    list_url = "contact-list"
    key_names = {"external": "external id", "email": "email address"}
    lock_key = 2

    def row_keys(self, row: CheckedRow) -> list[Key]:
        return present_keys(("external", row.external_key), ("email", row.fields.get("email", "").casefold()))

    def record_keys(self, record: Contact) -> list[Key]:
        return present_keys(
            ("external", external_key(record.external_source, record.external_id)),
            ("email", record.email.casefold()),
        )

    def queryset(self) -> QuerySet[Contact]:
        return Contact.objects.annotate(email_lower=Lower("email"))  # served by contact_email_lower

    def key_condition(self, kind: str, values: list[str]) -> Q:
        return Q(email_lower__in=values)

    def written_fields(self) -> list[str]:
        fields = {field.name for field in CONTACT_FIELDS.fields} - {"full_name", "record_id"}
        return sorted(fields | {"updated_at"})

    def prefetch(self, rows: Sequence[CheckedRow]) -> None:
        keys = [key for row in rows for key in reference_keys(row, "account")]
        self.accounts = AccountImporter(self.record_import).find(keys, visible=True)

    def references(self, row: CheckedRow, new_records: dict[Key, Contact]) -> dict[str, Model]:
        keys = reference_keys(row, "account")
        if not keys:
            return {}
        cell = str(row.fields["account"])
        return {"account": referenced("account", cell, keys, self.accounts, {}, "account")}


ACCOUNTS = RecordType(
    kind="accounts",
    label="Accounts",
    model=Account,
    fields=FIELDS,
    importer=AccountImporter,
    list_url="account-list",
)
CONTACTS = RecordType(
    kind="contacts",
    label="Contacts",
    model=Contact,
    fields=CONTACT_FIELDS,
    importer=ContactImporter,
    list_url="contact-list",
)
