"""The imports' set-based writer (crm.imports.copying): what it writes is what the ORM would have."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, transaction

from crm.imports.copying import records_insert, records_update
from crm.models import LifecycleEvent
from leads.models import Lead, LeadSource, LeadStatus
from tests.factories.leads import LeadFactory
from tests.factories.people import UserFactory

pytestmark = pytest.mark.django_db


def test_new_records_get_their_ids_values_and_a_created_history_row_by_the_importer() -> None:
    importer, owner = UserFactory(), UserFactory()
    leads = [
        Lead(
            first_name="Ann",
            email="ann@example.com",
            owner=owner,
            tags=["expo", "vip"],
            budget=Decimal("1234.50"),
            source=LeadSource.IMPORT,
        ),
        Lead(company="Ünïcode GmbH\tTab", need='Quotes " and \\ backslashes\nand a second line'),
    ]

    records_insert(Lead, leads, history_user=importer)

    assert all(lead.pk for lead in leads)
    assert leads[0].pk != leads[1].pk
    ann = Lead.objects.get(pk=leads[0].pk)
    assert (ann.first_name, ann.owner, ann.tags, ann.budget) == (
        "Ann",
        owner,
        ["expo", "vip"],
        Decimal("1234.50"),
    )
    assert (ann.source, ann.status) == ("import", LeadStatus.NEW)
    assert ann.created_at is not None
    other = Lead.objects.get(pk=leads[1].pk)
    assert other.company == "Ünïcode GmbH\tTab"
    assert other.need == 'Quotes " and \\ backslashes\nand a second line'
    history = ann.history.get()
    assert (history.history_type, history.history_user, history.email) == ("+", importer, "ann@example.com")


def test_json_values_are_stored_as_json() -> None:
    lead = LeadFactory()
    event = LifecycleEvent(
        type="lead.created",
        content_type=ContentType.objects.get_for_model(Lead),
        object_id=lead.pk,
        data={"file": "leads.csv", "rows": [1, 2], "nothing": None},
    )

    records_insert(LifecycleEvent, [event])

    assert LifecycleEvent.objects.get(pk=event.pk).data == {
        "file": "leads.csv",
        "rows": [1, 2],
        "nothing": None,
    }


def test_an_update_writes_only_the_named_fields_and_a_changed_history_row() -> None:
    importer = UserFactory()
    lead = LeadFactory(first_name="Ann", company="Acme")
    lead.first_name, lead.company = "Anna", "Not written"

    records_update(Lead, [lead], ["first_name"], history_user=importer)

    lead.refresh_from_db()
    assert (lead.first_name, lead.company) == ("Anna", "Acme")
    latest = lead.history.order_by("-history_id").first()
    assert latest is not None
    assert (latest.history_type, latest.history_user, latest.first_name) == ("~", importer, "Anna")


def test_an_unknown_field_is_refused_rather_than_skipped() -> None:
    with pytest.raises(ValueError, match="no columns"):
        records_update(Lead, [LeadFactory()], ["first_name", "no_such_field"])


def test_the_tables_constraints_still_hold() -> None:
    nameless = Lead()  # a lead needs a name, an email address or a company

    with pytest.raises(IntegrityError), transaction.atomic():
        records_insert(Lead, [nameless])

    assert not Lead.objects.exists()
