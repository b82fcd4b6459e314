import factory
from django.utils import timezone

from leads.models import Lead, LeadStatus

from .people import UserFactory


class LeadFactory(factory.django.DjangoModelFactory[Lead]):
    class Meta:
        model = Lead

    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.Sequence(lambda n: f"lead{n}@prospect.example")
    email_normalized = factory.SelfAttribute("email")
    company = factory.Faker("company")
    owner = factory.SubFactory(UserFactory)
    status = LeadStatus.NEW
    converted_at = factory.LazyAttribute(
        lambda o: timezone.now() if o.status == LeadStatus.CONVERTED else None
    )
