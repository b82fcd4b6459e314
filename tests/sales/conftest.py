"""The sales tests start from what a new CRM has: the default pipeline and lost reasons of the data
migration. A browser test's flush (its live server needs a transactional database) removes them."""

import pytest

from sales.models import Pipeline
from tests.factories import PipelineFactory
from tests.factories.sales import create_sales_defaults


@pytest.fixture(autouse=True)
def sales_defaults(db: None) -> None:
    create_sales_defaults()


@pytest.fixture
def pipeline() -> Pipeline:
    """A pipeline of its own with the factory's stages (Qualification, Discovery, Demo, Proposal,
    Negotiation, Won, Lost), not the default one; a module that needs the default overrides this."""
    return PipelineFactory(name="Enterprise")
