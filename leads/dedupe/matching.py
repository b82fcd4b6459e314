"""The likely duplicates of a lead, as the user may see them.

Leads match on the same normalised email, the same phone digits, or a similar name at a similar
company (pg_trgm); contacts match on the same email in any case. One query finds the leads and one the
contacts, each served by its indexes: the partial indexes on the normalised columns, the trigram GIN
indexes on UPPER(last_name) and UPPER(company) (through pg_trgm's `%`), and the contacts' LOWER(email).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.postgres.lookups import TrigramSimilar
from django.contrib.postgres.search import TrigramSimilarity
from django.db import connection, transaction
from django.db.models import BooleanField, Expression, ExpressionWrapper, F, FloatField, Q, Value
from django.db.models.functions import Concat, Lower, Upper

from crm import access
from crm.models import Contact, User
from leads.models import Lead
from leads.services.leads import normalize_email, normalize_phone

# Tuned on real pairs: "Jon Smith"/"John Smith" 0.62, "Katherine"/"Catherine Jones" 0.68, while
# "Jon Smith"/"Jane Smith" is 0.50: two colleagues at one company are not one person.
NAME_SIMILARITY = 0.55
# "Acme Inc"/"ACME Inc." 1.0, "Globex Corp"/"Globex Corporation" 0.55, "Acme Inc"/"Acme Labs" 0.36.
COMPANY_SIMILARITY = 0.5
# Fewer digits are extensions or fragments, shared by unrelated people.
MIN_PHONE_DIGITS = 7
CONTACT_LIMIT = 5


@dataclass(frozen=True)
class Candidate:
    """A lead or a contact that may be the same person, and why it looks like one."""

    reasons: tuple[str, ...]
    similarity: float = 0.0
    lead: Lead | None = None
    contact: Contact | None = None
    # The user may merge this lead and the one the panel is on (neither converted, both changeable).
    can_merge: bool = False

    @property
    def is_contact(self) -> bool:
        return self.contact is not None


def duplicate_candidates(*, user: User, lead: Lead, limit: int = 10) -> list[Candidate]:
    """The leads that look like `lead`, strongest reason first, then contacts with its email.

    `lead` may be unsaved (a create form or a web form submission about to become a lead).
    """
    email = normalize_email(lead.email)
    contacts = _contact_candidates(user, email, min(limit, CONTACT_LIMIT)) if email else []
    return [*_lead_candidates(user, lead, email, limit), *contacts]


def _lead_candidates(user: User, lead: Lead, email: str, limit: int) -> list[Candidate]:
    phone = normalize_phone(lead.phone)
    phone = phone if len(phone) >= MIN_PHONE_DIGITS else ""
    fuzzy = bool(lead.last_name.strip() and lead.company.strip())
    if not (email or phone or fuzzy):
        return []

    # The "<> ''" conditions let PostgreSQL use the partial indexes on the normalised columns.
    matches = Q(pk__in=[])
    if email:
        matches |= Q(email_normalized=email) & ~Q(email_normalized="")
    if phone:
        matches |= Q(phone_normalized=phone) & ~Q(phone_normalized="")
    name_similarity: Expression = Value(0.0, output_field=FloatField())
    company_similarity: Expression = Value(0.0, output_field=FloatField())
    if fuzzy:
        name_similarity = TrigramSimilarity(Concat("first_name", Value(" "), "last_name"), lead.full_name)
        company_similarity = TrigramSimilarity("company", lead.company)
        # `%` on the indexed expressions narrows the rows cheaply; the similarities then decide.
        matches |= (
            Q(TrigramSimilar(Upper("last_name"), lead.last_name.upper()))
            & Q(TrigramSimilar(Upper("company"), lead.company.upper()))
            & Q(name_similarity__gte=NAME_SIMILARITY, company_similarity__gte=COMPANY_SIMILARITY)
        )

    leads = access.visible(user, Lead.objects.select_related("owner", "team"))
    if lead.pk is not None:
        leads = leads.exclude(pk=lead.pk)
    rows = (
        leads.annotate(
            same_email=_is(Q(email_normalized=email) if email else None),
            same_phone=_is(Q(phone_normalized=phone) if phone else None),
            name_similarity=name_similarity,
            company_similarity=company_similarity,
        )
        .filter(matches)
        .order_by(
            F("same_email").desc(),
            F("same_phone").desc(),
            (F("name_similarity") + F("company_similarity")).desc(),
            "-id",
        )[:limit]
    )
    with transaction.atomic(), connection.cursor() as cursor:
        # `%` narrows by pg_trgm's threshold, 0.3 by default: common trigrams ("INC", "SOF") then match a
        # tenth of a million leads. Raised to the company threshold for this query only (p50 112 -> 52 ms).
        cursor.execute(
            "SELECT set_config('pg_trgm.similarity_threshold', %s, true)", [str(COMPANY_SIMILARITY)]
        )
        found = list(rows)
    may_merge = _may_merge_from(user, lead)
    candidates = []
    for row in found:
        similarity = round((row.name_similarity + row.company_similarity) / 2, 2)
        reasons = []
        if row.same_email:
            reasons.append("same email")
        if row.same_phone:
            reasons.append("same phone")
        if row.name_similarity >= NAME_SIMILARITY and row.company_similarity >= COMPANY_SIMILARITY:
            reasons.append(f"similar name and company ({similarity:.2f})")
        candidates.append(
            Candidate(
                reasons=tuple(reasons),
                similarity=similarity,
                lead=row,
                can_merge=may_merge and not row.is_converted and access.can(user, "change", row),
            )
        )
    return candidates


def _is(condition: Q | None) -> Expression:
    if condition is None:
        return Value(False)
    return ExpressionWrapper(condition, output_field=BooleanField())


def _may_merge_from(user: User, lead: Lead) -> bool:
    """Whether `user` may merge anything into `lead` (the candidate must pass the same change check)."""
    return (
        lead.pk is not None
        and not lead.is_converted
        and access.writable_fields(user, Lead) is None
        and access.can(user, "change", lead)
    )


def _contact_candidates(user: User, email: str, limit: int) -> list[Candidate]:
    contacts = (
        access.visible(user, Contact.objects.select_related("account"))
        .annotate(email_lower=Lower("email"))
        .filter(email_lower=email)
        .order_by("last_name", "first_name", "id")[:limit]
    )
    return [Candidate(reasons=("same email",), contact=contact) for contact in contacts]
