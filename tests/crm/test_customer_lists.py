"""The account and contact lists as keyset pages, and the counts pages show, bounded at "10,000+"."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse
from django.utils import timezone

from crm.models import Account, Contact, Notification, NotificationKind, Role
from tests.conftest import count_queries
from tests.factories import AccountFactory, ContactFactory, UserFactory

pytestmark = pytest.mark.django_db
ACCOUNT_LINK = re.compile(r'href="/accounts/(\d+)/"')
CONTACT_LINK = re.compile(r'<td[^>]*><a href="/contacts/(\d+)/"')
CAPTION = re.compile(r"<caption>([^<]*)</caption>")


def _ids(pattern: re.Pattern[str], response) -> list[int]:
    return [int(pk) for pk in pattern.findall(response.content.decode())]


def _link(response, rel: str) -> str | None:
    found = re.search(rf'href="([^"]+)" rel="{rel}"', response.content.decode())
    return found.group(1).replace("&amp;", "&") if found else None


def _caption(response) -> str:
    found = CAPTION.search(response.content.decode())
    assert found is not None
    return " ".join(found.group(1).split())


def test_the_account_list_pages_forward_and_back_keeping_filters_and_sort(as_user, rep):
    for number in range(60):
        AccountFactory(owner=rep, name=f"Acme {number:02}", industry="Software")
    AccountFactory(owner=rep, name="Acme Hardware", industry="Hardware")
    client = as_user(rep)
    url = reverse("account-list")

    pages, response = [], client.get(url, {"industry": "software", "ordering": "-name"})
    while True:
        pages.append(_ids(ACCOUNT_LINK, response))
        following = _link(response, "next")
        if following is None:
            break
        query = parse_qs(urlsplit(following).query)
        assert (query["industry"], query["ordering"]) == (["software"], ["-name"])
        response = client.get(url + following)
    back = client.get(url + (_link(response, "prev") or ""))

    assert [len(page) for page in pages] == [25, 25, 10]
    names = Account.objects.in_bulk([pk for page in pages for pk in page])
    shown = [names[pk].name for page in pages for pk in page]
    assert shown == [f"Acme {number:02}" for number in reversed(range(60))]
    assert _ids(ACCOUNT_LINK, back) == pages[1]
    assert _caption(back) == "60 accounts match the filters"


def test_accounts_updated_at_the_same_moment_keep_one_place_each_in_both_directions(as_user, rep):
    accounts = AccountFactory.create_batch(30, owner=rep)
    moment = timezone.now() - timedelta(days=1)
    Account.objects.filter(pk__in=[a.pk for a in accounts[:20]]).update(updated_at=moment)
    client = as_user(rep)
    url = reverse("account-list")

    def walk(ordering: str) -> list[int]:
        seen, response = [], client.get(url, {"ordering": ordering})
        while True:
            seen += _ids(ACCOUNT_LINK, response)
            following = _link(response, "next")
            if following is None:
                return seen
            response = client.get(url + following)

    newest_first, oldest_first = walk("-updated_at"), walk("updated_at")

    assert sorted(newest_first) == sorted(a.pk for a in accounts)
    assert oldest_first == list(reversed(newest_first))
    assert newest_first[-20:] == sorted(a.pk for a in accounts[:20])  # equal times: by id


def test_contacts_sort_by_account_with_the_ones_without_an_account_first(as_user, rep):
    zeta = ContactFactory(owner=rep, account=AccountFactory(owner=rep, name="Zeta"), last_name="A")
    alpha = ContactFactory(owner=rep, account=AccountFactory(owner=rep, name="Alpha"), last_name="B")
    loner = ContactFactory(owner=rep, account=None, last_name="C")
    client = as_user(rep)

    ascending = client.get(reverse("contact-list"), {"ordering": "account"})
    descending = client.get(reverse("contact-list"), {"ordering": "-account"})

    assert _ids(CONTACT_LINK, ascending) == [loner.pk, alpha.pk, zeta.pk]
    assert _ids(CONTACT_LINK, descending) == [zeta.pk, alpha.pk, loner.pk]
    assert 'aria-sort="ascending"' in ascending.content.decode()


def test_a_sort_link_keeps_the_filters_and_starts_again_at_the_first_page(as_user, rep):
    for number in range(30):
        ContactFactory(owner=rep, last_name=f"Lovelace {number:02}", email_consent="granted")
    client = as_user(rep)
    first = client.get(reverse("contact-list"), {"email_consent": "granted"})
    second = client.get(reverse("contact-list") + (_link(first, "next") or ""))

    links = re.findall(r'<th scope="col"[^>]*>\s*<a href="\?([^"]+)"', second.content.decode())

    assert links
    for link in links:
        query = parse_qs(link.replace("&amp;", "&"))
        assert query["email_consent"] == ["granted"]
        assert not {"after", "before"} & set(query)


def test_a_tampered_or_stale_cursor_shows_the_first_page(as_user, rep):
    accounts = [AccountFactory(owner=rep, name=name) for name in ["Beta", "Alpha"]]

    response = as_user(rep).get(reverse("account-list"), {"after": "eyJvIjpbXX0", "ordering": "industry"})

    assert response.status_code == 200
    assert _ids(ACCOUNT_LINK, response) == [accounts[1].pk, accounts[0].pk]


def test_a_cursor_whose_rows_are_gone_starts_again_at_the_top(as_user, rep):
    AccountFactory.create_batch(26, owner=rep)
    client = as_user(rep)
    following = _link(client.get(reverse("account-list")), "next")
    Account.objects.all().delete()
    AccountFactory(owner=rep, name="Fresh")

    response = client.get(reverse("account-list") + (following or ""))

    assert [Account.objects.get(pk=pk).name for pk in _ids(ACCOUNT_LINK, response)] == ["Fresh"]
    assert _caption(response) == "1 account"


def test_the_list_counts_up_to_ten_thousand_and_then_says_more(as_user, rep):
    Account.objects.bulk_create(Account(name=f"Bulk {n}", owner=rep) for n in range(10_001))
    client = as_user(rep)

    assert _caption(client.get(reverse("account-list"))) == "10,000+ accounts"
    assert (
        _caption(client.get(reverse("account-list"), {"q": "bulk 10000"})) == "1 account matches the filters"
    )
    assert _caption(client.get(reverse("account-list"), {"q": "bulk 999"})) == "19 accounts match the filters"


def test_the_admin_home_page_bounds_its_totals(as_user, admin_user, rep):
    Account.objects.bulk_create(Account(name=f"Bulk {n}", owner=rep) for n in range(10_001))
    Contact.objects.bulk_create(Contact(last_name=f"Person {n}", owner=rep) for n in range(3))

    html = as_user(admin_user).get(reverse("home")).content.decode()

    totals = dict(re.findall(r'small">(\w+)</div><div class="display-6">([^<]+)</div>', html))
    assert totals == {"Users": "2", "Teams": "1", "Accounts": "10,000+", "Contacts": "3"}


def test_the_marketer_home_page_counts_contacts_by_consent(as_user, rep):
    marketer = UserFactory(username="m", role=Role.MARKETER)
    for consent in ["granted", "granted", "withdrawn"]:
        ContactFactory(owner=rep, email_consent=consent)

    html = as_user(marketer).get(reverse("home")).content.decode()

    rows = dict(re.findall(r'email_consent=\w+">([^<]+)</a></th><td class="text-end">([^<]+)</td>', html))
    assert rows == {"Not asked": "0", "Granted": "2", "Withdrawn": "1"}
    assert 'Total</th><td class="text-end fw-semibold">3</td>' in html


def test_the_bell_says_99_plus_past_ninety_nine_unread_notifications(as_user, rep):
    def notify(count: int) -> None:
        Notification.objects.bulk_create(
            Notification(recipient=rep, kind=NotificationKind.ASSIGNED, message="Yours") for _ in range(count)
        )

    client = as_user(rep)
    notify(99)
    assert "Notifications, 99 unread" in client.get(reverse("notification-bell")).content.decode()

    notify(1)
    bell = client.get(reverse("notification-bell")).content.decode()
    assert "Notifications, 99+ unread" in bell
    assert '<span class="badge rounded-pill text-bg-danger">99+</span>' in bell


# What the lists read


def test_the_account_and_contact_lists_read_only_what_their_rows_show(as_user, rep):
    account = AccountFactory(owner=rep, name="Acme", billing_street="1 Main Street")
    ContactFactory(owner=rep, account=account, last_name="Lovelace", phone="555 0100")
    client = as_user(rep)

    with count_queries() as accounts:
        assert "Acme" in client.get(reverse("account-list")).content.decode()
    with count_queries() as contacts:
        assert "Lovelace" in client.get(reverse("contact-list")).content.decode()

    [account_page] = [q["sql"] for q in accounts.captured_queries if '"crm_account"."domain"' in q["sql"]]
    [contact_page] = [q["sql"] for q in contacts.captured_queries if '"crm_contact"."title"' in q["sql"]]
    assert '"billing_street"' not in account_page
    assert '"crm_contact"."phone"' not in contact_page
    assert '"billing_street"' not in contact_page  # the contact's account shows by its name only
    assert '"password"' not in account_page + contact_page
