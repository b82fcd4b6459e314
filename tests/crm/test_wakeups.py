"""A worker is woken once per distinct call a transaction asks for, after it commits: two writes to one
lead rescore it once, and a call dropped with a rolled-back savepoint is queued again when asked."""

import pytest
from django.db import transaction

from crm.jobs.wakeups import on_commit_once

pytestmark = pytest.mark.django_db(transaction=True)


def ask_then_fail(ran: list[int]) -> None:
    with transaction.atomic():
        on_commit_once(ran.append, 1)
        raise LookupError


def test_the_same_call_asked_twice_in_a_transaction_runs_once_after_commit():
    ran: list[int] = []

    with transaction.atomic():
        on_commit_once(ran.append, 1)
        on_commit_once(ran.append, 1)
        on_commit_once(ran.append, 2)
        assert ran == []

    assert ran == [1, 2]


def test_each_transaction_runs_its_own_call():
    ran: list[int] = []

    for _ in range(2):
        with transaction.atomic():
            on_commit_once(ran.append, 1)

    assert ran == [1, 1]


def test_a_call_dropped_with_a_rolled_back_savepoint_is_queued_again_when_asked():
    ran: list[int] = []

    with transaction.atomic():
        with pytest.raises(LookupError):
            ask_then_fail(ran)
        on_commit_once(ran.append, 1)

    assert ran == [1]


def test_a_rolled_back_transaction_leaves_nothing_asked_for_the_next():
    ran: list[int] = []

    with pytest.raises(LookupError):
        ask_then_fail(ran)
    with transaction.atomic():
        on_commit_once(ran.append, 1)

    assert ran == [1]


def test_outside_a_transaction_the_call_runs_at_once():
    ran: list[int] = []

    on_commit_once(ran.append, 1)

    assert ran == [1]
