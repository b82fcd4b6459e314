"""One customer with a 200-character name without a space must not break the pages for everybody.

On a laptop screen (1366x768) no list or detail page may scroll sideways; in lists and cards the name
is cut short (its box no wider than half the screen) and the whole of it is in its title, shown on hover.
"""

from typing import Any

import pytest
from playwright.sync_api import Locator, Page, expect

from sales.models import Pipeline
from tests.factories import AccountFactory, ContactFactory, DealFactory, LeadFactory, PipelineFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTH, HEIGHT = 1366, 768
LONG = ("Supercalifragilisticexpialidocious" * 6)[:200]  # a company or deal name holds 200 characters
LONG_PERSON = ("Wolfeschlegelsteinhausenbergerdorff" * 3)[:100]  # a last name holds 100


@pytest.fixture
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    return {**browser_context_args, "viewport": {"width": WIDTH, "height": HEIGHT}}


def assert_fits(page: Page, url: str) -> None:
    page.goto(url)
    expect(page.get_by_role("main")).to_be_visible()
    sideways = page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert sideways <= 0, f"{url} scrolls {sideways}px sideways"


def width_of(element: Locator) -> float:
    box = element.bounding_box()
    assert box is not None
    return float(box["width"])


def test_a_200_character_name_fits_every_list_and_detail_page_with_the_full_name_on_hover(
    page: Page, log_in, rep
):
    Pipeline.objects.all().delete()  # the board shows the default pipeline; this test's is the only one
    account = AccountFactory(owner=rep, name=LONG, domain=f"{LONG[:60].lower()}.example")
    contact = ContactFactory(owner=rep, account=account, first_name="", last_name=LONG_PERSON)
    lead = LeadFactory(owner=rep, first_name="", last_name="", email="", company=LONG)
    deal = DealFactory(
        owner=rep, account=account, name=LONG, pipeline=PipelineFactory(name="Sales", is_default=True)
    )
    base_url = log_in(rep)

    lists = ["/", "/accounts/", "/contacts/", "/leads/", "/pipeline/deals/", "/pipeline/"]
    for path, name in [(path, contact.full_name if path == "/contacts/" else LONG) for path in lists]:
        assert_fits(page, f"{base_url}{path}")
        link = page.get_by_role("link", name=name, exact=True).first
        link.hover()
        expect(link).to_have_attribute("title", name)
        assert width_of(link) <= WIDTH / 2, f"the name is not cut short on {path}"

    details = [
        (account.get_absolute_url(), LONG),
        (contact.get_absolute_url(), contact.full_name),
        (lead.get_absolute_url(), LONG),
        (deal.get_absolute_url(), LONG),
    ]
    for url, name in details:
        assert_fits(page, f"{base_url}{url}")
        expect(page.get_by_role("heading", level=1)).to_contain_text(name)  # the title wraps, whole
        current = page.get_by_role("navigation", name="Breadcrumb").locator("[aria-current='page']")
        expect(current).to_have_attribute("title", name)
