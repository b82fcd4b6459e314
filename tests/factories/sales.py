from __future__ import annotations

from decimal import Decimal
from importlib import import_module
from typing import Any

import factory
from django.apps import apps

from sales.models import (
    Deal,
    DealStatus,
    LostReason,
    Pipeline,
    Product,
    Stage,
    StageKind,
)

from .customers import AccountFactory
from .people import UserFactory

_DEFAULTS = import_module("sales.migrations.0002_default_pipeline")


def create_sales_defaults() -> None:
    """What a new CRM starts with, as its data migration makes it: the default pipeline and the lost
    reasons. A browser test's flush (its live server needs a transactional database) removes them."""
    _DEFAULTS.create_defaults(apps, None)


# (name, probability, kind): the stages every factory-made pipeline gets, in order.
STANDARD_STAGES = [
    ("Qualification", 10, StageKind.OPEN),
    ("Discovery", 20, StageKind.OPEN),
    ("Demo", 40, StageKind.OPEN),
    ("Proposal", 60, StageKind.OPEN),
    ("Negotiation", 80, StageKind.OPEN),
    ("Won", 100, StageKind.WON),
    ("Lost", 0, StageKind.LOST),
]


class PipelineFactory(factory.django.DjangoModelFactory[Pipeline]):
    class Meta:
        model = Pipeline
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Pipeline {n}")

    @factory.post_generation
    def stages(self, create: bool, extracted: Any, **kwargs: Any) -> None:
        if not create:
            return
        for position, (name, probability, kind) in enumerate(extracted or STANDARD_STAGES):
            Stage.objects.create(
                pipeline=self, name=name, probability=probability, kind=kind, position=position
            )


def stage(pipeline: Pipeline, name: str) -> Stage:
    return pipeline.stages.get(name=name)


class LostReasonFactory(factory.django.DjangoModelFactory[LostReason]):
    class Meta:
        model = LostReason
        django_get_or_create = ("name",)

    name = "Price"


class ProductFactory(factory.django.DjangoModelFactory[Product]):
    class Meta:
        model = Product

    sku = factory.Sequence(lambda n: f"SKU-{n:05d}")
    name = factory.Sequence(lambda n: f"Product {n}")
    unit_price = Decimal("100.00")
    currency = "EUR"
    product_line = "Platform"


class DealFactory(factory.django.DjangoModelFactory[Deal]):
    """An open deal in its pipeline's first stage (pass `stage=` for another open stage)."""

    class Meta:
        model = Deal

    name = factory.Sequence(lambda n: f"Deal {n}")
    owner = factory.SubFactory(UserFactory)
    account = factory.SubFactory(AccountFactory, owner=factory.SelfAttribute("..owner"))
    pipeline = factory.SubFactory(PipelineFactory)
    stage = factory.LazyAttribute(lambda o: o.pipeline.stages.order_by("position").first())
    status = factory.LazyAttribute(lambda o: o.stage.kind)
    amount = Decimal("1000.00")
    currency = "EUR"

    @classmethod
    def _create(cls, model_class: type[Deal], *args: Any, **kwargs: Any) -> Deal:
        if kwargs.get("status") != DealStatus.OPEN and kwargs.get("closed_at") is None:
            from django.utils import timezone

            kwargs["closed_at"] = timezone.now()
        deal: Deal = super()._create(model_class, *args, **kwargs)
        return deal
