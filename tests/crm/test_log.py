"""The server log: a refused or missing page is one line with path and user; a crash keeps its traceback."""

import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import RequestFactory
from django.urls import reverse

from crm.web.log import OneLineClientErrors
from tests.factories import AccountFactory

ROOT = Path(__file__).resolve().parents[2]


def _request_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [record.getMessage() for record in caplog.records if record.name == "django.request"]


@pytest.mark.django_db
def test_a_forbidden_page_is_logged_once_without_a_traceback(as_user, marketer, rep, caplog):
    account = AccountFactory(owner=rep)
    url = reverse("account-edit", args=[account.pk])

    with caplog.at_level(logging.WARNING):
        assert as_user(marketer).get(url).status_code == 403

    assert _request_lines(caplog) == [f"Forbidden: {url} (user marketer)"]
    assert "Traceback" not in caplog.text


@pytest.mark.django_db
def test_a_missing_page_is_logged_once_for_an_anonymous_visitor(client, caplog):
    with caplog.at_level(logging.WARNING):
        assert client.get("/no-such-page/").status_code == 404

    assert _request_lines(caplog) == ["Not Found: /no-such-page/ (anonymous)"]


@pytest.mark.django_db
def test_api_refusals_are_logged_the_same_way(api_as, support_agent, caplog):
    client = api_as(support_agent)

    with caplog.at_level(logging.WARNING):
        assert client.post("/api/v1/accounts/", {"name": "Initech"}, format="json").status_code == 403
        assert client.get("/api/v1/accounts/999999/").status_code == 404

    assert _request_lines(caplog) == [
        "Forbidden: /api/v1/accounts/ (user support)",
        "Not Found: /api/v1/accounts/999999/ (user support)",
    ]
    assert "Traceback" not in caplog.text


def test_a_server_error_keeps_its_traceback():
    try:
        raise RuntimeError("the database went away")
    except RuntimeError:
        exc_info = sys.exc_info()
    record = logging.LogRecord(
        "django.request", logging.ERROR, __file__, 1, "%s: %s", ("Internal Server Error", "/x/"), exc_info
    )
    record.status_code = 500
    record.request = RequestFactory().get("/x/")

    assert OneLineClientErrors().filter(record)

    assert record.getMessage() == "Internal Server Error: /x/"
    assert record.exc_info is exc_info


def test_a_crafted_path_cannot_forge_a_second_log_line():
    record = logging.LogRecord("django.request", logging.WARNING, __file__, 1, "Not Found: %s", ("/x",), None)
    record.status_code = 404
    record.request = RequestFactory().get("/x%0aForbidden:%20/admin/")

    OneLineClientErrors().filter(record)

    assert "\n" not in record.getMessage()


def test_in_debug_mode_a_request_line_is_printed_once():
    # Django's own console handler for its loggers would print it a second time in debug mode.
    emit = "import django, logging; django.setup(); logging.getLogger('django.request').warning('Not Found')"
    result = subprocess.run(  # noqa: S603  (our own interpreter and arguments)
        [sys.executable, "-c", emit],
        cwd=ROOT,
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "crm.settings.base",
            "DEBUG": "true",
            "DATABASE_URL": "postgres://nobody@127.0.0.1:9/none",
            "CELERY_BROKER_URL": "",
        },
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )

    assert result.stderr.splitlines() == ["Not Found"]
