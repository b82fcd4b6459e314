"""The scenario registry: what the benchmark times, as whom.

A scenario makes one request with a logged-in Django test client and returns the response. Anything
it needs to look up first (a record id) goes in `prepare`, which runs once, untimed, and whose
result is passed to the scenario as keyword arguments:

    @scenario("account-detail", role=Role.SALES_REP, prepare=lambda user: {"pk": first_account(user)})
    def account_detail(client: Client, user: User, *, pk: int) -> HttpResponseBase:
        return client.get(f"/accounts/{pk}/")
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import HttpResponseBase
from django.test import Client

from crm.models import Role, User

Request = Callable[..., HttpResponseBase]
Prepare = Callable[[User], dict[str, Any]]


def _nothing(user: User) -> dict[str, Any]:
    return {}


@dataclass(frozen=True)
class Scenario:
    name: str
    role: Role
    request: Request
    description: str
    prepare: Prepare = _nothing
    expected_status: int = 200
    # The page's query count must not depend on the data: the same on every request and at every scale.
    constant_queries: bool = False


REGISTRY: dict[str, Scenario] = {}


def scenario(
    name: str,
    *,
    role: Role,
    description: str = "",
    prepare: Prepare = _nothing,
    expected_status: int = 200,
    constant_queries: bool = False,
) -> Callable[[Request], Request]:
    def register(request: Request) -> Request:
        if name in REGISTRY:
            raise ValueError(f"Two benchmark scenarios are named {name!r}.")
        REGISTRY[name] = Scenario(
            name=name,
            role=role,
            request=request,
            description=description or (request.__doc__ or name).strip().splitlines()[0],
            prepare=prepare,
            expected_status=expected_status,
            constant_queries=constant_queries,
        )
        return request

    return register


@scenario("home", role=Role.SALES_REP)
def home(client: Client, user: User) -> HttpResponseBase:
    """Home page"""
    return client.get("/")


@scenario("account-list", role=Role.SALES_REP)
def account_list(client: Client, user: User) -> HttpResponseBase:
    """Account list, first page, as the owner of some accounts"""
    return client.get("/accounts/")


@scenario("account-list-manager", role=Role.SALES_MANAGER)
def account_list_manager(client: Client, user: User) -> HttpResponseBase:
    """Account list, first page, as a manager who sees the team's accounts"""
    return client.get("/accounts/")


@scenario("contact-list", role=Role.SALES_REP)
def contact_list(client: Client, user: User) -> HttpResponseBase:
    """Contact list, first page"""
    return client.get("/contacts/")


@scenario("api-account-list", role=Role.SALES_REP)
def api_account_list(client: Client, user: User) -> HttpResponseBase:
    """GET /api/v1/accounts/, first page"""
    return client.get("/api/v1/accounts/", headers={"accept": "application/json"})


@scenario("my-tasks", role=Role.SALES_REP)
def my_tasks(client: Client, user: User) -> HttpResponseBase:
    """My tasks: overdue, today and upcoming"""
    return client.get("/tasks/")
