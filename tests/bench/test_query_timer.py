"""The benchmark names a page's slowest query by the SQL the timer saw run, not by its place in the query
log, which also lists BEGIN and COMMIT: pairing by position named the wrong query after a transaction."""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from bench.load_targets import QueryTimer, explain
from crm.models import Account, User


@pytest.mark.django_db(transaction=True)
def test_each_timed_query_keeps_its_own_sql_after_a_transaction():
    timer = QueryTimer()

    with connection.execute_wrapper(timer), CaptureQueriesContext(connection) as log:
        with transaction.atomic():
            User.objects.count()
        Account.objects.count()

    assert [sql for sql in (q["sql"] for q in log.captured_queries) if sql in ("BEGIN", "COMMIT")]
    assert [('"crm_user"' in sql, '"crm_account"' in sql) for sql, _ in timer.queries] == [
        (True, False),
        (False, True),
    ]


@pytest.mark.django_db
def test_the_slowest_query_is_kept_with_its_parameters_so_that_it_can_be_explained():
    timer = QueryTimer()

    with connection.execute_wrapper(timer):
        list(Account.objects.filter(name="Acme"))

    ((sql, _),) = timer.queries
    assert "'Acme'" in sql
    assert "%s" not in sql
    assert "Scan" in explain(sql)
