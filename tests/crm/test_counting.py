"""Bounded counts: exact up to the cap, "cap+" beyond it, several in one query, and never a whole table."""

from __future__ import annotations

import pytest
from django.db.models import OuterRef

from crm import access
from crm.lists.counting import BoundedCount, CappedCountSubquery, capped_count, capped_counts
from crm.models import Account, Contact, Role
from leads.models import Lead
from tests.conftest import count_queries
from tests.factories import AccountFactory, ContactFactory, LeadFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_a_count_is_exact_up_to_the_cap_and_says_more_beyond_it(rep):
    AccountFactory.create_batch(5, owner=rep)

    assert str(capped_count(Account.objects.all(), cap=5)) == "5"
    AccountFactory(owner=rep)
    beyond = capped_count(Account.objects.all(), cap=5)

    assert (beyond.value, beyond.capped, str(beyond)) == (5, True, "5+")
    assert str(capped_count(Account.objects.all())) == "6"


def test_the_counted_query_reads_at_most_one_row_past_the_cap(rep):
    AccountFactory.create_batch(3, owner=rep)

    with count_queries() as queries:
        capped_count(Account.objects.filter(owner=rep), cap=2)

    (query,) = queries.captured_queries
    assert "LIMIT 3" in query["sql"]


def test_several_counts_cost_one_query_and_keep_their_filters(rep, manager, outsider):
    ContactFactory.create_batch(2, owner=rep, email_consent="granted")
    ContactFactory(owner=rep, email_consent="withdrawn")
    ContactFactory(owner=outsider, email_consent="granted")  # another team's: the manager does not see it
    contacts = access.visible(manager, Contact.objects.all())

    with count_queries() as queries:
        counts = capped_counts(
            {"all": contacts, "granted": contacts.filter(email_consent="granted"), "none": contacts.none()}
        )

    assert len(queries.captured_queries) == 1
    assert {key: str(count) for key, count in counts.items()} == {"all": "3", "granted": "2", "none": "0"}


def test_a_role_that_sees_no_leads_counts_zero_of_them(outsider):
    LeadFactory(owner=outsider)
    support = UserFactory(username="support", role=Role.SUPPORT_AGENT)

    count = capped_count(access.visible(support, Lead.objects.all()))

    assert (count.value, count.capped, bool(count)) == (0, False, False)


def test_a_capped_count_annotation_counts_each_row_up_to_the_cap(rep):
    busy, quiet = AccountFactory(owner=rep, name="Busy"), AccountFactory(owner=rep, name="Quiet")
    ContactFactory.create_batch(4, account=busy, owner=rep)
    ContactFactory(account=quiet, owner=rep)

    contacts = Contact.objects.filter(account=OuterRef("pk"))
    rows = Account.objects.annotate(people=CappedCountSubquery(contacts, cap=3)).order_by("name")

    assert [(a.name, str(BoundedCount.of(a.people, cap=3))) for a in rows] == [("Busy", "3+"), ("Quiet", "1")]


def test_large_counts_are_grouped_by_thousands():
    assert str(BoundedCount(value=1234, capped=False)) == "1,234"
    assert str(BoundedCount(value=10_000, capped=True)) == "10,000+"
