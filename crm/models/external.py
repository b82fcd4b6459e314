"""External ids: the key a record has in the system it came from (another CRM, an ERP, a spreadsheet),
so that importing or posting it again updates the record instead of duplicating it.

A model takes the two fields from `ExternallyKeyed` and lists `external_key_constraint(...)` among its
constraints: one record per (source, id), and any number without an external id.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q


class ExternallyKeyed(models.Model):
    external_source = models.CharField(
        "external source",
        max_length=50,
        blank=True,
        help_text="The system the record comes from, e.g. salesforce or hubspot.",
    )
    external_id = models.CharField(
        "external id", max_length=100, blank=True, help_text="The record's id in that system."
    )

    class Meta:
        abstract = True


def external_key_constraint(name: str) -> models.UniqueConstraint:
    return models.UniqueConstraint(
        fields=["external_source", "external_id"],
        condition=~Q(external_id=""),
        name=name,
        violation_error_message="Another record from this source already has this external id.",
    )
