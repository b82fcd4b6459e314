"""Lead conversion: a qualified lead becomes an account (or joins one), a contact and, optionally, a deal."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from crm import access
from crm.customers.services import account_create, contact_create
from crm.models import Account, Activity, Contact, EngagementEvent, NotificationKind, Role, Task, User
from crm.records import lock_for_change, save_with_audit
from crm.timeline.events import event_record
from crm.timeline.notifications import notification_send
from crm.timeline.rollup import rollup_reassign
from crm.timeline.services import timeline_move
from leads.models import Lead, LeadStatus
from sales import events
from sales.conversion.rules import lead_can_be_converted
from sales.conversion.selectors import lead_domain, matching_account, matching_contact
from sales.models import Deal, DealType, Pipeline
from sales.services.deals import deal_create


@dataclass(frozen=True)
class Conversion:
    lead: Lead
    account: Account
    contact: Contact
    deal: Deal | None
    account_created: bool
    contact_created: bool


@transaction.atomic
def lead_convert(
    *,
    actor: User,
    lead_id: int,
    account: Account | None = None,
    create_deal: bool = True,
    deal_name: str = "",
    amount: Decimal | None = None,
    close_date: date | None = None,
    pipeline: Pipeline | None = None,
) -> Conversion:
    """Converts in one transaction: any refusal leaves no account, contact or deal behind.

    Without `account`, the lead joins the visible account with its domain or company name, else a new
    one. The lead's activities, tasks and engagement move to the contact; its own lifecycle events stay
    on the lead and roll up to the account's timeline.
    """
    lead = lock_for_change(actor=actor, model=Lead, pk=lead_id)
    lead_can_be_converted(actor, lead).ensure()
    if account is not None:
        access.ensure_can_view(actor, account)
    account = account or matching_account(user=actor, lead=lead)
    account_created = account is None
    if account is None:
        account = _account_from(actor=actor, lead=lead)
    contact = matching_contact(account=account, lead=lead)
    contact_created = contact is None
    if contact is None:
        contact = contact_create(actor=actor, fields=_contact_fields(lead, account))
    deal = None
    if create_deal:
        fields = {
            "name": deal_name.strip() or f"{account.name}: new business",
            "account": account,
            "primary_contact": contact,
            "amount": amount if amount is not None else lead.budget or Decimal(0),
            "close_date": close_date,
            "type": DealType.NEW_BUSINESS,
            "source_lead": lead,
        }
        if pipeline is not None:
            fields["pipeline"] = pipeline
        deal = deal_create(actor=actor, fields=fields)
    # The trail follows the person: activities, tasks and engagement now read on the contact; the lead's
    # lifecycle events (created, qualified, converted) stay its own.
    timeline_move(source=lead, target=contact, models=(Activity, Task, EngagementEvent))
    lead.status = LeadStatus.CONVERTED
    lead.converted_at = timezone.now()
    lead.converted_account = account
    lead.converted_contact = contact
    save_with_audit(lead, actor=actor)
    rollup_reassign(target=lead, account_id=account.pk)
    event_record(
        actor=actor,
        target=lead,
        type=events.LEAD_CONVERTED,
        data={
            "account_id": account.pk,
            "account": account.name,
            "contact_id": contact.pk,
            "contact": contact.full_name,
            "deal_id": deal.pk if deal else None,
            "deal": deal.name if deal else None,
        },
    )
    return Conversion(lead, account, contact, deal, account_created, contact_created)


def _account_from(*, actor: User, lead: Lead) -> Account:
    """A new account for the lead's company. When an account the actor may not see already has the
    lead's domain, the new one goes without it (domains are unique) and that account's owner hears of
    the likely duplicate; the actor is told nothing about a customer they may not see."""
    domain = lead_domain(lead)
    namesake = Account.objects.select_related("owner").filter(domain=domain).first() if domain else None
    account = account_create(
        actor=actor,
        fields={
            "name": lead.company.strip() or lead.full_name or lead.email,
            "domain": "" if namesake else domain,
            "industry": lead.industry,
            "billing_country": lead.country,
        },
    )
    if namesake is not None:
        _report_possible_duplicate(actor=actor, account=account, existing=namesake, domain=domain)
    return account


def _report_possible_duplicate(*, actor: User, account: Account, existing: Account, domain: str) -> None:
    recipients = (
        [existing.owner] if existing.owner else list(User.objects.filter(role=Role.ADMIN, is_active=True))
    )
    for recipient in recipients:
        notification_send(
            recipient=recipient,
            kind=NotificationKind.POSSIBLE_DUPLICATE,
            message=f"{actor} converted a lead from {domain} into a new account, {account}; it may be "
            f"the same company as {existing}.",
            url=account.get_absolute_url(),
        )


def _contact_fields(lead: Lead, account: Account) -> dict[str, object]:
    last_name = lead.last_name or lead.first_name or lead.email.partition("@")[0] or lead.company
    return {
        "first_name": lead.first_name if lead.last_name else "",
        "last_name": last_name,
        "email": lead.email,
        "phone": lead.phone,
        "title": lead.title,
        "account": account,
    }
