"""Admins' writes to onboarding templates: the checklists a won customer's onboarding is made from.

One template may be active per product line (the one without a line is the default); a won deal's
onboarding takes the active template of its main product line, else the default (sales.onboarding.services).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.db import transaction

from crm import access
from crm.errors import Invalid, NotFound
from crm.models import User
from crm.records import validate
from sales.models import OnboardingRole, OnboardingTemplate, OnboardingTemplateItem

from .ordering import changed_positions, in_new_order, moved
from .pipelines import clean_name

ONBOARDING = "manage onboarding templates"
# A checklist item due more than a year after the win is a typo, not a plan.
MAX_DUE_OFFSET_DAYS = 365


def _template_fields(
    *, name: str, product_line: str, is_active: bool, exclude: int | None = None
) -> dict[str, object]:
    errors: dict[str | None, list[str]] = {}
    try:
        name = clean_name(name, what="template")
    except Invalid as error:
        errors.update(error.errors)
    else:
        if OnboardingTemplate.objects.filter(name__iexact=name).exclude(pk=exclude or 0).exists():
            errors["name"] = [f"There is already a template named {name}."]
    product_line = " ".join(product_line.split())
    if len(product_line) > 100:
        errors["product_line"] = ["Keep the product line to 100 characters."]
    elif is_active:
        clash = (
            OnboardingTemplate.objects.filter(is_active=True, product_line__iexact=product_line)
            .exclude(pk=exclude or 0)
            .first()
        )
        if clash is not None:
            errors["is_active"] = [
                f"{clash} is already the active "
                f"{f'template for {clash.product_line}' if clash.product_line else 'default template'}; "
                "deactivate it first, or save this one inactive."
            ]
    if errors:
        raise Invalid(errors=errors, code="template_invalid")
    return {"name": name, "product_line": product_line, "is_active": is_active}


def _lock_templates() -> None:
    # Whole-table order for the one-active-per-line check: two admins activating at once take turns.
    list(OnboardingTemplate.objects.select_for_update().order_by("id").values_list("pk", flat=True))


@transaction.atomic
def onboarding_template_create(
    *, actor: User, name: str, product_line: str = "", is_active: bool = True
) -> OnboardingTemplate:
    access.ensure_admin(actor, doing=ONBOARDING)
    _lock_templates()
    fields = _template_fields(name=name, product_line=product_line, is_active=is_active)
    template = OnboardingTemplate(**fields)
    validate(template)
    template.save()
    return template


@transaction.atomic
def onboarding_template_update(
    *, actor: User, template_id: int, name: str, product_line: str, is_active: bool
) -> OnboardingTemplate:
    """Changes apply to onboardings started from now on; started ones keep their checklist."""
    access.ensure_admin(actor, doing=ONBOARDING)
    _lock_templates()
    template = OnboardingTemplate.objects.filter(pk=template_id).first()
    if template is None:
        raise NotFound
    fields = _template_fields(name=name, product_line=product_line, is_active=is_active, exclude=template.pk)
    for field, value in fields.items():
        setattr(template, field, value)
    validate(template)
    template.save()
    return template


@transaction.atomic
def onboarding_template_change(
    *, actor: User, template_id: int, fields: Mapping[str, Any]
) -> OnboardingTemplate:
    """The API's partial change: the fields left out keep their value."""
    access.ensure_admin(actor, doing=ONBOARDING)
    _lock_templates()
    template = OnboardingTemplate.objects.filter(pk=template_id).first()
    if template is None:
        raise NotFound
    current = {"name": template.name, "product_line": template.product_line, "is_active": template.is_active}
    return onboarding_template_update(
        actor=actor,
        template_id=template_id,
        **{name: fields.get(name, value) for name, value in current.items()},
    )


# Checklist items


def _locked_items(template_id: int) -> list[OnboardingTemplateItem]:
    if not list(
        OnboardingTemplate.objects.select_for_update().filter(pk=template_id).values_list("pk", flat=True)
    ):
        raise NotFound
    return list(
        OnboardingTemplateItem.objects.select_for_update()
        .filter(template_id=template_id)
        .order_by("position", "id")
    )


def _locked_item(item_id: int) -> tuple[OnboardingTemplateItem, list[OnboardingTemplateItem]]:
    template_id = (
        OnboardingTemplateItem.objects.filter(pk=item_id).values_list("template_id", flat=True).first()
    )
    if template_id is None:
        raise NotFound
    items = _locked_items(template_id)
    item = next((i for i in items if i.pk == item_id), None)
    if item is None:
        raise NotFound
    return item, items


def _item_fields(*, title: str, role: str, due_offset_days: int | None) -> dict[str, object]:
    errors: dict[str | None, list[str]] = {}
    title = " ".join(title.split())
    if not title:
        errors["title"] = ["Say what is to be done."]
    elif len(title) > 200:
        errors["title"] = ["Keep the title to 200 characters."]
    if role not in OnboardingRole.values:
        errors["role"] = ["Choose who does it."]
    if due_offset_days is None or not 0 <= due_offset_days <= MAX_DUE_OFFSET_DAYS:
        errors["due_offset_days"] = [
            f"Enter how many days after the win it is due, from 0 to {MAX_DUE_OFFSET_DAYS}."
        ]
    if errors:
        raise Invalid(errors=errors, code="item_invalid")
    return {"title": title, "role": role, "due_offset_days": due_offset_days}


@transaction.atomic
def onboarding_template_item_add(
    *, actor: User, template_id: int, title: str, role: str, due_offset_days: int | None
) -> OnboardingTemplateItem:
    """Adds an item at the end of the checklist."""
    access.ensure_admin(actor, doing=ONBOARDING)
    items = _locked_items(template_id)
    fields = _item_fields(title=title, role=role, due_offset_days=due_offset_days)
    position = max((i.position for i in items), default=-1) + 1
    item = OnboardingTemplateItem(template_id=template_id, position=position, **fields)
    validate(item)
    item.save()
    return item


@transaction.atomic
def onboarding_template_item_update(
    *, actor: User, item_id: int, title: str, role: str, due_offset_days: int | None
) -> OnboardingTemplateItem:
    access.ensure_admin(actor, doing=ONBOARDING)
    item, _ = _locked_item(item_id)
    for field, value in _item_fields(title=title, role=role, due_offset_days=due_offset_days).items():
        setattr(item, field, value)
    validate(item)
    item.save()
    return item


@transaction.atomic
def onboarding_template_item_change(
    *, actor: User, item_id: int, fields: Mapping[str, Any]
) -> OnboardingTemplateItem:
    """The API's partial change: `title`, `role` and `due_offset_days` (the ones left out keep their
    value), then `position` (0 is first); all or nothing."""
    access.ensure_admin(actor, doing=ONBOARDING)
    item, _ = _locked_item(item_id)
    current = {"title": item.title, "role": item.role, "due_offset_days": item.due_offset_days}
    if current.keys() & fields.keys():
        changed = {name: fields.get(name, value) for name, value in current.items()}
        item = onboarding_template_item_update(actor=actor, item_id=item_id, **changed)
    if "position" in fields:
        onboarding_template_item_move(actor=actor, item_id=item_id, to=fields["position"])
        item.refresh_from_db(fields=["position"])
    return item


@transaction.atomic
def onboarding_template_item_remove(*, actor: User, item_id: int, template_id: int | None = None) -> None:
    """Removes the item from the template (only from `template_id`, when given); onboardings already
    started keep their task."""
    access.ensure_admin(actor, doing=ONBOARDING)
    items = OnboardingTemplateItem.objects.filter(pk=item_id)
    if template_id is not None:
        items = items.filter(template_id=template_id)
    items.delete()


@transaction.atomic
def onboarding_template_items_reorder(*, actor: User, template_id: int, item_ids: Sequence[int]) -> None:
    access.ensure_admin(actor, doing=ONBOARDING)
    order = in_new_order(_locked_items(template_id), item_ids, what="checklist items")
    OnboardingTemplateItem.objects.bulk_update(changed_positions(order), ["position"])


@transaction.atomic
def onboarding_template_item_move(*, actor: User, item_id: int, to: int) -> None:
    """Moves one item to place `to` (0 is first): the keyboard's way to reorder."""
    access.ensure_admin(actor, doing=ONBOARDING)
    _, items = _locked_item(item_id)
    OnboardingTemplateItem.objects.bulk_update(changed_positions(moved(items, item_id, to)), ["position"])
