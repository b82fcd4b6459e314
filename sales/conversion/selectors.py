"""Reads of lead conversion: the existing accounts and contacts a lead would link to,
the accounts the conversion page offers, and the deal a converted lead became."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.db.models import BooleanField, ExpressionWrapper, Q

from crm import access
from crm.models import Account, Contact, User
from leads.models import Lead
from sales.models import Deal

ACCOUNT_CHOICES = 100

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


def lead_deal(*, lead: Lead) -> Deal | None:
    """The deal a converted lead became, if the conversion made one."""
    return Deal.objects.filter(source_lead=lead).first()


def conversion_account_choices(*, user: User, lead: Lead, keep: list[Account]) -> list[Account]:
    """Accounts to offer on the conversion page: `keep` (the match, the chosen one), those named like the
    lead's company, then the user's own; any other visible account is still accepted by id."""
    accounts = access.visible(user, Account.objects.all())
    company = lead.company.strip()
    similar = list(accounts.filter(name__icontains=company).order_by("name", "id")[:20]) if company else []
    own = list(accounts.filter(owner=user).order_by("name", "id")[:ACCOUNT_CHOICES])
    chosen: dict[int, Account] = {}
    for account in [*keep, *similar, *own]:
        chosen.setdefault(account.pk, account)
    return list(chosen.values())
