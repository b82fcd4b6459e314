"""Possible duplicates: which leads and contacts the panel offers, and why."""

import pytest
from django.utils import timezone

from leads.dedupe.matching import duplicate_candidates
from leads.models import Lead, LeadStatus
from leads.services.leads import lead_create
from tests.factories import ContactFactory

pytestmark = pytest.mark.django_db


def _lead(actor, **fields) -> Lead:
    """A lead created as a user would create it: the service normalises email and phone."""
    return lead_create(actor=actor, fields=fields)


def _leads(candidates) -> list[Lead]:
    return [candidate.lead for candidate in candidates if candidate.lead is not None]


def test_the_same_email_in_another_case_is_a_duplicate(rep):
    lead = _lead(rep, last_name="Doe", email="Jane.Doe@Example.com", company="Initech")
    same = _lead(rep, first_name="J.", last_name="D", email=" jane.doe@EXAMPLE.COM ", company="Hooli")

    [candidate] = duplicate_candidates(user=rep, lead=lead)

    assert candidate.lead == same
    assert candidate.reasons == ("same email",)
    assert candidate.can_merge


def test_phone_numbers_match_on_their_digits_however_they_are_written(rep):
    lead = _lead(rep, last_name="Doe", phone="+1 (555) 010-2030")
    same = _lead(rep, company="Hooli", phone="15550102030")
    _lead(rep, company="Other", phone="+1 (555) 010-2031")

    [candidate] = duplicate_candidates(user=rep, lead=lead)

    assert candidate.lead == same
    assert candidate.reasons == ("same phone",)


def test_a_similar_name_at_a_similar_company_is_a_candidate_and_others_are_not(rep):
    lead = _lead(rep, first_name="Jon", last_name="Smith", company="Acme Inc")
    similar = _lead(rep, first_name="John", last_name="Smith", company="ACME Inc.")
    _lead(rep, first_name="Maria", last_name="Garcia", company="Globex")  # unrelated
    _lead(rep, first_name="Jane", last_name="Smith", company="Acme Inc")  # a colleague, not the same person
    _lead(rep, first_name="John", last_name="Smith", company="Umbrella Health")  # a namesake elsewhere

    [candidate] = duplicate_candidates(user=rep, lead=lead)

    assert candidate.lead == similar
    assert candidate.reasons == (f"similar name and company ({candidate.similarity:.2f})",)
    assert 0.7 < candidate.similarity < 1


def test_the_strongest_reason_comes_first(rep):
    lead = _lead(rep, first_name="Jon", last_name="Smith", company="Acme Inc", email="jon@acme.example")
    by_name = _lead(rep, first_name="John", last_name="Smith", company="Acme Inc.")
    by_email = _lead(rep, last_name="Other", email="JON@acme.example")
    by_both = _lead(rep, first_name="Jon", last_name="Smith", company="Acme", email="jon@acme.example")

    candidates = duplicate_candidates(user=rep, lead=lead)

    assert _leads(candidates) == [by_both, by_email, by_name]
    assert candidates[0].reasons[0] == "same email"
    assert candidates[0].reasons[1].startswith("similar name and company")


def test_leads_without_an_email_or_phone_are_not_duplicates_of_each_other(rep):
    lead = _lead(rep, last_name="Doe", phone="12")
    _lead(rep, last_name="Roe", phone="12")
    _lead(rep, company="Hooli")

    assert duplicate_candidates(user=rep, lead=lead) == []


def test_another_reps_lead_is_never_shown_to_a_rep(rep, outsider, admin_user):
    lead = _lead(rep, last_name="Doe", email="jane@example.com", phone="555 010 2030")
    theirs = _lead(outsider, last_name="Doe", email="jane@example.com", phone="5550102030")

    assert duplicate_candidates(user=rep, lead=lead) == []
    assert _leads(duplicate_candidates(user=admin_user, lead=lead)) == [theirs]


def test_a_manager_sees_their_teams_duplicates_and_may_merge_them(rep, teammate, manager):
    lead = _lead(rep, last_name="Doe", email="jane@example.com")
    theirs = _lead(teammate, last_name="Doe", email="jane@example.com")

    [candidate] = duplicate_candidates(user=manager, lead=lead)

    assert candidate.lead == theirs
    assert candidate.can_merge


def test_a_converted_duplicate_is_shown_but_cannot_be_merged(rep):
    lead = _lead(rep, last_name="Doe", email="jane@example.com")
    converted = _lead(rep, last_name="Doe", email="jane@example.com")
    Lead.objects.filter(pk=converted.pk).update(status=LeadStatus.CONVERTED, converted_at=timezone.now())

    [candidate] = duplicate_candidates(user=rep, lead=lead)

    assert candidate.lead == converted
    assert not candidate.can_merge


def test_a_marketer_sees_duplicates_but_may_not_merge_them(rep, marketer):
    lead = _lead(rep, last_name="Doe", email="jane@example.com")
    _lead(rep, last_name="Doe", email="jane@example.com")

    [candidate] = duplicate_candidates(user=marketer, lead=lead)

    assert not candidate.can_merge


def test_a_contact_with_the_same_email_is_shown_as_an_existing_contact(rep, outsider):
    lead = _lead(rep, last_name="Doe", email="jane.doe@example.com")
    contact = ContactFactory(email="Jane.Doe@Example.com", owner=rep)
    ContactFactory(email="jane.doe@example.com", owner=outsider)  # not the rep's to see
    ContactFactory(email="someone@example.com", owner=rep)

    [candidate] = duplicate_candidates(user=rep, lead=lead)

    assert candidate.contact == contact
    assert candidate.is_contact
    assert candidate.reasons == ("same email",)
    assert not candidate.can_merge


def test_a_lead_being_typed_in_finds_its_duplicates_before_it_is_saved(rep):
    existing = _lead(rep, last_name="Doe", email="jane.doe@example.com", phone="+1 (555) 010-2030")
    contact = ContactFactory(email="jane.doe@example.com", owner=rep)

    typed = Lead(last_name="Doe", email=" Jane.Doe@Example.com", phone="1 555 010 2030", owner=rep)
    candidates = duplicate_candidates(user=rep, lead=typed)

    assert [(c.lead or c.contact, c.reasons) for c in candidates] == [
        (existing, ("same email", "same phone")),
        (contact, ("same email",)),
    ]
    assert not any(candidate.can_merge for candidate in candidates)
