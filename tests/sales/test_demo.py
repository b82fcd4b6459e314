"""`make run`'s demo data shows every part of selling, and seeding twice changes nothing."""

import pytest

from crm.demo import seed_demo
from crm.models import Account, LifecycleStage
from sales.models import Onboarding, Opportunity, OpportunityStatus, Quota
from sales.services import renewals_create_due

pytestmark = pytest.mark.django_db


def test_the_demo_has_deals_in_several_stages_a_customer_in_onboarding_and_a_renewal_due():
    seed_demo()

    assert Opportunity.objects.filter(status=OpportunityStatus.OPEN).values("stage").distinct().count() >= 4
    northwind = Account.objects.get(domain="northwind.example")
    assert northwind.lifecycle_stage == LifecycleStage.CUSTOMER
    assert Onboarding.objects.get(account=northwind).steps.count() == 4
    assert Quota.objects.filter(user__username="rep").exists()
    assert renewals_create_due() == 1

    assert seed_demo() is False
