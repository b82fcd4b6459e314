"""The HTML pages: access outcomes a user would see, and constant query counts at any data size."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from crm.models import Account, Role
from tests.factories import AccountFactory, ActivityFactory, ContactFactory, TaskFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("name", ["account-detail", "account-edit", "account-delete"])
def test_another_reps_account_is_not_found_on_every_page(as_user, rep, outsider, name):
    account = AccountFactory(owner=outsider)

    response = as_user(rep).get(reverse(name, args=[account.pk]))

    assert response.status_code == 404


def test_a_marketer_sees_an_account_but_its_edit_page_is_forbidden(as_user, marketer, rep):
    account = AccountFactory(owner=rep)
    client = as_user(marketer)

    assert client.get(reverse("account-detail", args=[account.pk])).status_code == 200
    assert client.get(reverse("account-edit", args=[account.pk])).status_code == 403
    assert client.post(reverse("account-delete", args=[account.pk])).status_code == 403
    assert Account.objects.filter(pk=account.pk).exists()


def test_pages_need_a_login(client):
    response = client.get(reverse("account-list"))

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_an_unknown_page_renders_the_friendly_404(as_user, rep):
    response = as_user(rep).get("/no-such-page/")

    assert response.status_code == 404
    assert b"Page not found" in response.content


CONTROL = re.compile(r'<(?:input|select|textarea)(?![^>]*type="(?:hidden|submit)")[^>]*>')
CONTROL_ID = re.compile(r'\bid="([^"]+)"')


def _has_label(control: str, html: str) -> bool:
    control_id = CONTROL_ID.search(control)
    return "aria-label=" in control or (control_id is not None and f'for="{control_id.group(1)}"' in html)


@pytest.mark.parametrize(
    "page",
    ["account-list", "account-create", "contact-list", "contact-create", "my-tasks", "account-detail"],
)
def test_every_form_control_has_a_label(as_user, rep, page):
    account = AccountFactory(owner=rep)
    url = reverse(page, args=[account.pk]) if page == "account-detail" else reverse(page)

    html = as_user(rep).get(url).content.decode()

    controls = CONTROL.findall(html)
    assert controls
    assert [control for control in controls if not _has_label(control, html)] == []


def test_the_login_form_has_visible_labels(client):
    html = client.get(reverse("login")).content.decode()

    controls = CONTROL.findall(html)
    assert len(controls) == 2
    assert all(_has_label(control, html) for control in controls)


def test_creating_an_account_through_the_form_lands_on_its_page_with_the_event(as_user, rep):
    form = {"name": "Acme", "domain": "acme.example", "lifecycle_stage": "prospect", "owner": rep.pk}
    response = as_user(rep).post(reverse("account-create"), form, follow=True)

    assert response.status_code == 200
    assert b"Account created" in response.content
    assert Account.objects.get(name="Acme").owner == rep


def test_a_duplicate_domain_is_reported_on_the_domain_field_and_nothing_is_saved(as_user, rep):
    AccountFactory(owner=rep, domain="acme.example")

    form = {"name": "Acme 2", "domain": "ACME.example", "lifecycle_stage": "prospect", "owner": rep.pk}
    response = as_user(rep).post(reverse("account-create"), form)

    assert response.status_code == 200
    assert "already uses this domain" in response.content.decode()
    assert not Account.objects.filter(name="Acme 2").exists()


def _grow_accounts(owner):
    def grow() -> None:
        for account in AccountFactory.create_batch(49, owner=owner):
            ContactFactory(account=account, owner=owner)

    return grow


@pytest.mark.parametrize("role", [Role.SALES_REP, Role.SALES_MANAGER, Role.MARKETER, Role.ADMIN])
@pytest.mark.parametrize("name", ["account-list", "contact-list", "home"])
def test_lists_cost_the_same_queries_at_1_and_at_50_rows(as_user, assert_same_query_count, team, role, name):
    user = UserFactory(role=role, team=team)
    ContactFactory(owner=user, account=AccountFactory(owner=user))
    client = as_user(user)

    assert_same_query_count(lambda: client.get(reverse(name)), grow=_grow_accounts(user))


@pytest.mark.parametrize("kind", ["account", "contact"])
def test_a_record_page_costs_the_same_queries_with_a_long_timeline(
    as_user, assert_same_query_count, rep, kind
):
    account = AccountFactory(owner=rep)
    record = account if kind == "account" else ContactFactory(owner=rep, account=account)
    ActivityFactory(target=record, author=rep)
    TaskFactory(assignee=rep, target=record)
    client = as_user(rep)

    def grow() -> None:
        ActivityFactory.create_batch(30, target=record, author=UserFactory())
        for _ in range(20):
            TaskFactory(
                assignee=UserFactory(team=rep.team),
                target=record,
            )
        ContactFactory.create_batch(20, account=account, owner=rep)

    assert_same_query_count(lambda: client.get(record.get_absolute_url()), grow=grow)


def test_my_tasks_costs_the_same_queries_with_many_tasks(as_user, assert_same_query_count, rep):
    now = timezone.now()

    def add_tasks(hours: range) -> None:
        for hour in hours:
            TaskFactory(assignee=rep, due_at=now + timedelta(hours=hour), target=AccountFactory(owner=rep))

    add_tasks(range(-1, 0))
    client = as_user(rep)

    def grow() -> None:
        add_tasks(range(-25, 25))

    assert_same_query_count(lambda: client.get(reverse("my-tasks")), grow=grow)


def test_the_mailbox_is_for_admins_only(as_user, rep, admin_user):
    assert as_user(rep).get(reverse("mailbox")).status_code == 404
    assert as_user(admin_user).get(reverse("mailbox")).status_code == 200


def test_an_account_and_a_contact_show_the_external_id_they_were_loaded_with(as_user, rep):
    account = AccountFactory(owner=rep, external_source="salesforce", external_id="001A")
    contact = ContactFactory(owner=rep, external_source="hubspot", external_id="51")
    plain = AccountFactory(owner=rep)
    client = as_user(rep)

    account_page = client.get(reverse("account-detail", args=[account.pk])).content.decode()
    contact_page = client.get(reverse("contact-detail", args=[contact.pk])).content.decode()

    assert re.search(r"External id</dt><dd>001A <span[^>]*>in salesforce", account_page)
    assert re.search(r"External id</dt><dd>51 <span[^>]*>in hubspot", contact_page)
    assert "External id" not in client.get(reverse("account-detail", args=[plain.pk])).content.decode()
