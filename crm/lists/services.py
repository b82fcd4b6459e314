"""The writes of the list machinery: a user's own named views of a list (crm.lists.saved_views)."""

from __future__ import annotations

from django.db import IntegrityError, transaction

from crm.errors import Invalid, NotFound
from crm.models import SavedView, User
from crm.records import validate


def _name_taken(name: str) -> Invalid:
    return Invalid(
        f"You already have a view named “{name}” on this list. Choose another name.",
        field="name",
        code="name_taken",
    )


@transaction.atomic
def saved_view_create(*, actor: User, list_key: str, name: str, query: str) -> SavedView:
    """Saves the actor's view of the list `list_key`; names are unique per user and list, whatever
    their case."""
    name = name.strip()
    if SavedView.objects.filter(user=actor, list=list_key, name__iexact=name).exists():
        raise _name_taken(name)
    view = SavedView(user=actor, list=list_key, name=name, query=query)
    validate(view, exclude=["user"])
    try:
        with transaction.atomic():
            view.save()
    except IntegrityError:  # saved twice at once: the unique constraint keeps one
        raise _name_taken(name) from None
    return view


@transaction.atomic
def saved_view_delete(*, actor: User, view_id: int) -> SavedView:
    """Deletes one of the actor's own views; anybody else's is not found."""
    view = SavedView.objects.select_for_update().filter(pk=view_id, user=actor).first()
    if view is None:
        raise NotFound
    view.delete()
    return view
