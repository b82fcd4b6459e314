"""How leads arrive and are tidied: a CSV import with a bad row, a web-form visitor, a merge of duplicates."""

import csv
import re
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from playwright.sync_api import Browser, Page, expect

from crm.models import ActivityKind, BackgroundJob, JobStatus
from crm.timeline.engagement import FORM_SUBMITTED
from crm.timeline.services import activity_log
from leads.assignment.services import assignment_rule_create
from leads.importing.services import import_upload
from leads.models import ImportStatus, LeadImport, Operator, RuleKind, WebFormSubmission
from leads.scoring.services import scoring_rule_create
from leads.services.leads import lead_create
from leads.webforms.services import webform_create

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LEADS_CSV = (
    b"First Name,Last Name,Email Address,Company Name\n"
    b"Ann,Lee,ann@example.com,Acme\n"
    b"Bob,Ray,bob@,Initech\n"
    b"Cy,Young,cy@example.com,Globex\n"
)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    """Uploaded import files go to a scratch folder (the live server runs in this process)."""
    settings.MEDIA_ROOT = tmp_path


def test_a_rep_imports_a_csv_with_one_bad_row_and_sees_the_rows_error(page: Page, log_in, rep):
    log_in(rep)

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Leads", exact=True).click()
    page.get_by_role("link", name="Import", exact=True).click()
    page.get_by_label("CSV or Excel file").set_input_files(
        {"name": "leads.csv", "mimeType": "text/csv", "buffer": LEADS_CSV}
    )
    page.get_by_role("button", name="Upload and check").click()

    expect(page.get_by_role("heading", name="Import leads.csv")).to_be_visible()
    for column, field in [
        ("First Name", "First name"),
        ("Last Name", "Last name"),
        ("Email Address", "Email"),
        ("Company Name", "Company"),
    ]:
        expect(page.get_by_label(column, exact=True).locator("option:checked")).to_have_text(field)
    preview = page.get_by_role("region", name=re.compile("Preview of the first 3 rows"))
    bad_row = preview.get_by_role("row").filter(has=page.get_by_role("rowheader", name="3", exact=True))
    expect(bad_row).to_contain_text('"bob@" is not a valid email address')
    expect(preview.get_by_role("row").filter(has_text="OK")).to_have_count(2)

    page.get_by_role("button", name="Start import").click()

    expect(page.get_by_role("heading", name="Import of leads.csv")).to_contain_text("Done")
    expect(page.get_by_role("progressbar", name="Lead import progress")).to_have_attribute(
        "aria-valuenow", "100"
    )
    result = page.get_by_role("region", name="Result")
    expect(result).to_contain_text(re.compile(r"Created\s*2\b"))
    expect(result).to_contain_text(re.compile(r"Rows with errors\s*1\b"))
    not_imported = result.get_by_role("table")
    expect(not_imported.get_by_role("row")).to_have_count(2)  # the header and the bad row
    expect(not_imported.get_by_role("row").nth(1)).to_contain_text(
        re.compile(r'3\s*Email Address\s*"bob@" is not a valid email address')
    )

    with page.expect_download() as download_info:
        result.get_by_role("link", name="Download the report (CSV)").click()
    download = download_info.value
    assert download.suggested_filename == "leads-not-imported.csv"
    report = list(csv.reader(Path(download.path()).read_text(encoding="utf-8-sig").splitlines()))
    assert report[0] == ["Line", "Problems", "First Name", "Last Name", "Email Address", "Company Name"]
    assert len(report) == 2
    line, problems, *values = report[1]
    assert (line, values) == ("3", ["Bob", "Ray", "bob@", "Initech"])
    assert problems == 'Email Address: "bob@" is not a valid email address.'

    result.get_by_role("link", name="Go to the leads").click()
    expect(page.get_by_role("link", name="Ann Lee")).to_be_visible()
    expect(page.get_by_role("link", name="Cy Young")).to_be_visible()
    expect(page.get_by_role("link", name="Bob Ray")).to_have_count(0)


def test_a_visitor_submits_the_web_form_and_the_lead_appears_assigned_with_its_score_breakdown(
    browser: Browser, page: Page, live_server, log_in, rep, admin_user
):
    webform_create(
        actor=admin_user,
        fields={
            "name": "Book a demo",
            "slug": "demo",
            "thank_you_message": "Thanks, we will call you within a day.",
            "fields": [
                {"field": "first_name", "label": "First name", "required": False},
                {"field": "last_name", "label": "Last name", "required": True},
                {"field": "email", "label": "Work email", "required": True},
                {"field": "industry", "label": "Industry", "required": False},
                {"field": "country", "label": "Country", "required": False},
            ],
        },
    )
    assignment_rule_create(
        actor=admin_user,
        name="Germany",
        criteria=[{"field": "country", "operator": Operator.EQUALS, "value": "Germany"}],
        assign_to_user=rep,
    )
    scoring_rule_create(
        actor=admin_user,
        name="Software companies",
        kind=RuleKind.ATTRIBUTE,
        field="industry",
        operator=Operator.EQUALS,
        value="Software",
        points=10,
    )
    scoring_rule_create(
        actor=admin_user,
        name="Filled in a web form",
        kind=RuleKind.BEHAVIOUR,
        event_type=FORM_SUBMITTED,
        points=20,
    )

    visitor = browser.new_context()
    try:
        form_page = visitor.new_page()
        form_page.goto(f"{live_server.url}/f/demo/?utm_campaign=spring")
        expect(form_page.get_by_role("heading", name="Book a demo")).to_be_visible()
        form_page.get_by_label("First name").fill("Grete")
        form_page.get_by_label("Last name").fill("Weber")
        form_page.get_by_label("Work email").fill("grete@weber-software.de")
        form_page.get_by_label("Industry").fill("Software")
        form_page.get_by_label("Country").fill("Germany")
        form_page.get_by_role("button", name="Send").click()
        expect(form_page.get_by_role("status")).to_contain_text("Thanks, we will call you within a day.")
        expect(form_page).to_have_url(f"{live_server.url}/f/demo/thanks/")
        form_page.reload()  # no "resend the form?" and no second submission
        expect(form_page.get_by_role("status")).to_contain_text("Thanks, we will call you within a day.")
        assert WebFormSubmission.objects.count() == 1
    finally:
        visitor.close()

    log_in(rep)
    page.get_by_role("link", name=re.compile(r"Notifications, \d+ unread")).click()
    page.get_by_role("link", name=re.compile("New lead for you: Grete Weber")).click()

    expect(page.get_by_role("heading", name=re.compile("Grete Weber"), level=1)).to_be_visible()
    expect(page.locator("#lead-header")).to_contain_text(f"Owner: {rep}")
    score = page.get_by_role("region", name="Score")
    breakdown = score.get_by_role("table", name="The rules behind the score of 30")
    expect(breakdown.get_by_role("row")).to_have_text(
        [
            re.compile(r"Rule\s*Points"),
            re.compile(r"Filled in a web form\s*\+20"),
            re.compile(r"Software companies\s*\+10"),
            re.compile(r"Total\s*30"),
        ]
    )
    expect(page.get_by_role("region", name="Details")).to_contain_text(re.compile(r"UTM campaign\s*spring"))


def test_a_rep_merges_two_duplicates_and_keeps_both_timelines(page: Page, log_in, rep):
    kept = lead_create(
        actor=rep,
        fields={
            "first_name": "Ada",
            "last_name": "Lovelace",
            "email": "Ada@Example.com",
            "company": "Analytical",
        },
    )
    merged = lead_create(
        actor=rep,
        fields={
            "first_name": "Ada",
            "last_name": "King",
            "email": "ada@example.com",
            "company": "Engines Ltd",
        },
    )
    activity_log(actor=rep, target=kept, kind=ActivityKind.CALL, subject="Intro call")
    activity_log(actor=rep, target=merged, kind=ActivityKind.NOTE, subject="Sent the brochure")
    base_url = log_in(rep)

    page.goto(f"{base_url}{reverse('leads:index')}")
    page.get_by_role("link", name="Ada Lovelace").click()
    duplicates = page.get_by_role("region", name="Possible duplicates")
    candidate = duplicates.get_by_role("listitem").filter(has=page.get_by_role("link", name="Ada King"))
    expect(candidate).to_contain_text("Same email")
    candidate.get_by_role("link", name="Compare and merge Ada King").click()

    expect(page.get_by_role("heading", name="Merge Ada King into Ada Lovelace")).to_be_visible()
    page.get_by_label("Company: Engines Ltd", exact=True).check()
    page.get_by_role("button", name="Merge into Ada Lovelace").click()

    expect(page).to_have_url(f"{base_url}{kept.get_absolute_url()}")
    expect(page.get_by_role("status").filter(has_text="Merged Ada King into Ada Lovelace.")).to_be_visible()
    expect(page.get_by_role("region", name="Details")).to_contain_text(re.compile(r"Company\s*Engines Ltd"))
    timeline = page.get_by_role("list", name="Timeline, newest first")
    expect(timeline.get_by_role("listitem").filter(has_text="Intro call")).to_have_count(1)
    expect(timeline.get_by_role("listitem").filter(has_text="Sent the brochure")).to_have_count(1)

    page.goto(f"{base_url}{merged.get_absolute_url()}")
    expect(page.get_by_role("heading", name="Page not found")).to_be_visible()


def test_a_marketer_designs_a_web_form_whose_address_follows_its_name(page: Page, log_in, marketer):
    base_url = log_in(marketer)

    main_menu = page.get_by_role("navigation", name="Main")
    main_menu.get_by_role("button", name="Admin").click()
    main_menu.get_by_role("link", name="Web-to-lead forms").click()
    expect(page.get_by_role("heading", name="Web forms", level=1)).to_be_visible()
    page.get_by_role("link", name="New web form").first.click()

    name = page.get_by_role("textbox", name="Name", exact=True)
    address = page.get_by_role("textbox", name="Public address")
    name.press_sequentially("Spring Webinar: Café & CRM")
    expect(address).to_have_value("spring-webinar-cafe-crm")
    address.fill("spring")
    name.press("End")
    name.press_sequentially(" 2026")
    expect(address).to_have_value("spring")  # typed by hand: the name no longer changes it
    address.fill("")
    name.press("End")
    name.press_sequentially("!")
    expect(address).to_have_value("spring-webinar-cafe-crm-2026")  # emptied: it follows the name again

    page.get_by_role("button", name="Save web form").click()

    expect(page.get_by_role("status").filter(has_text="Saved the web form")).to_be_visible()
    expect(page.get_by_role("link", name=f"{base_url}/f/spring-webinar-cafe-crm-2026/")).to_be_visible()


def test_the_import_page_badge_moves_from_queued_to_done_without_a_reload(page: Page, log_in, rep):
    lead_import = import_upload(actor=rep, file=SimpleUploadedFile("leads.csv", LEADS_CSV))
    job = BackgroundJob.objects.create(kind="Lead import", created_by=rep, total=3)
    LeadImport.objects.filter(pk=lead_import.pk).update(job=job, status=ImportStatus.QUEUED)
    base_url = log_in(rep)

    page.goto(f"{base_url}{reverse('leads:import-detail', args=[lead_import.pk])}")
    heading = page.get_by_role("heading", name=re.compile("Import of leads.csv"))
    expect(heading).to_contain_text("Queued")

    BackgroundJob.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING, done=1)
    expect(heading).to_contain_text("Running")
    BackgroundJob.objects.filter(pk=job.pk).update(status=JobStatus.DONE, done=3)
    LeadImport.objects.filter(pk=lead_import.pk).update(status=ImportStatus.DONE)
    expect(heading).to_contain_text("Done")
    expect(page.get_by_role("progressbar", name="Lead import progress")).to_have_attribute(
        "aria-valuenow", "100"
    )
