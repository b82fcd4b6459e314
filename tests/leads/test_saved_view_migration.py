"""The lead list's saved views survive their move to the kernel's table (leads 0010), and going back."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from crm.models import SavedView
from tests.factories import UserFactory

BEFORE = [("crm", "0009_savedview"), ("leads", "0009_lead_duplicates")]
AFTER = [("leads", "0010_saved_views_move_to_crm")]
SAVED_AT = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


def _migrate(targets: list[tuple[str, str]]) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    executor.loader.build_graph()
    return executor


@pytest.mark.django_db(transaction=True)
def test_a_users_lead_views_are_kept_when_they_move_to_the_kernel_and_back():
    executor = _migrate(BEFORE)
    try:
        old_view = executor.loader.project_state(BEFORE).apps.get_model("leads", "SavedView")
        rep = UserFactory(username="rep")
        old_view.objects.create(user_id=rep.pk, name="Hot", query="score_min=60&ordering=-score")
        old_view.objects.create(user_id=rep.pk, name="New in Germany", query="status=new&country=DE")
        old_view.objects.update(created_at=SAVED_AT)

        _migrate(AFTER)

        moved = SavedView.objects.order_by("name")
        assert list(moved.values_list("user_id", "list", "name", "query", "created_at")) == [
            (rep.pk, "leads", "Hot", "score_min=60&ordering=-score", SAVED_AT),
            (rep.pk, "leads", "New in Germany", "status=new&country=DE", SAVED_AT),
        ]

        executor = _migrate(BEFORE)

        old_view = executor.loader.project_state(BEFORE).apps.get_model("leads", "SavedView")
        assert sorted(old_view.objects.values_list("name", flat=True)) == ["Hot", "New in Germany"]
        assert not SavedView.objects.exists()
    finally:
        _migrate(executor.loader.graph.leaf_nodes())
