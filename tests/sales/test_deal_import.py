"""Importing deals with their history: the dates of the system they come from, stages and products named
differently mapped in the preview, amounts with currency symbols, dates in either order, and re-runs
that update instead of doubling. Each deal is placed where its dates put it, and nothing notifies per
deal."""

import datetime
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from crm.imports.services import record_import_confirm, record_import_preview, record_import_upload
from crm.models import DuplicatePolicy, LifecycleEvent, Notification, RecordImport
from sales import events
from sales.importing.columns import FIELDS
from sales.models import Deal, DealStatus, Pipeline, StageVisit
from tests.factories import AccountFactory, PipelineFactory, ProductFactory

pytestmark = pytest.mark.django_db

HEADER = (
    "Opportunity ID,Opportunity Name,Account Name,Stage,Amount,Created Date,Close Date,Opportunity Owner\n"
)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def acme():
    return AccountFactory(name="Acme", domain="acme.example")


@pytest.fixture
def upload(admin_user):
    def upload_file(data: str) -> RecordImport:
        return record_import_upload(
            actor=admin_user, kind="deals", file=SimpleUploadedFile("deals.csv", data.encode())
        )

    return upload_file


@pytest.fixture
def run(upload, admin_user, django_capture_on_commit_callbacks):
    def run_import(data: str, *, values=None, date_order="", policy=DuplicatePolicy.UPDATE) -> RecordImport:
        record_import = upload(data)
        if date_order:
            RecordImport.objects.filter(pk=record_import.pk).update(date_order=date_order)
            record_import.refresh_from_db()
        with django_capture_on_commit_callbacks(execute=True):
            record_import_confirm(
                actor=admin_user,
                import_id=record_import.pk,
                mapping=record_import.mapping,
                duplicate_policy=policy,
                all_or_nothing=False,
                owner=None,
                values=values or {},
            )
        record_import.refresh_from_db()
        return record_import  # type: ignore[no-any-return]

    return run_import


def _problems(record_import: RecordImport) -> list[tuple[int, str, str]]:
    return list(record_import.errors.values_list("line", "field", "message"))


def test_won_and_lost_deals_keep_the_dates_they_closed_and_open_ones_stay_open_even_when_overdue(
    run, acme, rep
):
    data = HEADER + (
        f'006A,Acme platform,Acme,Closed Won,"$12,500.00",2023-01-10,2023-03-15,{rep.email}\n'
        f"006B,Acme add-on,Acme,Closed Lost,900,2023-02-01,2023-02-20,{rep.email}\n"
        f"006C,Acme renewal,acme.example,Negotiation,4000,2023-04-01,2023-06-30,{rep.email}\n"
    )

    record_import = run(data)

    assert _problems(record_import) == [
        (3, "Stage", "A lost deal needs its lost reason: map a Lost reason column.")
    ]
    won = Deal.objects.get(external_id="006A")
    assert (won.status, won.amount, won.currency, won.owner, won.account) == (
        DealStatus.WON,
        Decimal("12500.00"),
        "USD",
        rep,
        acme,
    )
    assert won.created_at.date() == datetime.date(2023, 1, 10)
    assert won.closed_at is not None
    assert won.closed_at.date() == datetime.date(2023, 3, 15)
    assert won.stage.name == "Won"
    open_deal = Deal.objects.get(external_id="006C")
    assert (open_deal.status, open_deal.close_date) == (DealStatus.OPEN, datetime.date(2023, 6, 30))
    assert open_deal.closed_at is None
    visit = StageVisit.objects.get(deal=won)
    assert visit.entered_at == won.closed_at
    won_event = LifecycleEvent.objects.get(type=events.DEAL_WON, object_id=won.pk)
    assert won_event.occurred_at == won.closed_at
    created = LifecycleEvent.objects.get(type=events.DEAL_CREATED, object_id=won.pk)
    assert (created.occurred_at, created.data["file"]) == (won.created_at, "deals.csv")
    assert [note.message for note in Notification.objects.filter(recipient=rep)] == [
        f"{record_import.created_by} imported 2 deals for you."
    ]


def test_a_stage_and_a_product_spelled_differently_are_suggested_in_the_preview_and_mapped_by_the_user(
    upload, run, acme
):
    widget = ProductFactory(name="Widget Pro", sku="WP-1", unit_price=Decimal("100.00"))
    data = (
        "Deal Name,Company,Deal Stage,Amount,Products\n"
        "Acme widgets,Acme,Contract sent,180,widgetpro x 2\n"
        "Acme more widgets,Acme,Contract sent,100,Widget-Pro\n"
    )
    negotiation = Pipeline.objects.get(name="Sales").stages.get(name="Negotiation")

    preview = record_import_preview(record_import=upload(data))

    groups = {group.field: group for group in preview.values}
    stage_item = groups["stage"].items[0]
    assert (stage_item.cell, stage_item.rows, stage_item.exact) == ("Contract sent", 2, None)
    product_items = {item.cell: item for item in groups["products"].items}
    assert product_items["Widget-Pro"].exact == str(widget.pk)  # same letters, other punctuation
    assert product_items["widgetpro"].exact == str(widget.pk)
    assert [str(problem) for problem in preview.rows[0].problems] == [
        'Deal Stage: "Contract sent" matches no stage; choose one for it under “Values” in the preview.'
    ]

    record_import = run(data, values={"stage": {"Contract sent": str(negotiation.pk)}})

    assert record_import.created_count == 2, _problems(record_import)
    first = Deal.objects.get(name="Acme widgets")
    assert first.stage == negotiation
    line = first.lines.get()
    assert (line.product, line.quantity, line.unit_price, line.discount) == (
        widget,
        Decimal(2),
        Decimal("100.00"),
        Decimal("10.00"),
    )
    assert first.amount == Decimal("180.00")


def test_a_near_miss_is_suggested_but_not_applied_until_the_user_chooses_it(upload, acme):
    ProductFactory(name="Analytics Suite", sku="AN-1")
    data = "Deal Name,Company,Products\nAcme analytics,Acme,Analytcs Suite\n"

    preview = record_import_preview(record_import=upload(data))

    (item,) = {group.field: group for group in preview.values}["products"].items
    assert item.exact is None
    assert item.suggested is not None
    assert preview.rows[0].problems  # the row still reports the value until the user maps it


def test_dates_that_could_be_either_order_are_asked_about_and_read_as_the_user_says(run, acme):
    data = "Deal Name,Company,Stage,Created Date,Close Date\nAcme A,Acme,Won,03/04/2023,05/06/2023\n"

    unsure = run(data)
    assert (
        _problems(unsure)[0][2]
        == '"03/04/2023" could be day first or month first; say which under “Options”.'
    )

    Deal.objects.all().delete()
    day_first = run(data, date_order="dmy")

    assert day_first.created_count == 1, _problems(day_first)
    deal = Deal.objects.get()
    assert deal.closed_at is not None
    assert (deal.created_at.date(), deal.closed_at.date()) == (
        datetime.date(2023, 4, 3),
        datetime.date(2023, 6, 5),
    )


def test_a_closed_date_before_the_created_date_is_a_row_error_naming_both(run, acme):
    data = "Deal Name,Company,Stage,Created Date,Closed Date\nAcme B,Acme,Won,2023-05-01,2023-04-01\n"

    record_import = run(data)

    assert _problems(record_import) == [
        (2, "Closed Date", "Closed on 2023-04-01, before the deal was created (2023-05-01).")
    ]
    assert not Deal.objects.exists()


def test_running_the_same_file_again_updates_the_deals_and_a_deal_may_have_no_account(run):
    data = "Deal ID,Deal Name,Amount\nD-1,Solo deal,500\n"
    again = "Deal ID,Deal Name,Amount\nD-1,Solo deal,750\n"

    run(data)
    second = run(again, policy=DuplicatePolicy.CREATE)

    assert (second.created_count, second.updated_count) == (0, 1)
    deal = Deal.objects.get()
    assert (deal.amount, deal.account) == (Decimal("750.00"), None)
    assert deal.external_source == "pipedrive"


def test_a_deal_named_twice_at_its_account_in_a_file_without_ids_is_one_deal_the_later_row_updates(run, acme):
    data = "Deal Name,Account Name,Amount\nRenewal,Acme,500\nRenewal,Acme,750\nRenewal,,100\n"

    record_import = run(data)

    assert (record_import.created_count, record_import.updated_count) == (2, 1)
    assert list(Deal.objects.order_by("amount").values_list("account__name", "amount")) == [
        (None, Decimal("100.00")),
        ("Acme", Decimal("750.00")),
    ]


def test_an_owner_or_account_that_matches_nothing_is_reported_with_its_column_and_value(run, acme, rep):
    data = f"Deal Name,Company,Owner\nX,Acme,ghost@example.com\nY,Nobody Inc,{rep.email}\n"

    record_import = run(data)

    assert _problems(record_import) == [
        (
            2,
            "Owner",
            '"ghost@example.com" matches no person you may make an owner; '
            "choose one for it under “Values” in the preview.",
        ),
        (3, "Company", 'No account is named "Nobody Inc" or has it as its external id.'),
    ]
    assert not Deal.objects.exists()


def test_a_file_with_the_same_columns_starts_from_the_mapping_and_values_chosen_last_time(run, upload, acme):
    negotiation = Pipeline.objects.get(name="Sales").stages.get(name="Negotiation")
    data = "Deal Name,Company,Deal Stage\nAcme one,Acme,Contract sent\n"
    run(data, values={"stage": {"Contract sent": str(negotiation.pk)}})

    again = upload("Deal Name,Company,Deal Stage\nAcme two,Acme,Contract sent\n")

    assert again.values == {"stage": {"Contract sent": str(negotiation.pk)}}
    preview = record_import_preview(record_import=again)
    assert preview.rows[0].problems == ()


def test_the_order_of_the_files_dates_is_taken_from_a_date_that_can_only_be_read_one_way(upload, acme):
    record_import = upload("Deal Name,Company,Created Date\nA,Acme,03/04/2023\nB,Acme,25/04/2023\n")

    assert record_import.date_order == "dmy"


def test_a_stage_in_several_pipelines_is_settled_by_the_rows_pipeline_and_asked_about_without_one(run, acme):
    partner = PipelineFactory(name="Partner deals")
    data = (
        "Deal Name,Company,Pipeline,Stage,Closed Date,Lost Reason\n"
        "Via partner,Acme,Partner deals,Won,2023-05-01,\n"
        "Direct,Acme,,Won,2023-05-01,\n"
    )

    record_import = run(data)

    assert Deal.objects.get().stage == partner.stages.get(name="Won")
    assert _problems(record_import) == [
        (
            3,
            "Stage",
            "“Won” is a stage of several pipelines (Partner deals, Sales): map a Pipeline column, "
            "or choose the stage under “Values” in the preview.",
        )
    ]


def test_the_columns_of_pipedrive_and_zoho_deal_exports_are_recognised():
    pipedrive = [
        "Deal - ID",
        "Deal - Title",
        "Deal - Organization",
        "Deal - Contact person",
        "Deal - Value",
        "Deal - Currency",
        "Deal - Stage",
        "Deal - Owner",
        "Deal - Add time",
        "Deal - Won time",
        "Deal - Lost reason",
        "Deal - Expected close date",
    ]
    zoho = [
        "Deal Name",
        "Account Name",
        "Contact Name",
        "Amount",
        "Stage",
        "Closing Date",
        "Deal Owner",
        "Created Time",
    ]

    assert list(FIELDS.guess(pipedrive).values()) == [
        "external_id",
        "name",
        "account",
        "primary_contact",
        "amount",
        "currency",
        "stage",
        "owner",
        "created_at",
        "closed_at",
        "lost_reason",
        "close_date",
    ]
    assert list(FIELDS.guess(zoho).values()) == [
        "name",
        "account",
        "primary_contact",
        "amount",
        "stage",
        "close_date",
        "owner",
        "created_at",
    ]
