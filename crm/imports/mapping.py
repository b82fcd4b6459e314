"""Which field each column of a file fills: guessed from the header, corrected by the user.

Headers are compared without case, spaces, underscores or punctuation, so "First Name", "first_name",
"FIRSTNAME" and "First-name" are the same, and the names other CRMs export (Salesforce, HubSpot,
Pipedrive, Zoho: "Email Address", "Account Name", "No. of Employees", "Record ID") are recognised.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from crm.errors import Invalid

NOT_LETTERS_OR_DIGITS = re.compile(r"[^a-z0-9]")
IGNORE = ""
# The system an external id column names in its header, for files without an external source column:
# Salesforce's "Lead ID" or "Account ID", HubSpot's "Record ID", Pipedrive's "Person ID", Zoho's "Record Id
# (Zoho)".
IMPLIED_SOURCES = {
    "salesforceid": "salesforce",
    "leadid": "salesforce",
    "accountid": "salesforce",
    "opportunityid": "salesforce",
    "productid": "salesforce",
    "product2id": "salesforce",
    "recordid": "hubspot",
    "hubspotrecordid": "hubspot",
    "hubspotid": "hubspot",
    "pipedriveid": "pipedrive",
    "personid": "pipedrive",
    "organizationid": "pipedrive",
    "dealid": "pipedrive",
    "zohoid": "zoho",
    "recordidzoho": "zoho",
}


def squash(text: str) -> str:
    """The comparable form of a header or value: lower case, letters and digits only."""
    return NOT_LETTERS_OR_DIGITS.sub("", text.casefold())


def implied_source(header: str) -> str:
    """The system an external id column's header names ("Salesforce ID" -> salesforce), or ""."""
    return IMPLIED_SOURCES.get(squash(header), "")


@dataclass(frozen=True)
class ImportField:
    name: str
    label: str
    synonyms: tuple[str, ...]  # compared after `squash`; the first ones win over the later ones


def external_id_fields(record: str, *synonyms: str) -> tuple[ImportField, ImportField]:
    """The two columns that make an import re-runnable: the record's id and system in its source."""
    return (
        ImportField(
            "external_id",
            f"External id (updates the {record} on a re-import)",
            (
                "externalid",
                "salesforceid",
                *synonyms,
                "recordid",
                "hubspotrecordid",
                "hubspotid",
                "pipedriveid",
                "zohoid",
                "recordidzoho",
                "sourceid",
                "crmid",
            ),
        ),
        ImportField(
            "external_source",
            "External source (the system of the external id)",
            ("externalsource", "sourcesystem"),
        ),
    )


class ImportFields:
    """A record type's importable fields; `identity` lists the fields of which a row needs one."""

    def __init__(
        self, fields: Iterable[ImportField], *, record: str, identity: frozenset[str], identity_message: str
    ) -> None:
        self.fields = tuple(fields)
        self.record = record
        self.identity = identity
        self.identity_message = identity_message
        self.labels = {field.name: field.label for field in self.fields}
        self.owned = "owner" in self.labels  # the records have owners, so new ones get a default one
        self.choices = [(IGNORE, "— Do not import —"), *((field.name, field.label) for field in self.fields)]
        self._ranked = {
            synonym: (field.name, rank)
            for field in self.fields
            for rank, synonym in enumerate(field.synonyms)
        }

    def guess(self, headers: Iterable[str]) -> dict[str, str]:
        """{header: field} for every header, "" where no field fits; each field goes to its best column."""
        headers = list(headers)
        best: dict[str, tuple[int, int]] = {}  # field -> (rank, column)
        for column, header in enumerate(headers):
            # Pipedrive names columns "Deal - Won time", "Organization - Name": the part after the dash
            # says the field when the whole header does not.
            match = self._ranked.get(squash(header)) or self._ranked.get(squash(header.rpartition(" - ")[2]))
            if match is not None:
                field, rank = match
                if field not in best or (rank, column) < best[field]:
                    best[field] = (rank, column)
        chosen = {column: field for field, (_, column) in best.items()}
        return {header: chosen.get(column, IGNORE) for column, header in enumerate(headers)}

    def check(self, headers: Iterable[str], mapping: Mapping[str, str]) -> dict[str, str]:
        """The mapping limited to the file's headers and known fields; refuses one field from two columns."""
        result: dict[str, str] = {}
        owners: dict[str, str] = {}
        for header in headers:
            field = mapping.get(header, IGNORE) or IGNORE
            if field != IGNORE and field not in self.labels:
                raise Invalid(
                    f'Column "{header}": "{field}" is not a field of the {self.record}.',
                    field="mapping",
                    code="unknown_field",
                )
            if field != IGNORE and field in owners:
                raise Invalid(
                    f'Columns "{owners[field]}" and "{header}" both fill {self.labels[field]}; '
                    "choose one of them and set the other to “Do not import”.",
                    field="mapping",
                    code="field_mapped_twice",
                )
            if field != IGNORE:
                owners[field] = header
            result[header] = field
        if not self.identity & set(result.values()):
            raise Invalid(self.identity_message, field="mapping", code="identity_unmapped")
        return result
