"""A user's own named views of the lead list."""

from __future__ import annotations

from django.db import IntegrityError, transaction

from crm.errors import Invalid, NotFound
from crm.models import User
from crm.records import validate
from leads.models import SavedView


@transaction.atomic
def saved_view_create(*, actor: User, name: str, query: str) -> SavedView:
    name = name.strip()
    if SavedView.objects.filter(user=actor, name__iexact=name).exists():
        raise Invalid(
            f"You already have a view named “{name}”. Choose another name.", field="name", code="name_taken"
        )
    view = SavedView(user=actor, name=name, query=query)
    validate(view, exclude=["user"])
    try:
        with transaction.atomic():
            view.save()
    except IntegrityError:  # saved twice at once: the unique constraint keeps one
        raise Invalid(f"You already have a view named “{name}”.", field="name", code="name_taken") from None
    return view


@transaction.atomic
def saved_view_delete(*, actor: User, view_id: int) -> SavedView:
    """Deletes one of the actor's own views; anybody else's is not found."""
    view = SavedView.objects.select_for_update().filter(pk=view_id, user=actor).first()
    if view is None:
        raise NotFound
    view.delete()
    return view
