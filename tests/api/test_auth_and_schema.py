"""Token sign-in for scripts, and the OpenAPI schema and docs that describe every endpoint."""

import pytest
from django.core.management import call_command
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.factories import AccountFactory
from tests.factories.people import PASSWORD

pytestmark = pytest.mark.django_db

TOKEN = "/api/v1/auth/token/"


def test_a_token_obtained_with_username_and_password_authenticates_api_calls(rep):
    account = AccountFactory(owner=rep)
    client = APIClient()

    response = client.post(TOKEN, {"username": "rep", "password": PASSWORD}, format="json")

    assert response.status_code == 200
    client.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    assert client.get("/api/v1/me/").json()["username"] == "rep"
    assert [row["id"] for row in client.get("/api/v1/accounts/").json()["results"]] == [account.pk]


def test_asking_twice_returns_the_same_token(rep):
    client = APIClient()

    first = client.post(TOKEN, {"username": "rep", "password": PASSWORD}, format="json").json()
    second = client.post(TOKEN, {"username": "rep", "password": PASSWORD}, format="json").json()

    assert first == second == {"token": Token.objects.get(user=rep).key}


def test_a_wrong_password_gets_no_token(rep):
    response = APIClient().post(TOKEN, {"username": "rep", "password": "wrong"}, format="json")

    assert response.status_code == 400
    assert not Token.objects.exists()


def test_a_bad_token_is_rejected():
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")

    response = client.get("/api/v1/me/")

    assert response.status_code in (401, 403)
    assert response.json()["detail"] == "Invalid token."


def test_the_schema_describes_every_endpoint_for_a_signed_in_user(api_as, rep):
    response = api_as(rep).get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")

    assert response.status_code == 200
    paths = response.json()["paths"]
    for path in [
        "/api/v1/accounts/",
        "/api/v1/accounts/{id}/",
        "/api/v1/contacts/",
        "/api/v1/contacts/{id}/",
        "/api/v1/activities/",
        "/api/v1/tasks/",
        "/api/v1/tasks/{id}/complete/",
        "/api/v1/tasks/{id}/reopen/",
        "/api/v1/notifications/",
        "/api/v1/notifications/read/",
        "/api/v1/me/",
        "/api/v1/auth/token/",
    ]:
        assert path in paths
    # Cursor pagination owns the order: the HTML lists' sort parameter is not offered by the API.
    account_params = {p["name"] for p in paths["/api/v1/accounts/"]["get"]["parameters"]}
    assert {"q", "lifecycle_stage", "cursor"} <= account_params
    assert "ordering" not in account_params


def test_the_swagger_ui_is_served_from_the_sidecar_so_it_works_offline(api_as, rep):
    response = api_as(rep).get("/api/docs/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "drf_spectacular_sidecar/swagger-ui-dist/" in html
    assert "cdn.jsdelivr.net" not in html


def test_the_schema_generates_and_validates_without_a_single_warning(tmp_path):
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yml"))

    assert "/api/v1/accounts/" in (tmp_path / "schema.yml").read_text()


def test_every_operation_documents_each_error_it_can_answer_with_its_json_body(api_as, rep):
    schema = api_as(rep).get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()

    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            responses = operation["responses"]
            has_query = any(p["in"] == "query" for p in operation.get("parameters", []))
            expected = {"429"}
            if method != "get" or has_query:
                expected.add("400")  # a write's service may refuse it whatever it was sent
            if "{" in path:
                expected.add("404")
            if operation.get("security"):
                expected |= {"401", "403"}
            where = f"{method.upper()} {path}"
            assert expected <= set(responses), where
            for code in expected:
                assert "application/json" in responses[code]["content"], f"{where} {code}"
            assert "Retry-After" in responses["429"]["headers"], where
