"""Which lead field each column of a file fills (crm.imports.mapping guesses it from the header), and how
the lead-source column's values map to our sources, the same forgiving way ("Web" -> web form,
"Partner Referral" -> referral).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from crm.imports.mapping import ImportField, ImportFields, external_id_fields, squash
from leads.models import LeadSource

FIELDS = ImportFields(
    (
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
        ImportField(
            "title", "Job title", ("title", "jobtitle", "position", "designation", "jobrole", "role")
        ),
        ImportField(
            "website", "Website", ("website", "websiteurl", "companywebsite", "web", "url", "homepage")
        ),
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
        *external_id_fields("lead", "leadid", "personid"),
    ),
    record="lead",
    identity=frozenset({"first_name", "last_name", "full_name", "email", "company"}),
    identity_message=(
        "Map at least one column to a name, an email address or a company: a lead needs one of them."
    ),
)
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
    return FIELDS.guess(headers)


def check_mapping(headers: Iterable[str], mapping: Mapping[str, str]) -> dict[str, str]:
    return FIELDS.check(headers, mapping)


def source_value(text: str) -> str | None:
    """Our lead source for a source cell ("Web" -> web_form), or None when it is none we know."""
    return SOURCE_VALUES.get(squash(text))


def source_names() -> str:
    return ", ".join(str(label) for label in LeadSource.labels)
