"""Web-to-lead services: designing forms (admins only) and turning submissions into leads."""

import threading
from datetime import timedelta
from functools import partial

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from crm.errors import Forbidden, Invalid, NotFound
from crm.models import EngagementEvent, LifecycleEvent, Notification, Role
from crm.timeline.engagement import FORM_SUBMITTED
from crm.timeline.selectors import record_timeline
from leads.models import AssignmentRule, Lead, LeadSettings, LeadSource, WebForm, WebFormSubmission
from leads.scoring.tasks import rescore_lead
from leads.webforms.services import (
    SubmissionRateLimited,
    webform_create,
    webform_delete,
    webform_submit,
    webform_update,
)
from tests.factories import LeadFactory, UserFactory

pytestmark = pytest.mark.django_db

QUESTIONS = [
    {"field": "first_name", "label": "First name", "required": False},
    {"field": "email", "label": "Work email", "required": True},
    {"field": "employee_count", "label": "Team size", "required": False},
]
ANSWERS = {"first_name": "Ada", "email": "ada@example.com", "employee_count": 40}


def make_form(**overrides):
    values = {
        "name": "Demo request",
        "slug": "demo",
        "fields": QUESTIONS,
        "utm_source": "website",
        "utm_campaign": "always-on",
        "tags": ["demo", "inbound"],
    }
    return WebForm.objects.create(**{**values, **overrides})


def submit(form, ip="203.0.113.7", utm=None, data=None):
    return webform_submit(form=form, data=data or ANSWERS, ip_address=ip, utm=utm or {})


def test_a_submission_becomes_a_web_form_lead_with_the_visitors_utm_tags_and_the_form_defaults():
    form = make_form()

    lead = submit(form, utm={"utm_campaign": "spring-launch", "utm_term": "crm", "utm_medium": ""})

    lead.refresh_from_db()
    assert (lead.first_name, lead.email, lead.employee_count) == ("Ada", "ada@example.com", 40)
    assert lead.source == LeadSource.WEB_FORM
    assert lead.web_form == form
    assert lead.tags == ["demo", "inbound"]
    assert (lead.utm_source, lead.utm_medium, lead.utm_campaign, lead.utm_term, lead.utm_content) == (
        "website",
        "",
        "spring-launch",
        "crm",
        "",
    )
    assert lead.email_normalized == "ada@example.com"
    assert WebFormSubmission.objects.get().lead == lead


def test_a_submission_is_recorded_as_engagement_and_as_the_leads_creation():
    form = make_form()

    lead = submit(form)

    event = EngagementEvent.objects.get(object_id=lead.pk)
    assert (event.type, event.data) == (FORM_SUBMITTED, {"form": "demo"})
    assert LifecycleEvent.objects.filter(object_id=lead.pk, type="lead.created").exists()


def test_only_the_forms_own_questions_are_read_from_the_answers():
    form = make_form()
    sneaky = {**ANSWERS, "status": "converted", "score": 999, "company": "Not asked", "owner": None}

    lead = submit(form, data=sneaky)

    lead.refresh_from_db()
    assert (lead.status, lead.score, lead.company) == ("new", 0, "")


def test_very_long_utm_values_are_cut_to_fit_rather_than_refused():
    lead = submit(make_form(), utm={"utm_content": "x" * 500})

    assert len(lead.utm_content) == 200


def test_a_form_with_an_owner_gives_its_leads_to_that_owner_and_tells_them(rep):
    lead = submit(make_form(owner=rep))

    assert lead.owner == rep
    assert Notification.objects.filter(recipient=rep).exists()


def test_a_form_without_an_owner_leaves_its_leads_to_the_assignment_rules():
    lead = submit(make_form())

    assert lead.owner is None


def test_a_submission_routed_by_a_rule_is_written_once_and_rescored_once(
    admin_user, rep, django_capture_on_commit_callbacks
):
    AssignmentRule.objects.create(name="Everyone", criteria=[], assign_to_user=rep)

    with CaptureQueriesContext(connection) as queries, django_capture_on_commit_callbacks() as queued:
        lead = submit(make_form())

    lead_writes = [
        q["sql"] for q in queries if q["sql"].startswith(('INSERT INTO "leads_lead"', 'UPDATE "leads_lead"'))
    ]
    assert [sql.split()[0] for sql in lead_writes] == ["INSERT"]
    rescores = [c for c in queued if isinstance(c, partial) and c.args[:1] == (rescore_lead.delay,)]
    assert [c.args for c in rescores] == [(rescore_lead.delay, lead.pk)]
    lead.refresh_from_db()
    assert (lead.owner, lead.first_touch_due_at is not None) == (rep, True)
    assert Notification.objects.filter(recipient=rep, message__contains="assignment rule Everyone").exists()


def test_the_21st_submission_from_one_address_within_an_hour_is_refused_and_creates_nothing():
    form = make_form()
    for number in range(20):
        submit(form, data={**ANSWERS, "email": f"person{number}@example.com"})

    with pytest.raises(SubmissionRateLimited) as refused:
        submit(form)

    assert refused.value.code == "rate_limited"

    assert Lead.objects.count() == 20
    assert WebFormSubmission.objects.count() == 20
    assert EngagementEvent.objects.count() == 20
    submit(form, ip="198.51.100.1")  # another address is not affected
    assert Lead.objects.count() == 21


def test_the_limit_counts_every_form_and_only_the_last_hour():
    LeadSettings.objects.update_or_create(id=1, defaults={"webform_submissions_per_hour": 2})
    first, second = make_form(), make_form(slug="newsletter")
    submit(first)
    submit(second)
    with pytest.raises(SubmissionRateLimited):
        submit(first)

    WebFormSubmission.objects.update(created_at=timezone.now() - timedelta(minutes=61))

    assert submit(first).pk


def test_an_inactive_form_takes_no_submissions():
    with pytest.raises(Invalid) as refused:
        submit(make_form(is_active=False))

    assert refused.value.code == "form_inactive"

    assert not Lead.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_two_submissions_at_once_cannot_both_take_the_last_free_slot():
    LeadSettings.objects.update_or_create(id=1, defaults={"webform_submissions_per_hour": 1})
    form = make_form()
    first_submitted = threading.Event()
    outcome = {}

    def first():
        try:
            with transaction.atomic():
                submit(form)
                first_submitted.set()
                threading.Event().wait(0.5)  # still uncommitted while the second one runs
        finally:
            connection.close()

    def second():
        first_submitted.wait(5)
        try:
            submit(form)
            outcome["second"] = "accepted"
        except SubmissionRateLimited:
            outcome["second"] = "refused"
        finally:
            connection.close()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)

    assert outcome == {"second": "refused"}
    assert Lead.objects.count() == 1


def test_an_admin_designs_a_form_with_tidy_tags(admin_user):
    form = webform_create(
        actor=admin_user,
        fields={"name": "Demo request", "slug": "demo", "fields": QUESTIONS, "tags": [" demo", "demo", ""]},
    )

    assert form.fields == QUESTIONS
    assert form.tags == ["demo"]
    assert form.created_by == admin_user


@pytest.mark.parametrize("role_fixture", ["rep", "manager", "support_agent"])
def test_sales_and_support_do_not_design_web_forms(request, role_fixture):
    user = request.getfixturevalue(role_fixture)
    form = make_form()

    with pytest.raises(Forbidden):
        webform_create(actor=user, fields={"name": "Mine", "slug": "mine", "fields": QUESTIONS})
    with pytest.raises(NotFound):  # to them, web forms do not exist
        webform_update(actor=user, form_id=form.pk, fields={"name": "Renamed"})
    with pytest.raises(Forbidden):
        webform_delete(actor=user, form_id=form.pk)
    assert list(WebForm.objects.values_list("name", flat=True)) == ["Demo request"]


def test_marketers_design_and_edit_web_forms_but_leave_deleting_them_to_admins(marketer):
    form = webform_create(actor=marketer, fields={"name": "Webinar", "slug": "webinar", "fields": QUESTIONS})
    webform_update(actor=marketer, form_id=form.pk, fields={"thank_you_message": "See you there."})

    with pytest.raises(Forbidden) as refused:
        webform_delete(actor=marketer, form_id=form.pk)
    assert refused.value.code == "admin_only"
    form.refresh_from_db()
    assert (form.created_by, form.thank_you_message) == (marketer, "See you there.")


def test_an_inactive_marketer_designs_nothing(marketer):
    marketer.is_active = False
    marketer.save()

    with pytest.raises(Forbidden):
        webform_create(actor=marketer, fields={"name": "Webinar", "slug": "webinar", "fields": QUESTIONS})


@pytest.mark.parametrize(
    ("questions", "message"),
    [
        ([{"field": "first_name", "label": "Name", "required": True}], "every lead needs one"),
        ([{"field": "email", "label": "Email", "required": False}], "make at least one of them required"),
        (
            [*QUESTIONS, {"field": "password", "label": "Password", "required": False}],
            "“password” is not a lead field",
        ),
        (
            [*QUESTIONS, {"field": "owner", "label": "Owner", "required": False}],
            "“owner” is not a lead field",
        ),
        ([*QUESTIONS, {"field": "email", "label": "Email again", "required": False}], "asked for twice"),
        ([{"field": "email", "label": "  ", "required": True}], "Give the email field a label"),
    ],
)
def test_a_form_design_the_leads_could_not_use_is_refused(admin_user, questions, message):
    # The message is the point: it says which question is wrong, and how.
    with pytest.raises(Invalid, match=message) as refused:
        webform_create(actor=admin_user, fields={"name": "Broken", "slug": "broken", "fields": questions})

    assert (refused.value.field, refused.value.code) == ("fields", "fields_invalid")

    assert not WebForm.objects.exists()


def test_updating_a_form_changes_its_questions_and_refuses_a_broken_design(admin_user):
    form = make_form()
    new_questions = [{"field": "company", "label": "Company", "required": True}]

    webform_update(actor=admin_user, form_id=form.pk, fields={"fields": new_questions, "is_active": False})
    with pytest.raises(Invalid) as refused:
        webform_update(actor=admin_user, form_id=form.pk, fields={"fields": []})
    assert refused.value.field == "fields"

    form.refresh_from_db()
    assert (form.fields, form.is_active) == (new_questions, False)


def test_an_inactive_user_cannot_become_the_owner_of_a_forms_leads(admin_user):
    former = UserFactory(username="former", is_active=False)

    with pytest.raises(Forbidden) as refused:
        webform_create(
            actor=admin_user, fields={"name": "Demo", "slug": "demo", "fields": QUESTIONS, "owner": former}
        )
    assert refused.value.code == "owner_not_assignable"


def test_deleting_a_form_keeps_the_leads_it_created(admin_user):
    form = make_form()
    lead = submit(form)

    webform_delete(actor=admin_user, form_id=form.pk)

    lead.refresh_from_db()
    assert lead.web_form is None
    assert lead.source == LeadSource.WEB_FORM
    assert not WebFormSubmission.objects.exists()


def test_a_second_submission_with_the_same_email_updates_the_open_lead_and_keeps_what_it_did_not_ask(rep):
    form = make_form(fields=[*QUESTIONS, {"field": "phone", "label": "Phone", "required": False}])
    lead = LeadFactory(
        email="Ada@Example.com",
        email_normalized="ada@example.com",
        first_name="Ada",
        last_name="Lovelace",
        company="Analytical Engines",
        phone="",
        employee_count=None,
        owner=rep,
        tags=["vip"],
    )

    updated = submit(
        form,
        data={"first_name": "", "email": "ada@example.com", "employee_count": 45, "phone": "030 1234567"},
    )

    assert updated.pk == lead.pk
    assert Lead.objects.count() == 1
    lead.refresh_from_db()
    # The answers land; a blank answer and the fields the form does not ask for keep what the lead had.
    assert (lead.first_name, lead.last_name, lead.company) == ("Ada", "Lovelace", "Analytical Engines")
    assert (lead.employee_count, lead.phone, lead.phone_normalized) == (45, "030 1234567", "0301234567")
    assert (lead.email, lead.owner, lead.tags) == ("Ada@Example.com", rep, ["vip", "demo", "inbound"])
    assert WebFormSubmission.objects.get().lead == lead


def test_an_updated_lead_gets_the_form_submitted_engagement_and_a_timeline_entry_for_its_owner(rep):
    form = make_form()
    lead = LeadFactory(email="ada@example.com", first_name="Grace", employee_count=3, owner=rep)

    submit(form)

    engagement = EngagementEvent.objects.get(object_id=lead.pk)
    assert (engagement.type, engagement.data) == (FORM_SUBMITTED, {"form": "demo"})
    entry = LifecycleEvent.objects.get(object_id=lead.pk, type="lead.form_resubmitted")
    assert entry.data == {"form": "Demo request", "updated": "first name, employees, tags"}
    assert entry.actor is None
    timeline = record_timeline(record=lead)
    assert [item.event_type.label for item in timeline if item.event_type] == ["Web form submitted again"]


def test_a_repeat_submission_with_nothing_new_still_shows_on_the_timeline():
    form = make_form(tags=[])
    lead = submit(form)

    submit(form)

    assert Lead.objects.count() == 1
    assert LifecycleEvent.objects.get(object_id=lead.pk, type="lead.form_resubmitted").data == {
        "form": "Demo request"
    }
    assert EngagementEvent.objects.filter(object_id=lead.pk, type=FORM_SUBMITTED).count() == 2


@pytest.mark.parametrize("status", ["converted", "disqualified"])
def test_a_converted_or_disqualified_lead_is_left_alone_and_a_new_lead_is_created(status):
    closed = LeadFactory(
        email="ada@example.com",
        status=status,
        disqualified_reason="No budget" if status == "disqualified" else "",
    )
    as_it_was = Lead.objects.filter(pk=closed.pk).values().get()

    lead = submit(make_form())

    assert lead.pk != closed.pk
    assert Lead.objects.filter(email_normalized="ada@example.com").count() == 2
    assert Lead.objects.filter(pk=closed.pk).values().get() == as_it_was


def test_a_form_set_to_create_makes_a_new_lead_for_each_submission():
    form = make_form(repeat_submissions="create")

    first, second = submit(form), submit(form)

    assert first.pk != second.pk
    assert Lead.objects.filter(email_normalized="ada@example.com").count() == 2
    assert not LifecycleEvent.objects.filter(type="lead.form_resubmitted").exists()


def test_without_an_email_answer_every_submission_is_a_new_lead():
    form = make_form(
        fields=[
            {"field": "last_name", "label": "Last name", "required": True},
            {"field": "email", "label": "Email", "required": False},
        ]
    )

    submit(form, data={"last_name": "Lovelace", "email": ""})
    submit(form, data={"last_name": "Lovelace", "email": ""})

    assert Lead.objects.count() == 2


def test_the_newest_open_lead_with_the_email_is_the_one_updated():
    older = LeadFactory(email="ada@example.com", first_name="Old")
    newer = LeadFactory(email="ada@example.com", first_name="New")

    assert submit(make_form()).pk == newer.pk
    older.refresh_from_db()
    assert older.first_name == "Old"


def test_a_form_without_a_slug_gets_one_from_its_name_numbered_when_taken(admin_user):
    make_form(slug="book-a-demo")

    form = webform_create(actor=admin_user, fields={"name": "Book a Démo!", "slug": "", "fields": QUESTIONS})
    again = webform_create(actor=admin_user, fields={"name": "Book a demo", "slug": "", "fields": QUESTIONS})

    assert (form.slug, again.slug) == ("book-a-demo-2", "book-a-demo-3")


def test_a_slug_emptied_on_an_existing_form_is_made_again_from_its_name(admin_user):
    form = make_form(name="Spring webinar", slug="old-address")

    webform_update(actor=admin_user, form_id=form.pk, fields={"slug": ""})

    form.refresh_from_db()
    assert form.slug == "spring-webinar"


def test_a_name_without_letters_or_digits_asks_for_the_address(admin_user):
    with pytest.raises(Invalid) as refused:
        webform_create(actor=admin_user, fields={"name": "!!!", "slug": "", "fields": QUESTIONS})

    assert (refused.value.field, refused.value.code) == ("slug", "slug_required")


def test_a_long_name_makes_an_address_that_fits(admin_user):
    form = webform_create(actor=admin_user, fields={"name": "word " * 20, "slug": "", "fields": QUESTIONS})

    assert len(form.slug) <= 50
    assert form.slug.startswith("word-word")
    assert not form.slug.endswith("-")


def test_a_marketer_can_give_a_forms_leads_only_to_themself(marketer, rep):
    assert marketer.role == Role.MARKETER
    with pytest.raises(Forbidden) as refused:
        webform_create(
            actor=marketer, fields={"name": "Demo", "slug": "demo", "fields": QUESTIONS, "owner": rep}
        )
    assert refused.value.code == "owner_not_assignable"
