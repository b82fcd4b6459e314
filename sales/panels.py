"""What sales shows on the kernel's customer pages and on the lead page, through their registries.

Account: "New upsell" and "New cross-sell" buttons, its deals, its onboarding checklists and the
products it bought. Contact: the lead it was converted from. Lead: "Convert", and the deal it became.
"""

from __future__ import annotations

from typing import Any

from crm import access
from crm.models import Account, Contact, User
from crm.panels import register_record_panel
from leads.actions import register_lead_extra
from leads.models import Lead, LeadStatus
from sales.models import Opportunity, OpportunityType
from sales.selectors import accounts as selectors


def _account_actions(user: User, account: Account) -> dict[str, Any] | None:
    if not access.can_create(user, Opportunity):
        return None
    return {"account": account, "upsell": OpportunityType.UPSELL, "cross_sell": OpportunityType.CROSS_SELL}


def _account_deals(user: User, account: Account) -> dict[str, Any] | None:
    return {"account": account, "deals": selectors.account_deals(user=user, account=account)}


def _account_onboarding(user: User, account: Account) -> dict[str, Any] | None:
    progress = selectors.account_onboardings(account=account)
    if not progress:
        return None
    return {
        "account": account,
        "onboardings": progress,
        "changeable_task_ids": selectors.changeable_step_task_ids(user, progress),
    }


def _account_products(user: User, account: Account) -> dict[str, Any] | None:
    return {"account": account, "products": selectors.account_products(account=account)}


def _contact_conversions(user: User, contact: Contact) -> dict[str, Any] | None:
    leads = selectors.contact_conversions(contact=contact)
    return {"leads": leads} if leads else None


def _lead_convert_button(user: User, lead: Lead) -> dict[str, Any] | None:
    if lead.status != LeadStatus.QUALIFIED or not selectors.can_convert(user, lead):
        return None
    return {"lead": lead}


def _lead_deal_link(user: User, lead: Lead) -> dict[str, Any] | None:
    if not lead.is_converted:
        return None
    deal = selectors.lead_opportunity(lead=lead)
    return {"deal": deal} if deal is not None else None


def register_sales_panels() -> None:
    register_record_panel(Account, "sales/customers/_account_actions.html", _account_actions, slot="actions")
    register_record_panel(Account, "sales/customers/_account_deals.html", _account_deals, position=10)
    register_record_panel(
        Account, "sales/customers/_account_onboarding.html", _account_onboarding, position=20
    )
    register_record_panel(
        Account, "sales/customers/_account_products.html", _account_products, slot="side", position=10
    )
    register_record_panel(
        Contact, "sales/customers/_contact_conversion.html", _contact_conversions, slot="side", position=10
    )
    register_lead_extra("actions", "sales/customers/_lead_convert_button.html", _lead_convert_button)
    register_lead_extra("conversion", "sales/customers/_lead_deal_link.html", _lead_deal_link)
