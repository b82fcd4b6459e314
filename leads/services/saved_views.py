"""A user's own named views of the lead list."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404

from crm.models import User
from leads.models import SavedView


@transaction.atomic
def saved_view_create(*, actor: User, name: str, query: str) -> SavedView:
    name = name.strip()
    if SavedView.objects.filter(user=actor, name__iexact=name).exists():
        raise ValidationError({"name": f"You already have a view named “{name}”. Choose another name."})
    view = SavedView(user=actor, name=name, query=query)
    view.full_clean(exclude=["user"])
    try:
        with transaction.atomic():
            view.save()
    except IntegrityError:  # saved twice at once: the unique constraint keeps one
        raise ValidationError({"name": f"You already have a view named “{name}”."}) from None
    return view


@transaction.atomic
def saved_view_delete(*, actor: User, view_id: int) -> SavedView:
    """Deletes one of the actor's own views; anybody else's is not found."""
    view = SavedView.objects.select_for_update().filter(pk=view_id, user=actor).first()
    if view is None:
        raise Http404
    view.delete()
    return view
