"""Keyset pagination: every row exactly once, in order, both ways, whatever the ties and the cursor."""

import base64
import json
from datetime import timedelta

import pytest
from django.db.models import F
from django.utils import timezone

from crm.lists.pagination import encode_cursor, keyset_page
from leads.models import Lead
from tests.factories import LeadFactory

pytestmark = pytest.mark.django_db


def _walk_forward_then_back(ordering: list[str], size: int) -> tuple[list[list[int]], list[list[int]]]:
    queryset = Lead.objects.all()
    forward = [keyset_page(queryset, ordering=ordering, size=size)]
    while forward[-1].has_next:
        forward.append(keyset_page(queryset, ordering=ordering, after=forward[-1].next_cursor, size=size))
    back = [forward[-1]]
    while back[-1].has_previous:
        back.append(keyset_page(queryset, ordering=ordering, before=back[-1].previous_cursor, size=size))
    ids = [[lead.pk for lead in page.rows] for page in forward]
    back_ids = [[lead.pk for lead in page.rows] for page in reversed(back)]
    return ids, back_ids


@pytest.mark.parametrize(
    ("ordering", "expected_order"),
    [
        (["-score"], ["-score", "-id"]),
        (["score"], ["score", "id"]),
        (["-created_at"], ["-created_at", "-id"]),
        (["company", "-id"], ["company", "-id"]),
    ],
)
def test_walking_forward_then_back_across_three_pages_with_ties_returns_every_row_once_in_order(
    ordering, expected_order
):
    leads = LeadFactory.create_batch(12, owner=None)
    moment = timezone.now()
    for index, lead in enumerate(leads):
        # Four distinct values, three rows each: every page boundary falls inside a tie.
        Lead.objects.filter(pk=lead.pk).update(
            score=index % 4, created_at=moment - timedelta(minutes=index % 4), company=f"Co {index % 4}"
        )
    expected = list(Lead.objects.order_by(*expected_order).values_list("pk", flat=True))

    forward, back = _walk_forward_then_back(ordering, size=5)

    assert [len(page) for page in forward] == [5, 5, 2]
    assert [pk for page in forward for pk in page] == expected
    assert back == forward


def test_the_first_page_has_no_previous_and_the_last_no_next():
    LeadFactory.create_batch(3, owner=None)

    only = keyset_page(Lead.objects.all(), ordering=["-created_at"], size=5)

    assert len(only.rows) == 3
    assert (only.has_previous, only.has_next, only.previous_cursor, only.next_cursor) == (
        False,
        False,
        None,
        None,
    )


def test_a_page_costs_one_query_and_no_count(django_assert_num_queries):
    LeadFactory.create_batch(4, owner=None)
    first = keyset_page(Lead.objects.all(), ordering=["-created_at"], size=2)

    with django_assert_num_queries(1) as captured:
        keyset_page(Lead.objects.all(), ordering=["-created_at"], after=first.next_cursor, size=2)

    sql = captured.captured_queries[0]["sql"].upper()
    assert "COUNT(" not in sql
    assert "OFFSET" not in sql


def _b64(payload: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    "cursor",
    [
        "not base64 at all!",
        "e30",  # {}
        _b64(["a list"]),
        _b64({"o": ["-created_at", "-pk"], "v": ["yesterday", 1]}),
        _b64({"o": ["-created_at", "-pk"], "v": ["2024-01-01T10:00:00", 1]}),  # naive
        _b64({"o": ["-created_at", "-pk"], "v": ["2024-01-01T10:00:00+00:00", "one"]}),
        _b64({"o": ["-created_at", "-pk"], "v": ["2024-01-01T10:00:00+00:00", 10**30]}),
        _b64({"o": ["-created_at", "-pk"], "v": ["2024-01-01T10:00:00+00:00"]}),
        _b64({"o": ["-created_at", "-pk"], "v": [None, 1]}),
        _b64({"o": ["-score", "-pk"], "v": [5, 1]}),  # a cursor of another sort
        "A" * 5000,
    ],
)
@pytest.mark.parametrize("direction", ["after", "before"])
def test_a_bad_or_tampered_cursor_shows_the_first_page(cursor, direction):
    leads = LeadFactory.create_batch(3, owner=None)

    page = keyset_page(Lead.objects.all(), ordering=["-created_at"], size=2, **{direction: cursor})

    assert [lead.pk for lead in page.rows] == [leads[2].pk, leads[1].pk]
    assert not page.has_previous


def test_a_cursor_whose_rows_are_gone_starts_again_from_the_top():
    leads = LeadFactory.create_batch(3, owner=None)
    cursor = encode_cursor(["-created_at", "-pk"], leads[1])

    Lead.objects.filter(pk=leads[0].pk).delete()
    page = keyset_page(Lead.objects.all(), ordering=["-created_at"], after=cursor, size=2)

    assert [lead.pk for lead in page.rows] == [leads[2].pk, leads[1].pk]


def test_annotations_can_be_sort_keys():
    for score in (3, 1, 2):
        LeadFactory(owner=None, score=score)
    queryset = Lead.objects.annotate(double=F("score") * 2)

    first = keyset_page(queryset, ordering=["double"], size=2)
    second = keyset_page(queryset, ordering=["double"], after=first.next_cursor, size=2)

    assert [lead.score for lead in first.rows + second.rows] == [1, 2, 3]
