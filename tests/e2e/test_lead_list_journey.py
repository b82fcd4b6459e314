"""A rep works the lead list: bulk tagging, editing in place, and the reason a disqualification needs."""

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from tests.factories import LeadFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_rep_tags_two_leads_edits_one_in_place_and_is_asked_why_it_is_disqualified(page: Page, log_in, rep):
    LeadFactory(owner=rep, first_name="Ada", last_name="Lovelace", company="Analytical")
    LeadFactory(owner=rep, first_name="Charles", last_name="Babbage", company="Difference")
    base_url = log_in(rep)

    page.goto(f"{base_url}{reverse('leads:index')}")
    page.get_by_label("Select every lead on this page").check()
    page.get_by_label("Add tag").fill("conference")
    page.get_by_role("button", name="Add tag").click()
    expect(page.get_by_role("status").filter(has_text="Changed 2 leads.")).to_be_visible()
    expect(page.get_by_role("link", name="conference")).to_have_count(2)

    page.get_by_role("link", name="Ada Lovelace").click()
    detail_url = page.url
    page.get_by_role("link", name="Edit details").click()
    expect(page.get_by_label("First name")).to_be_focused()
    page.get_by_label("Company").fill("Analytical Engines")
    page.get_by_role("button", name="Save details").click()
    expect(page.get_by_role("status").filter(has_text="Saved the details.")).to_be_visible()
    expect(page.locator("#lead-header")).to_contain_text("Analytical Engines")
    assert page.url == detail_url  # swapped in place, no page load

    reason = page.get_by_label("Reason for disqualifying")
    expect(reason).to_be_hidden()
    page.get_by_label("New status").select_option("disqualified")
    expect(reason).to_be_visible()
    page.get_by_role("button", name="Change status").click()
    expect(page.get_by_text("Say why the lead is disqualified.")).to_be_visible()
