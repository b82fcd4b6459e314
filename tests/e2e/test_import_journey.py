"""Moving a pipeline in from another CRM, as a sales-ops admin does it in the browser: accounts first, then
the deals with a stage under another name and a product spelled differently, both mapped in the preview;
the same file imported again updates instead of doubling; the win rate per rep is on the sales report."""

import re
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from crm.models import Account
from sales.models import Deal, DealStatus
from tests.factories import ProductFactory
from tests.factories.sales import create_sales_defaults

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ACCOUNTS_CSV = b"Account ID,Account Name,Website\n001A,Acme,acme.example\n001B,Globex,globex.example\n"


def _deals_csv(rep, teammate) -> bytes:
    rows = [
        "Opportunity ID,Opportunity Name,Account Name,Stage,Amount,Created Date,Close Date,"
        "Opportunity Owner,Products,Lost Reason",
        f"006A,Acme platform,Acme,Closed Won,1000,2026-02-02,2026-03-10,{rep.email},Widgit Pro,",
        f"006B,Acme seats,Acme,Closed Won,500,2026-03-01,2026-04-15,{rep.email},,",
        f"006C,Acme add-on,Acme,Closed Lost,300,2026-04-01,2026-05-20,{rep.email},,Price",
        f"006D,Globex platform,Globex,Closed Won,2000,2026-05-05,2026-06-30,{teammate.email},Widgit Pro x 2,",
        f"006E,Globex services,Globex,Closed Lost,700,2026-06-01,2026-07-31,{teammate.email},,Price",
        f"006F,Globex renewal,Globex,Contract sent,900,2026-08-01,2027-01-31,{teammate.email},,",
    ]
    return ("\n".join(rows) + "\n").encode()


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    """Uploaded import files go to a scratch folder (the live server runs in this process)."""
    settings.MEDIA_ROOT = tmp_path


def _upload(page: Page, base: str, kind: str, name: str, data: bytes) -> None:
    page.goto(f"{base}/imports/")
    page.get_by_role("link", name="New import").first.click()
    page.get_by_role("combobox", name=re.compile("^Import")).select_option(label=kind)
    page.get_by_label("CSV or Excel file").set_input_files(
        {"name": name, "mimeType": "text/csv", "buffer": data}
    )
    page.get_by_role("button", name="Upload and check").click()
    expect(page.get_by_role("heading", name=f"Import {name}")).to_be_visible()


def _start_and_wait(page: Page) -> None:
    page.get_by_label("Update the existing record").check()
    page.get_by_role("button", name="Start import").click()
    expect(page.get_by_role("heading", name="Result")).to_be_visible()
    expect(page.locator("#import-result")).to_contain_text("Created", timeout=15_000)


def _map_deal_values(page: Page) -> None:
    stages = page.get_by_role("region", name="Values of “Stage”")
    expect(stages.get_by_label("“Closed Won” (3 rows)").locator("option:checked")).to_have_text("Won")
    unmatched = stages.get_by_label("“Contract sent” (1 row)")
    expect(unmatched.locator("option:checked")).to_have_text("— Not mapped: report its rows —")
    unmatched.select_option(label="Negotiation")
    products = page.get_by_role("region", name="Values of “Products”")
    expect(products).to_contain_text("Suggested: a near match. Check it.")
    expect(products.get_by_label("“Widgit Pro” (2 rows)").locator("option:checked")).to_have_text(
        "Widget Pro (WP-1)"
    )


def test_an_admin_moves_accounts_and_deals_in_maps_their_values_runs_it_twice_and_reads_the_win_rate(
    page: Page, log_in, admin_user, rep, teammate
):
    create_sales_defaults()
    ProductFactory(name="Widget Pro", sku="WP-1", unit_price=Decimal("1000.00"))
    base = log_in(admin_user)

    _upload(page, base, "Accounts", "accounts.csv", ACCOUNTS_CSV)
    _start_and_wait(page)
    expect(page.locator("#import-result")).to_contain_text("2")
    assert sorted(Account.objects.values_list("name", flat=True)) == ["Acme", "Globex"]

    deals = _deals_csv(rep, teammate)
    _upload(page, base, "Deals", "deals.csv", deals)
    _map_deal_values(page)
    _start_and_wait(page)
    assert Deal.objects.count() == 6
    assert Deal.objects.filter(status=DealStatus.WON).count() == 3
    platform = Deal.objects.get(external_id="006D")
    assert platform.account is not None
    assert (platform.account.name, platform.lines.get().quantity) == ("Globex", Decimal(2))

    # The same file again: its columns and values come mapped as last time, and every deal is found by
    # its Opportunity ID and updated, none doubled.
    _upload(page, base, "Deals", "deals.csv", deals)
    expect(
        page.get_by_role("status").filter(has_text="mapped as in your import of deals.csv")
    ).to_be_visible()
    stages = page.get_by_role("region", name="Values of “Stage”")
    expect(stages.get_by_label("“Contract sent” (1 row)").locator("option:checked")).to_have_text(
        "Negotiation"
    )
    _start_and_wait(page)
    expect(page.locator("#import-result")).to_contain_text(re.compile(r"Updated\s*6"))
    assert Deal.objects.count() == 6

    page.goto(f"{base}/pipeline/report/")
    page.get_by_label("From", exact=True).fill("2026-01")
    page.get_by_label("To", exact=True).fill("2026-12")
    page.get_by_role("button", name="Show").click()
    table = page.get_by_role("table").filter(has_text="Win rate").first
    rep_row = table.get_by_role("row").filter(has=page.get_by_role("rowheader", name=str(rep)))
    teammate_row = table.get_by_role("row").filter(has=page.get_by_role("rowheader", name=str(teammate)))
    expect(rep_row).to_contain_text("66.7 %")
    expect(teammate_row).to_contain_text("50.0 %")
