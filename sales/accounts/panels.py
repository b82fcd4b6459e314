"""What sales shows on the kernel's customer pages, through their panel registry.

Account: "New upsell" and "New cross-sell" buttons, its deals, its onboarding checklists and the
products it bought. Contact: the lead it was converted from. (The lead page's "Convert" button and the
deal a lead became are sales.conversion.panels.)
"""

from __future__ import annotations

from typing import Any

from crm import access
from crm.models import Account, Contact, User
from crm.timeline.panels import register_record_panel
from sales.accounts.presenters import account_deal_tables
from sales.accounts.selectors import account_deals, account_products, contact_conversions
from sales.models import Deal, DealType
from sales.onboarding.selectors import account_onboardings, changeable_step_task_ids


def _account_actions(user: User, account: Account) -> dict[str, Any] | None:
    if not access.can_create(user, Deal):
        return None
    return {"account": account, "upsell": DealType.UPSELL, "cross_sell": DealType.CROSS_SELL}


def _account_deals(user: User, account: Account) -> dict[str, Any] | None:
    deals = account_deals(user=user, account=account)
    return {"account": account, "deals": deals, "tables": account_deal_tables(deals)}


def _account_onboarding(user: User, account: Account) -> dict[str, Any] | None:
    progress = account_onboardings(account=account)
    if not progress:
        return None
    return {
        "account": account,
        "onboardings": progress,
        "changeable_task_ids": changeable_step_task_ids(user, progress),
    }


def _account_products(user: User, account: Account) -> dict[str, Any] | None:
    return {"account": account, "products": account_products(account=account)}


def _contact_conversions(user: User, contact: Contact) -> dict[str, Any] | None:
    leads = contact_conversions(contact=contact)
    return {"leads": leads} if leads else None


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
