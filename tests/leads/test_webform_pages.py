"""Web-to-lead pages: the public form a visitor fills in, and the admin's list, editor and detail pages.

The admin pages are mounted by leads/urls.py at /leads/forms/ ("leads:webform-*"), the public form by
crm/urls.py at /f/ ("webform-public").
"""

import re
from html.parser import HTMLParser

import pytest
from django.test import Client
from django.urls import reverse

from crm.models import EngagementEvent
from crm.timeline.engagement import FORM_SUBMITTED
from leads.models import Lead, LeadSource, WebForm, WebFormSubmission

pytestmark = pytest.mark.django_db

QUESTIONS = [
    {"field": "first_name", "label": "Your first name", "required": False},
    {"field": "email", "label": "Work email", "required": True},
    {"field": "phone", "label": "Phone", "required": False},
    {"field": "employee_count", "label": "Team size", "required": False},
]
ANSWERS = {"first_name": "Ada", "email": "ada@example.com", "phone": "", "employee_count": "12"}
CONTROL = re.compile(r'<(?:input|select|textarea)(?![^>]*type="(?:hidden|submit)")[^>]*>')
CONTROL_ID = re.compile(r'\bid="([^"]+)"')


@pytest.fixture
def webform():
    return WebForm.objects.create(
        name="Book a demo",
        slug="demo",
        fields=QUESTIONS,
        thank_you_message="Thanks, we will call you within a day.",
        utm_source="website",
        tags=["demo"],
    )


def public_url(form, query=""):
    return reverse("webform-public", args=[form.slug]) + query


def thanks_url(form):
    return reverse("webform-thanks", args=[form.slug])


def test_a_visitor_from_a_campaign_link_becomes_a_lead_with_its_utm_tags(client, webform):
    url = public_url(webform, "?utm_campaign=spring&utm_medium=email")
    page = client.get(url).content.decode()
    assert 'name="utm_campaign" value="spring"' in page

    response = client.post(url, {**ANSWERS, "utm_campaign": "spring", "utm_medium": "email"}, follow=True)

    assert "Thanks, we will call you within a day." in response.content.decode()
    lead = Lead.objects.get()
    assert (lead.email, lead.first_name, lead.employee_count) == ("ada@example.com", "Ada", 12)
    assert (lead.utm_source, lead.utm_medium, lead.utm_campaign) == ("website", "email", "spring")
    assert (lead.source, lead.web_form, lead.tags) == (LeadSource.WEB_FORM, webform, ["demo"])
    assert EngagementEvent.objects.filter(object_id=lead.pk, type=FORM_SUBMITTED).exists()


def test_utm_parameters_in_the_address_count_even_without_the_hidden_inputs(client, webform):
    client.post(public_url(webform, "?utm_source=partner&utm_content=banner"), ANSWERS)

    lead = Lead.objects.get()
    assert (lead.utm_source, lead.utm_content) == ("partner", "banner")


def test_a_missing_required_answer_is_shown_next_to_the_field_and_creates_nothing(client, webform):
    response = client.post(public_url(webform), {**ANSWERS, "email": ""})

    html = response.content.decode()
    assert re.search(r'<input[^>]*name="email"[^>]*aria-invalid="true"', html)
    assert 'id="id_email_error"' in html
    assert "This field is required." in html
    assert "Thanks, we will call you" not in html
    assert not Lead.objects.exists()
    assert not WebFormSubmission.objects.exists()


def test_answers_of_the_wrong_kind_are_refused_with_their_reason(client, webform):
    response = client.post(
        public_url(webform), {**ANSWERS, "email": "not-an-address", "employee_count": "many"}
    )

    html = response.content.decode()
    assert "Enter a valid email address." in html
    assert "Enter a whole number." in html
    assert not Lead.objects.exists()


def test_a_filled_honeypot_looks_accepted_but_creates_nothing(client, webform):
    response = client.post(
        public_url(webform), {**ANSWERS, "website_url": "http://spam.example"}, follow=True
    )

    assert response.status_code == 200
    assert "Thanks, we will call you" in response.content.decode()
    assert not Lead.objects.exists()
    assert not WebFormSubmission.objects.exists()


def test_the_21st_submission_from_one_address_in_an_hour_is_refused_with_a_message(client, webform):
    for number in range(20):
        client.post(public_url(webform), {**ANSWERS, "email": f"person{number}@example.com"})

    refused = client.post(public_url(webform), ANSWERS, HTTP_X_FORWARDED_FOR="192.0.2.99")

    assert refused.status_code == 429
    assert "too many submissions from your network" in refused.content.decode()
    assert Lead.objects.count() == 20
    other_visitor = client.post(public_url(webform), ANSWERS, REMOTE_ADDR="192.0.2.99", follow=True)
    assert "Thanks" in other_visitor.content.decode()
    assert Lead.objects.count() == 21


@pytest.mark.parametrize("slug", ["demo", "no-such-form"])
def test_an_inactive_or_unknown_form_is_not_found(client, webform, slug):
    webform.is_active = False
    webform.save()

    assert client.get(f"/f/{slug}/").status_code == 404
    assert client.post(f"/f/{slug}/", ANSWERS).status_code == 404
    assert not Lead.objects.exists()


def _has_label(control, html):
    control_id = CONTROL_ID.search(control)
    return control_id is not None and f'for="{control_id.group(1)}"' in html


def test_the_public_form_labels_every_control_with_the_designers_labels(client, webform):
    html = client.get(public_url(webform)).content.decode()

    controls = CONTROL.findall(html)
    assert len(controls) == len(QUESTIONS) + 1  # and the honeypot
    assert [control for control in controls if not _has_label(control, html)] == []
    for label in ("Your first name", "Work email", "Team size"):
        assert label in html
    assert re.search(r'<input type="email" name="email"[^>]*required', html)
    assert re.search(r'<input type="tel" name="phone"', html)


def test_the_honeypot_is_out_of_sight_and_out_of_the_tab_order(client, webform):
    html = client.get(public_url(webform)).content.decode()

    honeypot = re.search(r'<div class="visually-hidden" aria-hidden="true">(.*?)</div>', html, re.S)
    assert honeypot is not None
    assert "Leave this field empty" in honeypot.group(1)
    assert re.search(r'<input[^>]*name="website_url"[^>]*tabindex="-1"', honeypot.group(1))


def test_the_public_form_may_be_framed_by_other_sites_and_other_pages_may_not(client, admin_user, webform):
    assert "X-Frame-Options" not in client.get(public_url(webform)).headers
    assert "X-Frame-Options" not in client.post(public_url(webform), ANSWERS).headers
    assert "X-Frame-Options" not in client.get(thanks_url(webform)).headers

    client.force_login(admin_user)
    assert client.get(reverse("leads:webform-detail", args=[webform.pk])).headers["X-Frame-Options"] == "DENY"


def test_an_embedded_form_posts_without_a_csrf_cookie_and_sets_no_cookies(webform):
    browser = Client(enforce_csrf_checks=True)

    shown = browser.get(public_url(webform))
    posted = browser.post(public_url(webform), ANSWERS)
    thanked = browser.get(posted["Location"])

    assert "Thanks" in thanked.content.decode()
    assert Lead.objects.count() == 1
    assert not shown.cookies
    assert not posted.cookies
    assert not thanked.cookies


def test_the_admin_pages_still_check_csrf(admin_user):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(admin_user)

    response = browser.post(reverse("leads:webform-create"), {"name": "Newsletter", "slug": "newsletter"})

    assert response.status_code == 403
    assert not WebForm.objects.exists()


@pytest.mark.parametrize("role_fixture", ["rep", "manager", "support_agent"])
@pytest.mark.parametrize(
    "name", ["webform-list", "webform-create", "webform-detail", "webform-edit", "webform-delete"]
)
def test_web_form_pages_do_not_exist_for_sales_and_support(request, client, webform, role_fixture, name):
    client.force_login(request.getfixturevalue(role_fixture))
    url = reverse(f"leads:{name}", args=[] if name in ("webform-list", "webform-create") else [webform.pk])

    assert client.get(url).status_code == 404
    assert client.post(url).status_code == 404
    assert WebForm.objects.filter(pk=webform.pk).exists()


def test_the_admin_pages_need_a_login(client, webform):
    response = client.get(reverse("leads:webform-list"))

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


class _FormValues(HTMLParser):
    """What a browser submits from the page's editor form (class "form-page") as the page shows it."""

    def __init__(self):
        super().__init__()
        self.values, self._inside, self._select, self._textarea = {}, False, None, None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "form":
            self._inside = "form-page" in (attributes.get("class") or "")
        name = attributes.get("name")
        if not self._inside:
            return
        if tag == "input" and name and attributes.get("type") in ("checkbox", "radio"):
            if "checked" in attributes:
                self.values[name] = attributes.get("value") or "on"
        elif tag == "input" and name:
            self.values[name] = attributes.get("value") or ""
        elif tag == "select" and name:
            self._select, self.values[name] = name, ""
        elif tag == "option" and self._select and "selected" in attributes:
            self.values[self._select] = attributes.get("value") or ""
        elif tag == "textarea" and name:
            self._textarea, self.values[name] = name, ""

    def handle_endtag(self, tag):
        if tag == "form":
            self._inside = False
        self._select = None if tag == "select" else self._select
        self._textarea = None if tag == "textarea" else self._textarea

    def handle_data(self, data):
        if self._textarea:
            self.values[self._textarea] += data.removeprefix("\n")


def form_values(response):
    parser = _FormValues()
    parser.feed(response.content.decode())
    return parser.values


def test_an_admin_designs_a_form_and_gets_its_address_and_embed_snippet(client, admin_user):
    client.force_login(admin_user)
    values = form_values(client.get(reverse("leads:webform-create")))
    values.update({"name": "Newsletter", "slug": "newsletter", "tags": "newsletter, inbound"})
    values.update({"fields-4-field": "country", "fields-4-label": "Country"})

    response = client.post(reverse("leads:webform-create"), values, follow=True)

    form = WebForm.objects.get()
    assert [row["field"] for row in form.fields] == ["first_name", "last_name", "email", "company", "country"]
    assert form.tags == ["newsletter", "inbound"]
    html = response.content.decode()
    assert "Saved the web form Newsletter." in html
    assert "http://testserver/f/newsletter/" in html
    assert "&lt;iframe src=&quot;http://testserver/f/newsletter/&quot; title=&quot;Newsletter&quot;" in html
    assert "<iframe" not in html


def test_the_editor_refuses_a_form_without_a_required_email_name_or_company(client, admin_user):
    client.force_login(admin_user)
    values = form_values(client.get(reverse("leads:webform-create")))
    values.update({"name": "Newsletter", "slug": "newsletter"})
    del values["fields-2-required"]  # the starter form's email question, made optional

    response = client.post(reverse("leads:webform-create"), values)

    assert response.status_code == 200
    assert "make at least one of them required" in response.content.decode()
    assert not WebForm.objects.exists()


def test_the_editor_refuses_fields_a_lead_does_not_offer(client, admin_user):
    client.force_login(admin_user)
    values = form_values(client.get(reverse("leads:webform-create")))
    values.update(
        {"name": "Newsletter", "slug": "newsletter", "fields-4-field": "owner", "fields-4-label": "x"}
    )

    response = client.post(reverse("leads:webform-create"), values)

    assert "Select a valid choice. owner is not one of the available choices." in response.content.decode()
    assert not WebForm.objects.exists()


def test_editing_a_form_relabels_and_removes_questions(client, admin_user, webform):
    client.force_login(admin_user)
    url = reverse("leads:webform-edit", args=[webform.pk])
    values = form_values(client.get(url))
    values.update({"fields-0-label": "Given name", "fields-3-DELETE": "on", "fields-2-field": ""})

    client.post(url, values)

    webform.refresh_from_db()
    assert [row["label"] for row in webform.fields] == ["Given name", "Work email"]
    assert webform.tags == ["demo"]


def test_the_editor_labels_every_control(client, admin_user, webform):
    client.force_login(admin_user)

    html = client.get(reverse("leads:webform-edit", args=[webform.pk])).content.decode()

    controls = CONTROL.findall(html)
    assert controls
    assert [control for control in controls if not _has_label(control, html)] == []


def test_a_form_name_is_escaped_in_the_embed_snippet(client, admin_user, webform):
    webform.name = '<script>alert("x")</script>'
    webform.save()
    client.force_login(admin_user)

    html = client.get(reverse("leads:webform-detail", args=[webform.pk])).content.decode()

    assert "<script>alert" not in html
    assert "title=&quot;&amp;lt;script&amp;gt;" in html


def test_the_list_shows_each_forms_submissions_in_constant_queries(
    client, admin_user, webform, assert_same_query_count
):
    client.force_login(admin_user)
    for _ in range(3):
        client.post(public_url(webform), ANSWERS)
    url = reverse("leads:webform-list")

    def grow():
        for number in range(5):
            other = WebForm.objects.create(name=f"Form {number}", slug=f"form-{number}", fields=QUESTIONS)
            WebFormSubmission.objects.create(form=other, ip_address="192.0.2.1")

    assert_same_query_count(lambda: client.get(url), grow=grow)
    html = client.get(url).content.decode()
    assert re.search(r"Book a demo</a></td>.*?<td class=\"text-end\">3</td>", html, re.S)


def test_the_detail_page_lists_recent_submissions_in_constant_queries(
    client, admin_user, webform, assert_same_query_count
):
    client.force_login(admin_user)
    client.post(public_url(webform), ANSWERS)
    url = reverse("leads:webform-detail", args=[webform.pk])

    def grow():
        for number in range(8):
            client.post(public_url(webform), {**ANSWERS, "email": f"p{number}@example.com"})

    assert_same_query_count(lambda: client.get(url), grow=grow)


def test_deleting_a_form_keeps_its_leads(client, admin_user, webform):
    client.post(public_url(webform), ANSWERS)
    client.force_login(admin_user)

    response = client.post(reverse("leads:webform-delete", args=[webform.pk]))

    assert response.url == reverse("leads:webform-list")
    assert not WebForm.objects.exists()
    assert Lead.objects.get().web_form is None


def test_a_submission_ends_on_a_thank_you_page_whose_reload_sends_nothing(client, webform):
    posted = client.post(public_url(webform), ANSWERS)

    assert posted.status_code == 303
    assert posted.url == thanks_url(webform)
    for _ in range(2):  # shown, then reloaded
        thanks = client.get(posted.url)
        assert "Thanks, we will call you within a day." in thanks.content.decode()
    assert Lead.objects.count() == 1
    assert WebFormSubmission.objects.count() == 1
    assert EngagementEvent.objects.count() == 1


def test_a_form_with_its_own_thank_you_page_sends_visitors_there(client, webform):
    webform.redirect_url = "https://www.example.com/thank-you"
    webform.save()

    posted = client.post(public_url(webform), ANSWERS)

    assert (posted.status_code, posted.url) == (303, "https://www.example.com/thank-you")
    assert Lead.objects.count() == 1


def test_a_filled_honeypot_is_sent_to_the_thank_you_page_too(client, webform):
    posted = client.post(public_url(webform), {**ANSWERS, "website_url": "http://spam.example"})

    assert (posted.status_code, posted.url) == (303, thanks_url(webform))
    assert not Lead.objects.exists()


def test_a_form_that_stopped_taking_submissions_has_no_thank_you_page(client, webform):
    webform.is_active = False
    webform.save()

    assert client.get(thanks_url(webform)).status_code == 404


def test_a_second_submission_with_the_same_email_updates_the_open_lead(client, webform):
    client.post(public_url(webform), ANSWERS)

    client.post(public_url(webform), {**ANSWERS, "first_name": "", "phone": "+49 30 1234567"})

    lead = Lead.objects.get()
    assert (lead.first_name, lead.phone, lead.employee_count) == ("Ada", "+49 30 1234567", 12)
    assert EngagementEvent.objects.filter(object_id=lead.pk, type=FORM_SUBMITTED).count() == 2


def test_a_marketer_lists_designs_and_edits_web_forms_and_sees_their_submissions(client, marketer, webform):
    client.post(public_url(webform), ANSWERS)
    client.force_login(marketer)

    listed = client.get(reverse("leads:webform-list")).content.decode()
    assert "Book a demo" in listed
    values = form_values(client.get(reverse("leads:webform-create")))
    values.update({"name": "Spring webinar", "slug": ""})
    created = client.post(reverse("leads:webform-create"), values, follow=True)
    assert "Saved the web form Spring webinar." in created.content.decode()
    assert WebForm.objects.get(name="Spring webinar").created_by == marketer

    edit_url = reverse("leads:webform-edit", args=[webform.pk])
    client.post(edit_url, {**form_values(client.get(edit_url)), "thank_you_message": "See you soon."})
    webform.refresh_from_db()
    assert webform.thank_you_message == "See you soon."
    detail = client.get(webform.get_absolute_url()).content.decode()
    assert re.search(r'<a href="/leads/\d+/">Ada</a>', detail)
    delete_url = reverse("leads:webform-delete", args=[webform.pk])
    assert delete_url not in detail  # deleting a form, and its submission log, stays with admins
    assert client.get(delete_url).status_code == 404


def test_a_marketer_editing_a_form_keeps_the_owner_an_admin_gave_its_leads(client, marketer, rep, webform):
    webform.owner = rep
    webform.save()
    client.force_login(marketer)
    url = reverse("leads:webform-edit", args=[webform.pk])

    values = form_values(client.get(url))
    client.post(url, {**values, "name": "Book a demo today"})

    webform.refresh_from_db()
    assert (webform.name, webform.owner) == ("Book a demo today", rep)


@pytest.mark.parametrize(
    ("role_fixture", "shown"), [("marketer", True), ("rep", False), ("admin_user", True)]
)
def test_the_admin_menu_links_the_web_forms_for_those_who_design_them(request, client, role_fixture, shown):
    client.force_login(request.getfixturevalue(role_fixture))

    html = client.get(reverse("leads:index")).content.decode()

    link = f'<a class="dropdown-item" href="{reverse("leads:webform-list")}">Web-to-lead forms</a>'
    assert (link in html) is shown


def test_the_admin_menu_shows_marketers_no_admin_only_links(client, marketer):
    client.force_login(marketer)

    html = client.get(reverse("leads:index")).content.decode()

    assert "Web-to-lead forms" in html
    for admin_only in ("Django admin", "Lead scoring rules", "Lead settings"):
        assert admin_only not in html


def test_the_server_makes_the_address_from_the_name_when_it_is_left_empty(client, admin_user, webform):
    client.force_login(admin_user)
    values = form_values(client.get(reverse("leads:webform-create")))
    values.update({"name": "Book a Démo!", "slug": ""})

    response = client.post(reverse("leads:webform-create"), values, follow=True)

    assert "http://testserver/f/book-a-demo/" in response.content.decode()
    assert WebForm.objects.filter(slug="book-a-demo").exists()


def test_the_designer_fills_the_address_from_the_name_only_on_a_new_form(client, admin_user, webform):
    client.force_login(admin_user)

    new = client.get(reverse("leads:webform-create")).content.decode()
    edit = client.get(reverse("leads:webform-edit", args=[webform.pk])).content.decode()

    assert re.search(r'<input[^>]*name="slug"[^>]*data-slug-from="id_name"', new)
    assert 'src="/static/leads/webform_designer.js"' in new
    assert "data-slug-from" not in edit


def test_the_designer_chooses_what_a_repeat_submission_does(client, admin_user, webform):
    client.force_login(admin_user)
    url = reverse("leads:webform-edit", args=[webform.pk])
    page = client.get(url)
    html = page.content.decode()
    assert "When someone submits again with the email address of an open lead" in html
    assert re.search(r'<input type="radio" name="repeat_submissions" value="update"[^>]*checked', html)

    client.post(url, {**form_values(page), "repeat_submissions": "create"})

    webform.refresh_from_db()
    assert webform.repeat_submissions == "create"
    detail = client.get(webform.get_absolute_url()).content.decode()
    assert "Create another lead (flagged as a possible duplicate)" in detail
