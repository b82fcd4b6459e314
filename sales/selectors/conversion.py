"""What converting a lead would link to: the existing accounts and contacts that dedupe finds."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.db.models import BooleanField, ExpressionWrapper, Q

from crm import access
from crm.models import Account, Contact, User
from leads.models import Lead

# Addresses at these domains say nothing about the company, so they never match an account.
FREE_MAIL_DOMAINS = frozenset(
    {
        "gmail.com",
        "googlemail.com",
        "yahoo.com",
        "hotmail.com",
        "outlook.com",
        "live.com",
        "icloud.com",
        "aol.com",
        "gmx.de",
        "gmx.net",
        "web.de",
        "proton.me",
        "protonmail.com",
        "mail.ru",
        "yandex.ru",
        "qq.com",
    }
)


def lead_domain(lead: Lead) -> str:
    """The company's web domain, from the website, else from a business email address."""
    if lead.website:
        host = urlsplit(lead.website if "//" in lead.website else f"//{lead.website}").hostname or ""
        return host.lower().removeprefix("www.")
    domain = lead.email.rpartition("@")[2].lower()
    return "" if domain in FREE_MAIL_DOMAINS else domain


def matching_account(*, user: User, lead: Lead) -> Account | None:
    """The visible account the lead belongs to: same domain first, else the same company name."""
    domain = lead_domain(lead)
    condition = Q(domain=domain) if domain else Q(pk__in=[])
    if lead.company.strip():
        condition |= Q(name__iexact=lead.company.strip())
    if not domain and not lead.company.strip():
        return None
    candidates = access.visible(user, Account.objects.filter(condition)).order_by("pk")
    if domain:  # the domain match wins over a namesake
        same_domain = ExpressionWrapper(Q(domain=domain), output_field=BooleanField())
        candidates = candidates.order_by(same_domain.desc(), "pk")
    return candidates.first()


def matching_contact(*, account: Account, lead: Lead) -> Contact | None:
    """The account's contact with the lead's email address, if there is one."""
    if not lead.email:
        return None
    return account.contacts.filter(email__iexact=lead.email.strip()).order_by("id").first()
