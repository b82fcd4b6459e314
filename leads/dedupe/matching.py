"""The likely duplicates of a lead: which leads and contacts look like it, and why.

Leads match on the same normalised email, the same phone digits, or a similar name at a similar
company (pg_trgm); contacts match on the same email in any case. One query finds the leads and one the
contacts, each served by its indexes: the partial indexes on the normalised columns, the trigram GIN
indexes on UPPER(last_name) and UPPER(company) (through pg_trgm's `%`), and the contacts' LOWER(email).

The lead query is the costly one (63 of the lead page's 83 ms at a million leads), so a worker runs it
once per change and stores what it finds (leads.dedupe.checking); the page reads the stored leads and
matches contacts live. `duplicate_candidates` runs both live, as the user may see them.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.postgres.lookups import TrigramSimilar
from django.contrib.postgres.search import TrigramSimilarity
from django.db import connection, transaction
from django.db.models import (
    BooleanField,
    Expression,
    ExpressionWrapper,
    F,
    OrderBy,
    Q,
    QuerySet,
    Value,
)
from django.db.models.functions import Concat, Lower, Upper

from crm import access
from crm.models import Contact, User
from leads.models import Lead
from leads.services.leads import normalize_email, normalize_phone

from .rules import lead_can_be_merged

# Tuned on real pairs: "Jon Smith"/"John Smith" 0.62, "Katherine"/"Catherine Jones" 0.68, while
# "Jon Smith"/"Jane Smith" is 0.50: two colleagues at one company are not one person.
NAME_SIMILARITY = 0.55
# "Acme Inc"/"ACME Inc." 1.0, "Globex Corp"/"Globex Corporation" 0.55, "Acme Inc"/"Acme Labs" 0.36.
COMPANY_SIMILARITY = 0.5
# Fewer digits are extensions or fragments, shared by unrelated people.
MIN_PHONE_DIGITS = 7
CONTACT_LIMIT = 5


@dataclass(frozen=True)
class Likeness:
    """Why two leads look alike, as seen from one of them (the one whose panel shows the other)."""

    same_email: bool
    same_phone: bool
    similar_name_and_company: bool
    # The name's and the company's trigram similarity, averaged; 0 seen from a lead without a last
    # name or company, which is matched on its email and phone only.
    similarity: float

    @property
    def reasons(self) -> tuple[str, ...]:
        reasons = []
        if self.same_email:
            reasons.append("same email")
        if self.same_phone:
            reasons.append("same phone")
        if self.similar_name_and_company:
            reasons.append(f"similar name and company ({self.similarity:.2f})")
        return tuple(reasons)


@dataclass(frozen=True)
class Match:
    """A lead found to look like another, and the measures that say why: every one is the same seen
    from either lead, but what the similarities count for depends on the side (see `likeness`)."""

    lead: Lead
    same_email: bool
    same_phone: bool
    name_similarity: float
    company_similarity: float
    similarity_sum: float

    def likeness(self, *, seen_from: Lead) -> Likeness:
        """Why they look alike, seen from `seen_from`: the lead that was matched, or `self.lead` for
        the other side of the pair."""
        if not is_fuzzy(seen_from):
            return Likeness(self.same_email, self.same_phone, False, 0.0)
        similar = self.name_similarity >= NAME_SIMILARITY and self.company_similarity >= COMPANY_SIMILARITY
        return Likeness(self.same_email, self.same_phone, similar, self.similarity_sum / 2)


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
    """The leads that look like `lead`, strongest reason first, then contacts with its email, live.

    `lead` may be unsaved (a create form or a web form submission about to become a lead).
    """
    email = normalize_email(lead.email)
    contacts = contact_candidates(user=user, email=email, limit=min(limit, CONTACT_LIMIT)) if email else []
    leads = access.visible(user, Lead.objects.select_related("owner", "team"))
    may_merge = may_merge_into(user, lead)
    return [
        *(
            lead_candidate(user, match.lead, match.likeness(seen_from=lead), may_merge=may_merge)
            for match in lead_matches(leads, lead, limit=limit)
        ),
        *contacts,
    ]


def lead_candidate(user: User, candidate: Lead, why: Likeness, *, may_merge: bool) -> Candidate:
    """`candidate` (with its owner and team loaded) as a panel offers it to `user`; `may_merge` says
    whether they may merge anything into the panel's lead (may_merge_into)."""
    return Candidate(
        reasons=why.reasons,
        similarity=round(why.similarity, 2),
        lead=candidate,
        can_merge=may_merge and bool(lead_can_be_merged(user, candidate)),
    )


def is_fuzzy(lead: Lead) -> bool:
    """Whether the lead is matched on its name and company as well (it has both)."""
    return bool(lead.last_name.strip() and lead.company.strip())


def lead_matches(leads: QuerySet[Lead], lead: Lead, *, limit: int) -> list[Match]:
    """The rows of `leads` that look like `lead`, strongest first, at most `limit`.

    The similarities are computed even when `lead` has no last name or company (it is then matched on
    its email and phone only, and ranks them without), for the other side's view.
    """
    email = normalize_email(lead.email)
    phone = normalize_phone(lead.phone)
    phone = phone if len(phone) >= MIN_PHONE_DIGITS else ""
    fuzzy = is_fuzzy(lead)
    if not (email or phone or fuzzy):
        return []

    # The "<> ''" conditions let PostgreSQL use the partial indexes on the normalised columns.
    matches = Q(pk__in=[])
    if email:
        matches |= Q(email_normalized=email) & ~Q(email_normalized="")
    if phone:
        matches |= Q(phone_normalized=phone) & ~Q(phone_normalized="")
    if fuzzy:
        # `%` on the indexed expressions narrows the rows cheaply; the similarities then decide.
        matches |= (
            Q(TrigramSimilar(Upper("last_name"), lead.last_name.upper()))
            & Q(TrigramSimilar(Upper("company"), lead.company.upper()))
            & Q(name_similarity__gte=NAME_SIMILARITY, company_similarity__gte=COMPANY_SIMILARITY)
        )
    order: list[OrderBy] = [F("same_email").desc(), F("same_phone").desc()]
    if fuzzy:
        order.append(F("similarity_sum").desc())
    if lead.pk is not None:
        leads = leads.exclude(pk=lead.pk)
    rows = (
        leads.annotate(
            same_email=_is(Q(email_normalized=email) if email else None),
            same_phone=_is(Q(phone_normalized=phone) if phone else None),
            name_similarity=TrigramSimilarity(Concat("first_name", Value(" "), "last_name"), lead.full_name),
            company_similarity=TrigramSimilarity("company", lead.company),
            similarity_sum=F("name_similarity") + F("company_similarity"),
        )
        .filter(matches)
        .order_by(*order, "-id")[:limit]
    )
    with transaction.atomic(), connection.cursor() as cursor:
        # `%` narrows by pg_trgm's threshold, 0.3 by default: common trigrams ("INC", "SOF") then match a
        # tenth of a million leads. Raised to the company threshold for this query only (p50 112 -> 52 ms).
        cursor.execute(
            "SELECT set_config('pg_trgm.similarity_threshold', %s, true)", [str(COMPANY_SIMILARITY)]
        )
        return [
            Match(
                lead=row,
                same_email=bool(row.same_email),
                same_phone=bool(row.same_phone),
                name_similarity=row.name_similarity,
                company_similarity=row.company_similarity,
                similarity_sum=row.similarity_sum,
            )
            for row in rows
        ]


def _is(condition: Q | None) -> Expression:
    if condition is None:
        return Value(False)
    return ExpressionWrapper(condition, output_field=BooleanField())


def may_merge_into(user: User, lead: Lead) -> bool:
    """Whether `user` may merge anything into `lead` (the candidate must pass the same rule)."""
    return lead.pk is not None and bool(lead_can_be_merged(user, lead))


def contact_candidates(*, user: User, email: str, limit: int = CONTACT_LIMIT) -> list[Candidate]:
    """The contacts `user` may see with this (normalised) email address."""
    contacts = (
        access.visible(user, Contact.objects.select_related("account"))
        .annotate(email_lower=Lower("email"))
        .filter(email_lower=email)
        .order_by("last_name", "first_name", "id")[:limit]
    )
    return [Candidate(reasons=("same email",), contact=contact) for contact in contacts]
