"""Which lead field each column of a file fills: guessed from the header, corrected by the user.

Headers are compared without case, spaces, underscores or punctuation, so "First Name", "first_name",
"FIRSTNAME" and "First-name" are the same, and the names other CRMs export ("Email Address",
"Company Name", "Lead Source", "No. of Employees") are recognised. The lead-source column's values map
to our sources the same forgiving way ("Web" -> web form, "Partner Referral" -> referral).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from crm.errors import Invalid
from leads.models import LeadSource

NOT_LETTERS_OR_DIGITS = re.compile(r"[^a-z0-9]")
IGNORE = ""


@dataclass(frozen=True)
class ImportField:
    name: str
    label: str
    synonyms: tuple[str, ...]  # compared after `squash`; the first ones win over the later ones


FIELDS = (
    ImportField("first_name", "First name", ("firstname", "first", "givenname", "forename", "fname")),
    ImportField("last_name", "Last name", ("lastname", "last", "surname", "familyname", "lname")),
    ImportField(
        "full_name",
        "Full name (split into first and last name)",
        ("fullname", "name", "leadname", "contactname", "contact", "person"),
    ),
    ImportField(
        "email",
        "Email",
        ("email", "emailaddress", "mail", "workemail", "businessemail", "primaryemail", "emailaddr"),
    ),
    ImportField(
        "phone",
        "Phone",
        (
            "phone",
            "phonenumber",
            "telephone",
            "tel",
            "workphone",
            "businessphone",
            "directphone",
            "mobile",
            "mobilephone",
            "mobilenumber",
            "cell",
            "cellphone",
        ),
    ),
    ImportField(
        "company",
        "Company",
        (
            "company",
            "companyname",
            "accountname",
            "account",
            "organization",
            "organisation",
            "organizationname",
            "organisationname",
            "org",
            "businessname",
            "employer",
        ),
    ),
    ImportField("title", "Job title", ("title", "jobtitle", "position", "designation", "jobrole", "role")),
    ImportField("website", "Website", ("website", "websiteurl", "companywebsite", "web", "url", "homepage")),
    ImportField("industry", "Industry", ("industry", "sector", "vertical")),
    ImportField(
        "employee_count",
        "Employees",
        ("employees", "noofemployees", "numberofemployees", "employeecount", "headcount", "staff"),
    ),
    ImportField("country", "Country", ("country", "countryregion", "mailingcountry", "billingcountry")),
    ImportField("source", "Source", ("leadsource", "source", "originalsource", "leadorigin", "origin")),
    ImportField("utm_source", "UTM source", ("utmsource",)),
    ImportField("utm_medium", "UTM medium", ("utmmedium",)),
    ImportField("utm_campaign", "UTM campaign", ("utmcampaign", "campaign", "campaignname")),
    ImportField("utm_term", "UTM term", ("utmterm",)),
    ImportField("utm_content", "UTM content", ("utmcontent",)),
    ImportField("tags", "Tags (separated by commas)", ("tags", "tag", "labels", "label", "keywords")),
    # The record's key in the system the file comes from: importing the file again updates its leads.
    ImportField(
        "external_id",
        "External id (updates the lead on a re-import)",
        (
            "externalid",
            "salesforceid",
            "leadid",
            "recordid",
            "hubspotrecordid",
            "hubspotid",
            "pipedriveid",
            "personid",
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
# The system an external id column names in its header, for files without an external source column:
# "Salesforce ID" (a Salesforce export's "Lead ID" too), HubSpot's "Record ID", Pipedrive's "Person ID".
IMPLIED_SOURCES = {
    "salesforceid": "salesforce",
    "leadid": "salesforce",
    "recordid": "hubspot",
    "hubspotrecordid": "hubspot",
    "hubspotid": "hubspot",
    "pipedriveid": "pipedrive",
    "personid": "pipedrive",
    "zohoid": "zoho",
    "recordidzoho": "zoho",
}
FIELD_LABELS = {field.name: field.label for field in FIELDS}
FIELD_CHOICES = [(IGNORE, "— Do not import —"), *((field.name, field.label) for field in FIELDS)]
# A lead needs at least one of these (the model's constraint); a mapping without any cannot import.
IDENTITY_FIELDS = frozenset({"first_name", "last_name", "full_name", "email", "company"})


def squash(text: str) -> str:
    """The comparable form of a header or value: lower case, letters and digits only."""
    return NOT_LETTERS_OR_DIGITS.sub("", text.casefold())


_RANKED = {synonym: (field.name, rank) for field in FIELDS for rank, synonym in enumerate(field.synonyms)}

SOURCE_VALUES: dict[str, str] = {
    **{squash(value): value for value in LeadSource.values},
    **{squash(str(label)): value for value, label in LeadSource.choices},
    **dict.fromkeys(
        ("web", "website", "webform", "onlineform", "form", "webdownload", "webresearch", "onlinestore"),
        LeadSource.WEB_FORM,
    ),
    **dict.fromkeys(("organicsearch", "directtraffic", "chat", "livechat", "inbound"), LeadSource.WEB_FORM),
    **dict.fromkeys(
        (
            "referral",
            "referrals",
            "referred",
            "partner",
            "partnerreferral",
            "employeereferral",
            "externalreferral",
            "customerreferral",
            "wordofmouth",
        ),
        LeadSource.REFERRAL,
    ),
    **dict.fromkeys(
        (
            "campaign",
            "emailcampaign",
            "emailmarketing",
            "othercampaigns",
            "paidsearch",
            "paidsocial",
            "socialmedia",
            "advertisement",
            "advertising",
            "ad",
            "tradeshow",
            "seminar",
            "internalseminar",
            "seminarpartner",
            "webinar",
            "event",
            "publicrelations",
        ),
        LeadSource.CAMPAIGN,
    ),
    **dict.fromkeys(
        ("coldcall", "phoneinquiry", "salesemailalias", "manual", "manualentry", "offlinesources", "direct"),
        LeadSource.MANUAL,
    ),
    **dict.fromkeys(("purchasedlist", "list", "import", "imported", "other"), LeadSource.IMPORT),
    **dict.fromkeys(("api", "integration"), LeadSource.API),
}


def guess_mapping(headers: Iterable[str]) -> dict[str, str]:
    """{header: field} for every header, "" where no field fits; each field goes to its best column."""
    headers = list(headers)
    best: dict[str, tuple[int, int]] = {}  # field -> (rank, column)
    for column, header in enumerate(headers):
        match = _RANKED.get(squash(header))
        if match is not None:
            field, rank = match
            if field not in best or (rank, column) < best[field]:
                best[field] = (rank, column)
    chosen = {column: field for field, (_, column) in best.items()}
    return {header: chosen.get(column, IGNORE) for column, header in enumerate(headers)}


def check_mapping(headers: Iterable[str], mapping: Mapping[str, str]) -> dict[str, str]:
    """The mapping limited to the file's headers and known fields; refuses one field from two columns."""
    known = set(FIELD_LABELS)
    result: dict[str, str] = {}
    owners: dict[str, str] = {}
    for header in headers:
        field = mapping.get(header, IGNORE) or IGNORE
        if field != IGNORE and field not in known:
            raise Invalid(
                f'Column "{header}": "{field}" is not a lead field.', field="mapping", code="unknown_field"
            )
        if field != IGNORE and field in owners:
            raise Invalid(
                f'Columns "{owners[field]}" and "{header}" both fill {FIELD_LABELS[field]}; '
                "choose one of them and set the other to “Do not import”.",
                field="mapping",
                code="field_mapped_twice",
            )
        if field != IGNORE:
            owners[field] = header
        result[header] = field
    if not IDENTITY_FIELDS & set(result.values()):
        raise Invalid(
            "Map at least one column to a name, an email address or a company: a lead needs one of them.",
            field="mapping",
            code="identity_unmapped",
        )
    return result


def implied_source(header: str) -> str:
    """The system an external id column's header names ("Salesforce ID" -> salesforce), or ""."""
    return IMPLIED_SOURCES.get(squash(header), "")


def source_value(text: str) -> str | None:
    """Our lead source for a source cell ("Web" -> web_form), or None when it is none we know."""
    return SOURCE_VALUES.get(squash(text))


def source_names() -> str:
    return ", ".join(str(label) for label in LeadSource.labels)
