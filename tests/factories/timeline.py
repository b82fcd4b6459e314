from datetime import timedelta

import factory
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from crm.models import Activity, ActivityKind, Task

from .customers import AccountFactory
from .people import UserFactory


class ActivityFactory(factory.django.DjangoModelFactory[Activity]):
    class Meta:
        model = Activity
        exclude = ["target"]

    target = factory.SubFactory(AccountFactory)
    kind = ActivityKind.NOTE
    subject = factory.Faker("sentence", nb_words=4)
    body = factory.Faker("paragraph")
    author = factory.SelfAttribute("target.owner")
    content_type = factory.LazyAttribute(lambda a: ContentType.objects.get_for_model(a.target))
    object_id = factory.SelfAttribute("target.pk")


class TaskFactory(factory.django.DjangoModelFactory[Task]):
    """A personal task, or one on `target` when given."""

    class Meta:
        model = Task
        exclude = ["target"]

    target = None
    content_type = factory.LazyAttribute(
        lambda t: ContentType.objects.get_for_model(t.target) if t.target else None
    )
    object_id = factory.LazyAttribute(lambda t: t.target.pk if t.target else None)
    title = factory.Faker("sentence", nb_words=4)
    due_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=1))
    assignee = factory.SubFactory(UserFactory)
    created_by = factory.SelfAttribute("assignee")
