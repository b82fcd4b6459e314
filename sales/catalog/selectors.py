"""Reads of the product catalogue: every seller may read it, only admins change it."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from crm.errors import Forbidden, NotFound
from crm.models import Role, User
from sales.models import Product

# The people who price deals read the catalogue; admins also maintain it.
CATALOGUE_READERS = frozenset({Role.ADMIN, Role.SALES_MANAGER, Role.SALES_REP})


def can_read_catalogue(user: User) -> bool:
    return user.is_active and (user.is_admin or user.role in CATALOGUE_READERS)


def ensure_can_read_catalogue(user: User) -> None:
    if not can_read_catalogue(user):
        raise Forbidden("The product catalogue is for the sales team.", code="catalogue_not_allowed")


def product_list(*, user: User, search: str = "", active: bool | None = True) -> QuerySet[Product]:
    """Products whose name or SKU contains `search`; active ones, inactive ones or (None) all."""
    ensure_can_read_catalogue(user)
    products = Product.objects.all()
    if active is not None:
        products = products.filter(is_active=active)
    search = search.strip()
    if search:
        products = products.filter(Q(name__icontains=search) | Q(sku__icontains=search))
    return products


def product_get(*, user: User, pk: int) -> Product:
    ensure_can_read_catalogue(user)
    product = Product.objects.filter(pk=pk).first()
    if product is None:
        raise NotFound
    return product
