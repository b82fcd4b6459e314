"""The duplicate check: a worker stores each new or changed lead's likely duplicates, and the lead page's
panel reads them, showing what the live query showed, to whom it may show it."""

from typing import Any
from unittest import mock

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import OperationalError
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from crm.models import User
from leads.dedupe import tasks as dedupe_tasks
from leads.dedupe.checking import duplicates_reconcile, lead_duplicates_check, leads_duplicates_check_chunk
from leads.dedupe.matching import Candidate, Match, duplicate_candidates, lead_matches
from leads.dedupe.pending import CHECK_CHUNK_SIZE, check_chunk_of
from leads.dedupe.selectors import duplicate_panel_context
from leads.dedupe.services import lead_merge
from leads.dedupe.tasks import check_lead_duplicates
from leads.importing.services import import_confirm, import_upload
from leads.models import DuplicatePolicy, Lead, LeadDuplicate, LeadStatus
from leads.models.webforms import RepeatSubmission
from leads.services.leads import lead_create, lead_delete, lead_update
from leads.webforms.services import webform_create, webform_submit
from tests.factories import ContactFactory, LeadFactory

pytestmark = pytest.mark.django_db

UPDATE = DuplicatePolicy.UPDATE
CHECKING = "leads.dedupe.checking"


def _lead(actor: User, **fields: object) -> Lead:
    return lead_create(actor=actor, fields=fields)


def _fresh(lead: Lead) -> Lead:
    """The lead as the detail page loads it (lead_get), with its owner and team."""
    return Lead.objects.select_related("owner", "team").get(pk=lead.pk)


def _seen(candidates: list[Candidate]) -> list[tuple[object, ...]]:
    return [
        (
            candidate.lead.pk if candidate.lead else None,
            candidate.contact.pk if candidate.contact else None,
            candidate.reasons,
            candidate.similarity,
            candidate.can_merge,
        )
        for candidate in candidates
    ]


def _panel(user: User, lead: Lead) -> list[tuple[object, ...]]:
    return _seen(duplicate_panel_context(user=user, lead=_fresh(lead))["duplicates"])


def _live(user: User, lead: Lead) -> list[tuple[object, ...]]:
    return _seen(duplicate_candidates(user=user, lead=_fresh(lead)))


def _html(user: User, lead: Lead) -> str:
    lead = _fresh(lead)
    return render_to_string(
        "leads/dedupe/_panel.html", {"lead": lead, **duplicate_panel_context(user=user, lead=lead)}
    )


@pytest.fixture
def book(rep, teammate, outsider, manager) -> list[Lead]:
    """Leads that look alike in every way the match knows, owned across two teams and the queues."""
    leads = [
        _lead(rep, first_name="Jon", last_name="Smith", company="Acme Inc", email="jon@acme.example"),
        _lead(rep, first_name="John", last_name="Smith", company="ACME Inc.", phone="+1 (555) 010-2030"),
        _lead(teammate, first_name="Jon", last_name="Smith", company="Acme", email="JON@acme.example"),
        _lead(outsider, first_name="Jonathan", last_name="Smith", company="Acme Inc", phone="15550102030"),
        # No last name: matched on its email only, and it ranks its candidates without similarity.
        _lead(outsider, first_name="Jon", company="Acme Inc", email="jon@acme.example"),
        _lead(manager, owner=None, last_name="Smith", company="Acme Incorporated", email="jon@acme.example"),
        _lead(manager, owner=None, team=rep.team, first_name="Jane", last_name="Smith", company="Acme Inc"),
        _lead(rep, first_name="Katherine", last_name="Jones", company="Globex Corp", phone="030 1234567"),
        _lead(teammate, first_name="Catherine", last_name="Jones", company="Globex Corporation"),
        _lead(outsider, last_name="Jones", company="Globex", phone="0301234567"),
        _lead(rep, first_name="Maria", last_name="Garcia", company="Initech", phone="12"),
        _lead(teammate, first_name="Marie", last_name="Garcia", company="Initech", phone="12"),
        _lead(rep, company="Hooli", email="info@hooli.example"),
        _lead(outsider, company="Hooli Labs", email="INFO@hooli.example"),
    ]
    converted = _lead(rep, first_name="John", last_name="Smith", company="Acme Inc", email="js@acme.example")
    Lead.objects.filter(pk=converted.pk).update(status=LeadStatus.CONVERTED, converted_at=timezone.now())
    ContactFactory(first_name="Jon", last_name="Smith", email="jon@ACME.example", owner=rep)
    ContactFactory(email="jon@acme.example", owner=outsider)
    return [*leads, converted]


@pytest.fixture
def viewers(rep, teammate, outsider, manager, marketer, support_agent, admin_user) -> list[User]:
    return [rep, teammate, outsider, manager, marketer, support_agent, admin_user]


def _assert_panels_show_what_the_live_query_shows(book: list[Lead], viewers: list[User]) -> int:
    shown = 0
    for lead in book:
        for viewer in viewers:
            panel = _panel(viewer, lead)
            assert panel == _live(viewer, lead), f"{lead} as {viewer}"
            shown += len(panel)
    return shown


# What the panel shows


def test_the_panel_shows_every_viewer_the_candidates_the_live_query_showed(book, viewers):
    assert duplicates_reconcile() == len(book)

    shown = _assert_panels_show_what_the_live_query_shows(book, viewers)

    assert shown > 100  # the book is a thicket of look-alikes: the comparison compares something
    assert LeadDuplicate.objects.filter(similar_name_and_company=True).exists()
    assert LeadDuplicate.objects.filter(same_phone=True).exists()


def test_after_edits_deletes_and_merges_the_panels_still_show_what_the_live_query_shows(
    book, viewers, rep, teammate, manager
):
    duplicates_reconcile()
    lead_update(actor=rep, lead_id=book[0].pk, fields={"email": "jon.smith@acme.example"})
    lead_update(actor=teammate, lead_id=book[8].pk, fields={"first_name": "Kathy", "phone": "030-1234567"})
    lead_update(actor=rep, lead_id=book[12].pk, fields={"company": "Globex Corp", "last_name": "Jones"})
    lead_update(actor=rep, lead_id=book[1].pk, fields={"title": "CTO"})  # not matched on: still checked
    lead_delete(actor=rep, lead_id=book[10].pk)
    lead_merge(actor=manager, kept_id=book[2].pk, merged_id=book[6].pk, field_choices={})
    gone = {book[10].pk, book[6].pk}

    assert Lead.objects.get(pk=book[1].pk).duplicates_checked_at is not None
    assert duplicates_reconcile() == 3  # the three whose matched fields changed
    _assert_panels_show_what_the_live_query_shows([lead for lead in book if lead.pk not in gone], viewers)
    assert not LeadDuplicate.objects.filter(lead__in=gone).exists()
    assert not LeadDuplicate.objects.filter(candidate__in=gone).exists()


def test_a_candidate_the_viewer_may_no_longer_see_leaves_their_panel_without_a_new_check(rep, outsider):
    lead = _lead(rep, last_name="Doe", email="jane@example.com")
    other = _lead(rep, last_name="Doe", email="jane@example.com")
    duplicates_reconcile()
    assert [row[0] for row in _panel(rep, lead)] == [other.pk]

    Lead.objects.filter(pk=other.pk).update(owner=outsider)  # reassigned, say by an admin

    assert _panel(rep, lead) == []
    assert [row[0] for row in _panel(outsider, other)] == []  # nor may the outsider see the rep's lead


def test_a_new_lead_says_it_is_being_checked_until_the_worker_has_checked_it(rep):
    other = _lead(rep, first_name="Jon", last_name="Smith", company="Acme Inc", email="jon@acme.example")
    lead = _lead(rep, first_name="John", last_name="Smith", company="ACME Inc.", email="jon@acme.example")
    contact = ContactFactory(email="jon@acme.example", owner=rep)

    html = _html(rep, lead)

    assert "Checking for duplicates…" in html
    assert "No likely duplicates" not in html
    assert f'href="{other.get_absolute_url()}"' not in html  # nothing stored yet
    assert f'href="{contact.get_absolute_url()}"' in html  # contacts match live
    assert f'hx-get="{reverse("leads:dedupe-panel", args=[lead.pk])}"' in html  # it asks again

    lead_duplicates_check(lead_id=lead.pk)
    html = _html(rep, lead)

    assert "Checking for duplicates…" not in html
    assert "hx-get" not in html
    assert f'href="{other.get_absolute_url()}"' in html
    assert "Same email, similar name and company (0.8" in html
    # The other side of the pair was stored by the same check; its own check is still due.
    lead_duplicates_check(lead_id=other.pk)
    assert f'href="{lead.get_absolute_url()}"' in _html(rep, other)


def test_the_panel_polls_itself_until_the_check_is_done(as_user, rep, outsider):
    lead = _lead(rep, last_name="Doe", email="jane@example.com")
    other = _lead(rep, last_name="Doe", email="jane@example.com")
    client = as_user(rep)
    url = reverse("leads:dedupe-panel", args=[lead.pk])

    pending = client.get(url)
    duplicates_reconcile()
    done = client.get(url)

    assert "Checking for duplicates…" in pending.content.decode()
    assert f'href="{other.get_absolute_url()}"' in done.content.decode()
    assert "Checking for duplicates…" not in done.content.decode()
    assert as_user(outsider).get(url).status_code == 404


def test_the_lead_page_shows_the_stored_duplicates(as_user, rep):
    lead = _lead(rep, last_name="Doe", email="jane@example.com")
    other = _lead(rep, last_name="Doe", company="Initech", email="jane@example.com")
    duplicates_reconcile()

    html = as_user(rep).get(lead.get_absolute_url()).content.decode()

    assert "Possible duplicates" in html
    assert f'href="{other.get_absolute_url()}"' in html
    assert "Checking for duplicates…" not in html


# What makes a check due, and what a check does


def test_a_change_to_a_matched_field_makes_the_check_due_and_the_stale_pair_disappears(rep):
    lead = _lead(rep, last_name="Doe", email="jane@example.com")
    other = _lead(rep, last_name="Roe", email="jane@example.com")
    duplicates_reconcile()
    assert [row[0] for row in _panel(rep, lead)] == [other.pk]

    lead_update(actor=rep, lead_id=other.pk, fields={"email": "jane.roe@example.com"})

    assert "Checking for duplicates…" in _html(rep, other)
    assert _panel(rep, lead) == [(other.pk, None, ("same email",), 0.0, True)]  # until the check
    lead_duplicates_check(lead_id=other.pk)
    assert _panel(rep, lead) == []
    assert _panel(rep, other) == []


def test_a_change_to_another_field_leaves_the_duplicates_as_checked(rep):
    lead = _lead(rep, last_name="Doe", email="jane@example.com")
    duplicates_reconcile()

    lead_update(actor=rep, lead_id=lead.pk, fields={"title": "CFO", "status": LeadStatus.WORKING})

    assert Lead.objects.get(pk=lead.pk).duplicates_checked_at is not None


def test_a_web_form_answer_that_changes_a_name_makes_the_check_due(rep, marketer):
    form = webform_create(
        actor=marketer,
        fields={
            "name": "Contact",
            "slug": "contact",
            "fields": [
                {"field": "last_name", "label": "Last name", "required": True},
                {"field": "email", "label": "Email", "required": True},
            ],
            "repeat_submissions": RepeatSubmission.UPDATE,
        },
    )
    lead = webform_submit(
        form=form, data={"last_name": "Doe", "email": "jane@example.com"}, ip_address="10.0.0.1", utm={}
    )
    duplicates_reconcile()

    webform_submit(
        form=form, data={"last_name": "Roe", "email": "jane@example.com"}, ip_address="10.0.0.1", utm={}
    )

    lead.refresh_from_db()
    assert lead.last_name == "Roe"
    assert lead.duplicates_checked_at is None


def test_checking_twice_changes_nothing(rep):
    lead = _lead(rep, last_name="Doe", email="jane@example.com")
    _lead(rep, last_name="Doe", email="jane@example.com")
    assert lead_duplicates_check(lead_id=lead.pk)
    rows = list(LeadDuplicate.objects.order_by("pk").values())
    checked_at = Lead.objects.get(pk=lead.pk).duplicates_checked_at

    assert check_lead_duplicates(lead.pk) is False  # a redelivered wake-up
    assert list(LeadDuplicate.objects.order_by("pk").values()) == rows
    assert Lead.objects.get(pk=lead.pk).duplicates_checked_at == checked_at
    assert lead_duplicates_check(lead_id=999_999) is False  # a lead deleted before its check


def test_a_change_made_while_the_lead_was_checked_leaves_it_due(rep):
    lead = _lead(rep, last_name="Doe", email="jane@example.com")
    other = _lead(rep, last_name="Doe", email="jane@example.com")

    def changed_meanwhile(*args: Any, **kwargs: Any) -> list[Match]:
        found = lead_matches(*args, **kwargs)
        # As a person's save would, committed while the worker matched the old address.
        Lead.objects.filter(pk=lead.pk).update(email="jane.doe@example.com")
        return found

    with mock.patch(f"{CHECKING}.lead_matches", changed_meanwhile):
        lead_duplicates_check(lead_id=lead.pk)

    assert Lead.objects.get(pk=lead.pk).duplicates_checked_at is None
    assert lead_duplicates_check(lead_id=lead.pk)  # its own wake-up checks it again
    assert _panel(rep, lead) == []
    assert LeadDuplicate.objects.filter(candidate=other).count() == 0


def test_a_check_that_fails_leaves_the_lead_due_and_its_pairs_as_they_were(rep):
    lead = _lead(rep, last_name="Doe", email="jane@example.com")
    _lead(rep, last_name="Doe", email="jane@example.com")
    duplicates_reconcile()
    rows = list(LeadDuplicate.objects.order_by("pk").values())
    Lead.objects.filter(pk=lead.pk).update(duplicates_checked_at=None)

    with (
        mock.patch(f"{CHECKING}.lead_matches", side_effect=OperationalError("connection lost")),
        pytest.raises(OperationalError),
    ):
        lead_duplicates_check(lead_id=lead.pk)

    assert Lead.objects.get(pk=lead.pk).duplicates_checked_at is None
    assert list(LeadDuplicate.objects.order_by("pk").values()) == rows


def test_the_stored_candidates_are_capped_and_the_strongest_kept(rep):
    lead = _lead(rep, last_name="Doe", email="jane@example.com", phone="555 010 2030")
    by_both = _lead(rep, last_name="Doe", email="jane@example.com", phone="5550102030")
    LeadFactory.create_batch(4, email="jane@example.com", owner=rep)

    with mock.patch(f"{CHECKING}.STORED_CANDIDATES", 3):
        lead_duplicates_check(lead_id=lead.pk)

    stored = LeadDuplicate.objects.filter(lead=lead).order_by("-same_phone", "-candidate")
    assert stored.count() == 3
    assert stored[0].candidate_id == by_both.pk


# Bulk writes and lost wake-ups


def test_the_periodic_pass_checks_the_leads_whose_wake_up_was_lost(rep):
    # Leads written without any wake-up, as a raw bulk insert would.
    leads = LeadFactory.create_batch(3, last_name="Doe", email="jane@example.com", owner=rep)

    assert duplicates_reconcile() == 3
    assert duplicates_reconcile() == 0
    assert LeadDuplicate.objects.count() == 6  # three pairs, each stored both ways
    assert not Lead.objects.filter(pk__in=[lead.pk for lead in leads], duplicates_checked_at=None).exists()


def test_a_chunk_task_checks_the_due_leads_of_its_id_block_only(rep):
    inside = _lead(rep, last_name="Doe", email="jane@example.com")
    outside = LeadFactory(id=(check_chunk_of(inside.pk) + 1) * CHECK_CHUNK_SIZE, owner=rep)

    assert leads_duplicates_check_chunk(chunk=check_chunk_of(inside.pk)) == (1, 0)

    assert Lead.objects.get(pk=inside.pk).duplicates_checked_at is not None
    assert Lead.objects.get(pk=outside.pk).duplicates_checked_at is None


def test_a_chunk_task_out_of_time_gives_its_worker_back_and_wakes_itself_for_the_rest(rep, monkeypatch):
    chunk = 7_000  # ids of its own, far above the other rows'
    leads = [LeadFactory(id=chunk * CHECK_CHUNK_SIZE + i, owner=rep) for i in range(3)]
    monkeypatch.setattr(dedupe_tasks, "CHUNK_SECONDS", 0.0)  # out of time after the first check

    with mock.patch("leads.dedupe.tasks.check_duplicates_chunk.delay") as chunk_delay:
        assert dedupe_tasks.check_duplicates_chunk(chunk) == 1
    chunk_delay.assert_called_once_with(chunk)
    assert Lead.objects.filter(pk__in=[lead.pk for lead in leads], duplicates_checked_at=None).count() == 2

    monkeypatch.setattr(dedupe_tasks, "CHUNK_SECONDS", 60.0)
    with mock.patch("leads.dedupe.tasks.check_duplicates_chunk.delay") as chunk_delay:
        assert dedupe_tasks.check_duplicates_chunk(chunk) == 2
    chunk_delay.assert_not_called()  # nothing left: no further wake-up


def test_creating_a_lead_wakes_one_check_for_it_after_commit(rep, django_capture_on_commit_callbacks):
    with (
        mock.patch("leads.dedupe.tasks.check_lead_duplicates.delay") as delay,
        django_capture_on_commit_callbacks(execute=True),
    ):
        lead = _lead(rep, last_name="Doe", email="jane@example.com")

    delay.assert_called_once_with(lead.pk)


def test_a_created_lead_is_checked_by_its_wake_up(rep, django_capture_on_commit_callbacks):
    other = _lead(rep, last_name="Doe", email="jane@example.com")

    with django_capture_on_commit_callbacks(execute=True):  # the eager worker runs the task
        lead = _lead(rep, last_name="Doe", email="jane@example.com")

    assert [row[0] for row in _panel(rep, lead)] == [other.pk]


@pytest.fixture
def imported(settings, tmp_path, django_capture_on_commit_callbacks):
    """Imports a CSV as `actor` with the guessed mapping, its wake-ups run or `held` (recorded)."""
    settings.MEDIA_ROOT = tmp_path

    def run_import(actor: User, data: bytes, *, policy: str = DuplicatePolicy.SKIP) -> None:
        lead_import = import_upload(actor=actor, file=SimpleUploadedFile("leads.csv", data))
        with django_capture_on_commit_callbacks(execute=True):
            import_confirm(
                actor=actor,
                import_id=lead_import.pk,
                mapping=lead_import.mapping,
                duplicate_policy=policy,
                all_or_nothing=False,
                owner=None,
            )

    return run_import


def test_an_import_wakes_one_check_per_block_of_ids_never_one_per_row(rep, imported):
    rows = "".join(f"Ann{i},Lee,ann{i}@example.com,Acme\n" for i in range(30))
    with (
        mock.patch("leads.dedupe.tasks.check_duplicates_chunk.delay") as chunk_delay,
        mock.patch("leads.dedupe.tasks.check_lead_duplicates.delay") as lead_delay,
    ):
        imported(rep, f"First Name,Last Name,Email,Company\n{rows}".encode())

    created = list(Lead.objects.order_by("pk").values_list("pk", flat=True))
    assert len(created) == 30
    assert lead_delay.call_count == 0
    assert sorted(call.args[0] for call in chunk_delay.call_args_list) == sorted(
        {check_chunk_of(pk) for pk in created}
    )
    assert Lead.objects.filter(duplicates_checked_at=None).count() == 30  # due until the chunks run
    for chunk in {check_chunk_of(pk) for pk in created}:
        leads_duplicates_check_chunk(chunk=chunk)
    first = Lead.objects.get(pk=created[0])
    assert len(_panel(rep, first)) == 10  # similar name at the same company: the panel's ten


def test_an_import_that_changes_a_leads_name_makes_its_check_due(rep, imported):
    lead = _lead(rep, first_name="Ann", last_name="Lee", email="ann@example.com", company="Acme")
    duplicates_reconcile()

    with mock.patch("leads.dedupe.tasks.check_duplicates_chunk.delay") as chunk_delay:
        imported(
            rep, b"First Name,Last Name,Email,Company\nAnn,Leigh,ann@example.com,Acme\n", policy="update"
        )

    lead.refresh_from_db()
    assert lead.last_name == "Leigh"
    assert lead.duplicates_checked_at is None
    assert [call.args[0] for call in chunk_delay.call_args_list] == [check_chunk_of(lead.pk)]
