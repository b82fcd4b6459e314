import pytest
from django.core.management import call_command

from crm.models import Account, Activity, Contact, LifecycleEvent, Role, Task, User
from leads.models import Lead


def _counts() -> dict[str, int]:
    models = (User, Account, Contact, Activity, Task, LifecycleEvent, Lead)
    return {m.__name__: m.objects.count() for m in models}


@pytest.mark.django_db
def test_seeding_gives_every_role_a_login_and_seeding_twice_changes_nothing(capsys):
    call_command("seed_demo")
    first = _counts()
    call_command("seed_demo")

    assert _counts() == first
    assert set(User.objects.values_list("role", flat=True)) == set(Role.values)
    assert User.objects.get(username="rep").check_password("demo-pass-123")
    assert Task.objects.filter(assignee__username="rep").exists()
    assert Lead.objects.filter(owner__username="rep").exists()
    assert Lead.objects.filter(owner__isnull=True).exists()  # the unassigned queue has work in it
    assert "nothing changed" in capsys.readouterr().out
