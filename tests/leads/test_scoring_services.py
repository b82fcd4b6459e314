"""Scoring services: the scores and breakdowns leads get, their updates, and sales-ready alerts."""

from datetime import timedelta

import pytest
from django.utils import timezone

from crm.errors import Forbidden, Invalid
from crm.models import BackgroundJob, JobStatus, LifecycleEvent, Notification, NotificationKind
from crm.timeline.engagement import EMAIL_OPENED, PAGE_VISITED, engagement_record
from leads.models import Lead, LeadScore, LeadSettings, Operator, RuleKind, ScoringRule
from leads.scoring import receivers
from leads.scoring.engine import LEAD_CHUNK_SIZE
from leads.scoring.events import LEAD_SALES_READY, register_scoring_event_types
from leads.scoring.receivers import lead_rescore_soon, leads_rescore_soon
from leads.scoring.selectors import BreakdownRow, score_breakdown
from leads.scoring.services import (
    lead_rescore,
    scores_reconcile,
    scores_refresh_decayed,
    scoring_rule_create,
    scoring_rule_delete,
    scoring_rule_update,
)
from tests.conftest import count_queries
from tests.factories import LeadFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def scoring_wired():
    """What leads/apps.py ready() does for scoring."""
    register_scoring_event_types()
    receivers.connect()


@pytest.fixture
def run_on_commit(django_capture_on_commit_callbacks):
    """Runs what the services start after commit (the rescore tasks run eagerly in tests)."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def attribute_rule(admin_user, run_on_commit):
    def create(name, field, operator, value, points, **extra):
        with run_on_commit():
            saved = scoring_rule_create(
                actor=admin_user,
                name=name,
                kind=RuleKind.ATTRIBUTE,
                field=field,
                operator=operator,
                value=value,
                points=points,
                **extra,
            )
        return saved.rule

    return create


@pytest.fixture
def engagement_rule(admin_user, run_on_commit):
    def create(name, event_type, points, decay_days=None, value=""):
        with run_on_commit():
            saved = scoring_rule_create(
                actor=admin_user,
                name=name,
                kind=RuleKind.BEHAVIOUR,
                event_type=event_type,
                points=points,
                decay_days=decay_days,
                value=value,
            )
        return saved.rule

    return create


def _score(lead: Lead) -> int:
    lead.refresh_from_db()
    return lead.score


def test_software_and_a_large_company_add_up_with_both_rules_in_the_breakdown(attribute_rule):
    lead = LeadFactory(industry="Software", employee_count=250)
    other = LeadFactory(industry="Retail", employee_count=250)

    attribute_rule("Software industry", "industry", Operator.EQUALS, "Software", 10)
    attribute_rule("200+ employees", "employee_count", Operator.GREATER_OR_EQUAL, "200", 15)

    assert _score(lead) == 25
    assert score_breakdown(lead=lead) == [
        BreakdownRow("200+ employees", 15),
        BreakdownRow("Software industry", 10),
    ]
    assert _score(other) == 15


def test_a_free_mail_address_costs_ten_points(attribute_rule):
    gmail = LeadFactory(email="jane@gmail.com")
    work = LeadFactory(email="jane@acme.com")

    attribute_rule("Free mail", "email", Operator.IS_FREE_MAIL, "", -10)

    assert (_score(gmail), _score(work)) == (-10, 0)
    assert score_breakdown(lead=gmail) == [BreakdownRow("Free mail", -10)]


def test_an_opened_email_adds_two_points_once_the_event_commits(engagement_rule, run_on_commit):
    engagement_rule("Email opened", EMAIL_OPENED, 2)
    lead = LeadFactory()

    with run_on_commit():
        engagement_record(target=lead, type=EMAIL_OPENED)
    assert _score(lead) == 2
    with run_on_commit():
        engagement_record(target=lead, type=EMAIL_OPENED)
    assert _score(lead) == 4
    assert score_breakdown(lead=lead) == [BreakdownRow("Email opened", 4)]


def test_engagement_points_halve_after_the_decay_days(engagement_rule):
    rule = engagement_rule("Link clicked", "link_clicked", 10, decay_days=7)
    lead = LeadFactory()
    now = timezone.now()
    engagement_record(target=lead, type="link_clicked", occurred_at=now - timedelta(days=7))
    engagement_record(target=lead, type="link_clicked", occurred_at=now - timedelta(days=14))

    lead_rescore(lead_id=lead.pk, now=now)
    assert _score(lead) == 8  # 5 + 2.5, rounded

    lead_rescore(lead_id=lead.pk, now=now + timedelta(days=7))
    assert _score(lead) == 4  # 2.5 + 1.25, rounded
    assert LeadScore.objects.get(lead=lead, rule=rule).points == 4


def test_the_daily_refresh_lets_decaying_points_age(engagement_rule):
    engagement_rule("Page visited", PAGE_VISITED, 20, decay_days=1)
    lead = LeadFactory()
    engagement_record(target=lead, type=PAGE_VISITED)
    lead_rescore(lead_id=lead.pk)
    assert _score(lead) == 20

    scores_refresh_decayed(now=timezone.now() + timedelta(days=2))

    assert _score(lead) == 5


def test_a_page_rule_scores_only_visits_whose_url_contains_its_text(engagement_rule):
    engagement_rule("Pricing page visited", PAGE_VISITED, 10, value="/pricing")
    lead = LeadFactory()
    engagement_record(target=lead, type=PAGE_VISITED, data={"url": "https://acme.example/blog"})
    engagement_record(target=lead, type=PAGE_VISITED, data={"url": "https://acme.example/Pricing/"})

    lead_rescore(lead_id=lead.pk)

    assert _score(lead) == 10


def test_editing_a_rules_points_rescores_every_lead_with_a_query_count_independent_of_their_number(
    admin_user, attribute_rule, run_on_commit
):
    rule = attribute_rule("Software", "industry", Operator.EQUALS, "Software", 10)
    # Explicit ids keep all leads in one chunk, whatever ids earlier tests used.
    first_id = 7 * LEAD_CHUNK_SIZE

    def edit_points(points: int) -> int:
        with count_queries() as queries, run_on_commit():
            saved = scoring_rule_update(
                actor=admin_user,
                rule_id=rule.pk,
                name="Software",
                kind=RuleKind.ATTRIBUTE,
                field="industry",
                operator=Operator.EQUALS,
                value="Software",
                points=points,
            )
        assert saved.job is not None
        saved.job.refresh_from_db()
        assert (saved.job.status, saved.job.done) == (JobStatus.DONE, saved.job.total)
        assert saved.job.result["leads"] == saved.job.total
        assert saved.job.message == f"Rescored {saved.job.total} lead{'' if saved.job.total == 1 else 's'}."
        return len(queries.captured_queries)

    for offset in range(5):
        LeadFactory(id=first_id + offset, industry="Software")
    few = edit_points(20)
    assert set(Lead.objects.values_list("score", flat=True)) == {20}

    for offset in range(5, 50):
        LeadFactory(id=first_id + offset, industry="Software")
    many = edit_points(30)

    assert set(Lead.objects.values_list("score", flat=True)) == {30}
    assert LeadScore.objects.filter(rule=rule, points=30).count() == 50
    assert few == many


def test_renaming_a_rule_rescores_nothing(admin_user, attribute_rule):
    rule = attribute_rule("Software", "industry", Operator.EQUALS, "Software", 10)

    saved = scoring_rule_update(
        actor=admin_user,
        rule_id=rule.pk,
        name="Software companies",
        kind=RuleKind.ATTRIBUTE,
        field="industry",
        operator=Operator.EQUALS,
        value="Software",
        points=10,
    )

    assert saved.job is None


def test_deactivating_or_deleting_a_rule_takes_its_points_off(admin_user, attribute_rule, run_on_commit):
    lead = LeadFactory(industry="Software", employee_count=500)
    software = attribute_rule("Software", "industry", Operator.EQUALS, "Software", 10)
    attribute_rule("Large", "employee_count", Operator.GREATER_OR_EQUAL, "200", 15)
    assert _score(lead) == 25

    with run_on_commit():
        scoring_rule_update(
            actor=admin_user,
            rule_id=software.pk,
            name="Software",
            kind=RuleKind.ATTRIBUTE,
            field="industry",
            operator=Operator.EQUALS,
            value="Software",
            points=10,
            is_active=False,
        )
    assert _score(lead) == 15

    with run_on_commit():
        job = scoring_rule_delete(actor=admin_user, rule_id=ScoringRule.objects.get(name="Large").pk)
    assert job is not None
    assert _score(lead) == 0
    assert score_breakdown(lead=lead) == []


def test_crossing_the_threshold_makes_the_lead_sales_ready_and_tells_its_owner_once(rep, attribute_rule):
    LeadSettings.objects.update_or_create(id=1, defaults={"sales_ready_score": 20})
    lead = LeadFactory(owner=rep, industry="Software", employee_count=500)

    attribute_rule("Software", "industry", Operator.EQUALS, "Software", 10)
    lead.refresh_from_db()
    assert lead.sales_ready_at is None
    attribute_rule("Large", "employee_count", Operator.GREATER_OR_EQUAL, "200", 15)
    lead.refresh_from_db()
    assert lead.sales_ready_at is not None

    lead_rescore(lead_id=lead.pk)

    notification = Notification.objects.get(recipient=rep, kind=NotificationKind.SALES_READY)
    assert notification.message == f"{lead.display_name} reached a score of 25 and is sales-ready."
    assert notification.url == lead.get_absolute_url()
    event = LifecycleEvent.objects.get(type=LEAD_SALES_READY, object_id=lead.pk)
    assert event.data == {"score": 25, "threshold": 20}


def test_a_lead_that_drops_below_the_threshold_is_told_about_again_when_it_climbs_back(
    rep, engagement_rule, run_on_commit
):
    LeadSettings.objects.update_or_create(id=1, defaults={"sales_ready_score": 10})
    rule = engagement_rule("Form submitted", "form_submitted", 10, decay_days=1)
    lead = LeadFactory(owner=rep)
    now = timezone.now()
    with run_on_commit():
        engagement_record(target=lead, type="form_submitted", occurred_at=now)

    lead_rescore(lead_id=lead.pk, now=now + timedelta(days=3))
    lead.refresh_from_db()
    assert (lead.score, lead.sales_ready_at) == (1, None)
    with run_on_commit():
        engagement_record(target=lead, type=rule.event_type)

    assert Notification.objects.filter(recipient=rep, kind=NotificationKind.SALES_READY).count() == 2


def test_an_impossible_operator_is_refused_and_nothing_is_saved(admin_user, run_on_commit):
    with pytest.raises(Invalid) as caught, run_on_commit():
        scoring_rule_create(
            actor=admin_user,
            name="Big company",
            kind=RuleKind.ATTRIBUTE,
            field="company",
            operator=Operator.GREATER_OR_EQUAL,
            value="200",
            points=10,
        )

    assert list(caught.value.errors) == ["operator"]
    assert not ScoringRule.objects.exists()
    assert not BackgroundJob.objects.exists()


def test_only_admins_write_scoring_rules(manager):
    with pytest.raises(Forbidden) as refused:
        scoring_rule_create(
            actor=manager, name="Software", kind="attribute", field="industry", operator="eq", points=1
        )

    assert refused.value.code == "admin_only"


def test_a_changed_lead_is_rescored_after_its_transaction_commits(attribute_rule, run_on_commit):
    attribute_rule("Software", "industry", Operator.EQUALS, "Software", 10)
    lead = LeadFactory(industry="Retail")

    with run_on_commit():
        Lead.objects.filter(pk=lead.pk).update(industry="Software")
        lead_rescore_soon(lead.pk)

    assert _score(lead) == 10


def test_leads_written_in_bulk_are_rescored_one_chunk_at_a_time(attribute_rule, run_on_commit):
    attribute_rule("Software", "industry", Operator.EQUALS, "Software", 10)
    first_id = 3 * LEAD_CHUNK_SIZE
    leads = [LeadFactory(id=first_id + offset, industry="Software") for offset in range(3)]

    with run_on_commit() as callbacks:
        leads_rescore_soon([lead.pk for lead in leads])

    assert len(callbacks) == 1
    assert [_score(lead) for lead in leads] == [10, 10, 10]


def test_the_periodic_reconcile_repairs_a_score_whose_wake_up_was_lost(admin_user, attribute_rule):
    attribute_rule("Software", "industry", Operator.EQUALS, "Software", 10)
    lead = LeadFactory(industry="Software")
    # A rule saved while the broker was down: no lead has its points until a pass finds the rows.
    scoring_rule_create(
        actor=admin_user,
        name="Large",
        kind="attribute",
        field="employee_count",
        operator="gte",
        value="0",
        points=5,
    )
    Lead.objects.filter(pk=lead.pk).update(employee_count=3)
    assert _score(lead) == 0

    scores_reconcile()

    assert _score(lead) == 15
