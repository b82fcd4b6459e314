"""An import places deals in any stage without applying exit criteria; its report tells the admin, row
by row, what each open deal will need before someone moves it on, without counting it as an error or a
skip, and the evaluation costs the same few queries for one deal as for a chunk of them."""

import datetime
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from crm.imports.running import Tally
from crm.imports.services import record_import_confirm, record_import_upload
from crm.models import Activity, ActivityKind, DuplicatePolicy, RecordImport
from sales.importing.importer import DealImporter
from sales.importing.report import criteria_notes
from sales.models import CriterionKind, Deal, ExitCriterion, Pipeline, RequiredRecord
from sales.services.gates import is_met, unmet_criteria
from tests.factories import AccountFactory, ContactFactory, DealFactory
from tests.factories.sales import stage

pytestmark = pytest.mark.django_db

HEADER = "Opportunity ID,Opportunity Name,Account Name,Pipeline,Stage,Amount,Close Date,Primary Contact\n"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def acme():
    return AccountFactory(name="Acme", domain="acme.example")


@pytest.fixture
def proposal_gated(pipeline: Pipeline) -> None:
    """Leaving Proposal (of the Enterprise pipeline) needs a primary contact and a logged call."""
    proposal = stage(pipeline, "Proposal")
    ExitCriterion.objects.create(
        stage=proposal,
        kind=CriterionKind.RELATED,
        related=RequiredRecord.PRIMARY_CONTACT,
        label="a primary contact",
    )
    ExitCriterion.objects.create(
        stage=proposal, kind=CriterionKind.ACTIVITY, activity_kind=ActivityKind.CALL, label="a call logged"
    )


@pytest.fixture
def run(admin_user, django_capture_on_commit_callbacks):
    def run_import(data: str, *, all_or_nothing: bool = False) -> RecordImport:
        record_import = record_import_upload(
            actor=admin_user, kind="deals", file=SimpleUploadedFile("deals.csv", data.encode())
        )
        with django_capture_on_commit_callbacks(execute=True):
            record_import_confirm(
                actor=admin_user,
                import_id=record_import.pk,
                mapping=record_import.mapping,
                duplicate_policy=DuplicatePolicy.UPDATE,
                all_or_nothing=all_or_nothing,
                owner=None,
                values={},
            )
        record_import.refresh_from_db()
        return record_import

    return run_import


def _report(record_import: RecordImport) -> list[tuple[int, str]]:
    return list(record_import.errors.values_list("line", "message"))


def _counts(record_import: RecordImport) -> tuple[int, int, int, int]:
    return (
        record_import.created_count,
        record_import.updated_count,
        record_import.skipped_count,
        record_import.error_count,
    )


def _file(contact_email: str) -> str:
    return HEADER + (
        f"006A,Acme platform,Acme,Enterprise,Proposal,1000,2030-01-31,{contact_email}\n"
        "006B,Acme seats,Acme,Enterprise,Proposal,500,2030-01-31,\n"
        "006C,Acme add-on,Acme,Enterprise,Proposal,300,2030-01-31,\n"
        "006D,Acme renewal,Acme,Enterprise,Won,700,2024-05-31,\n"
        "006E,Acme services,Acme,Enterprise,Qualification,200,2030-01-31,\n"
    )


NEEDS_BOTH = "Imported at Proposal. Moving it on will need: a primary contact; a call logged."
NEEDS_CALL = "Imported at Proposal. Moving it on will need: a call logged."


def test_open_deals_imported_at_a_gated_stage_are_reported_with_what_they_miss_without_counting_as_errors(
    run, acme, proposal_gated
):
    contact = ContactFactory(email="ada@acme.example", account=acme)

    record_import = run(_file(contact.email))

    assert _report(record_import) == [(2, NEEDS_CALL), (3, NEEDS_BOTH), (4, NEEDS_BOTH)]
    assert _counts(record_import) == (5, 0, 0, 0)
    assert Deal.objects.get(external_id="006A").primary_contact == contact
    assert Deal.objects.get(external_id="006B").stage.name == "Proposal"  # imported there all the same


def test_running_the_same_file_again_reports_the_same_notes_once_each_and_what_was_done_since_is_not_asked(
    run, acme, proposal_gated, admin_user
):
    contact = ContactFactory(email="ada@acme.example", account=acme)
    first = run(_file(contact.email))
    seats = Deal.objects.get(external_id="006B")
    Activity.objects.create(
        kind=ActivityKind.CALL,
        subject="Pricing call",
        author=admin_user,
        content_type=ContentType.objects.get_for_model(Deal),
        object_id=seats.pk,
        occurred_at=timezone.now() - datetime.timedelta(hours=1),
    )

    again = run(_file(contact.email))

    needs_contact = "Imported at Proposal. Moving it on will need: a primary contact."
    assert _report(again) == [(2, NEEDS_CALL), (3, needs_contact), (4, NEEDS_BOTH)]
    assert _counts(again) == (0, 5, 0, 0)
    assert len(_report(first)) == 3  # each import keeps its own report


def test_a_deal_named_twice_in_a_file_is_reported_once_on_the_row_that_left_it_as_it_is(run, proposal_gated):
    data = (
        "Opportunity Name,Pipeline,Stage,Amount\n"
        "Acme platform,Enterprise,Qualification,1000\n"
        "Acme platform,Enterprise,Proposal,1200\n"
    )

    record_import = run(data)

    assert _report(record_import) == [(3, NEEDS_BOTH)]
    assert _counts(record_import) == (1, 1, 0, 0)


def test_an_all_or_nothing_import_refused_for_an_error_reports_the_error_and_no_notes(
    run, acme, proposal_gated
):
    data = _file("") + "006F,Initech deal,Initech,Enterprise,Proposal,100,2030-01-31,\n"

    record_import = run(data, all_or_nothing=True)

    assert [line for line, _ in _report(record_import)] == [7]
    assert _counts(record_import) == (0, 0, 0, 1)
    assert not Deal.objects.exists()


def test_the_end_of_the_import_sums_the_notes_up(run, acme, proposal_gated):
    record_import = run(_file(""))

    assert record_import.job.message.endswith(
        "3 open deals will need more before they move on: see the report."
    )
    assert DealImporter(run(_file("").replace("Proposal", "Negotiation"))).summary(Tally(created=5)) == ""


def test_reporting_a_chunk_costs_the_same_queries_for_one_deal_as_for_thirty(
    run, acme, proposal_gated, pipeline, monkeypatch
):
    ExitCriterion.objects.create(
        stage=stage(pipeline, "Proposal"),
        kind=CriterionKind.RELATED,
        related=RequiredRecord.LINE_ITEM,
        label="a product line",
    )
    counted: list[int] = []

    def counting(*args, **kwargs):
        with CaptureQueriesContext(connection) as queries:
            notes = criteria_notes(*args, **kwargs)
        counted.append(len(queries))
        return notes

    monkeypatch.setattr("sales.importing.importer.criteria_notes", counting)

    def rows(count: int) -> str:
        return HEADER + "".join(
            f"00{index},Deal {index},Acme,Enterprise,Proposal,100,2030-01-31,\n" for index in range(count)
        )

    one = run(rows(1))
    thirty = run(rows(30).replace("00", "01"))

    assert len(_report(one)) == 1
    assert len(_report(thirty)) == 30
    assert counted[0] == counted[1] == 3  # the criteria, the calls logged, the deals with lines


def test_the_set_based_evaluation_agrees_with_each_deal_evaluated_alone(pipeline, admin_user):
    demo = stage(pipeline, "Demo")
    held = ExitCriterion.objects.create(
        stage=demo,
        kind=CriterionKind.ACTIVITY,
        activity_kind=ActivityKind.MEETING,
        activity_subject="demo",
        label="Demo held",
    )
    contact = ExitCriterion.objects.create(
        stage=demo, kind=CriterionKind.RELATED, related=RequiredRecord.PRIMARY_CONTACT, label="Contact"
    )
    deal_type = ContentType.objects.get_for_model(Deal)
    past = timezone.now() - datetime.timedelta(days=1)
    deals: list[Deal] = []
    for kind, subject, when in [
        (ActivityKind.MEETING, "Product DEMO for the board", past),  # met: the subject, in any case
        (ActivityKind.MEETING, "Kick-off", past),
        (ActivityKind.CALL, "Demo follow-up", past),
        (ActivityKind.MEETING, "Demo", timezone.now() + datetime.timedelta(days=1)),  # still to come
    ]:
        deal = DealFactory(pipeline=pipeline, stage=demo, amount=Decimal(100))
        Activity.objects.create(
            kind=kind,
            subject=subject,
            author=admin_user,
            content_type=deal_type,
            object_id=deal.pk,
            occurred_at=when,
        )
        deals.append(deal)
    unsaved = Deal(pipeline=pipeline, stage=demo)

    unmet = unmet_criteria([(deal, [held, contact]) for deal in [*deals, unsaved]])

    assert [[criterion.label for criterion in missing] for missing in unmet] == [
        ["Contact"],
        ["Demo held", "Contact"],
        ["Demo held", "Contact"],
        ["Demo held", "Contact"],
        ["Demo held", "Contact"],
    ]
    assert [is_met(held, deal) for deal in [*deals, unsaved]] == [True, False, False, False, False]
