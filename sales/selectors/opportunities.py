"""Reads of deals, already scoped by the access policy, with the joins their pages need."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from crm import access
from crm.models import User
from sales.models import Opportunity


def opportunity_list(*, user: User) -> QuerySet[Opportunity]:
    return access.visible(
        user, Opportunity.objects.select_related("owner", "account", "stage", "pipeline", "primary_contact")
    )


def opportunity_get(*, user: User, pk: int) -> Opportunity:
    opportunity = (
        opportunity_list(user=user)
        .select_related("owner__team", "lost_reason", "source_lead", "renewal_of__owner", "renewal__owner")
        .filter(pk=pk)
        .first()
    )
    if opportunity is None:
        raise Http404
    return opportunity
