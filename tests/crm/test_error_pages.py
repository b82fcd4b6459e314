"""Error pages a person can meet with debug mode off: the product's own, never Django's."""

import pytest
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_a_form_sent_from_an_outdated_page_says_to_reload_it(rep):
    client = Client(enforce_csrf_checks=True)
    client.force_login(rep)

    response = client.post(reverse("account-create"), {"name": "Initech"})

    assert response.status_code == 403
    assert b"This page has expired" in response.content
    assert b"reload the page" in response.content
    assert b"DEBUG" not in response.content
    assert b"verification failed" not in response.content
