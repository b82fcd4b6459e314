"""How many rows each scale seeds: the one table to edit when a scale needs more data."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Scale:
    teams: int
    reps: int  # sales reps, spread over the teams; each team also gets one sales manager
    accounts: int  # a tenth of the reps own half of them (and so of their contacts, deals and timelines)
    contacts: int  # spread over the accounts, owned by the account's owner
    activities: int  # on accounts, written by the account's owner
    # Deals on the accounts, owned by the account's owner: 60% open, 15% won, 25% lost. Each has a stage
    # visit and a lifecycle event per stage it went through (about four), and one in four product lines.
    deals: int
    deal_activities: int  # calls, meetings and emails on the deals, by the deal's owner
    contact_activities: int  # on the contacts, by the contact's owner
    tasks: int  # on accounts, assigned to the account's owner; a third overdue, a fifth done
    leads: int  # a tenth of the reps own half of them, 15% wait unassigned in the queues
    engagements: int  # engagement events on a third of the leads, for the scoring rules
    import_rows: int  # rows of the generated file the lead-import scenario imports; 5% duplicates
    repetitions: int  # timed requests per scenario, after two warm-up requests


SCALES: dict[str, Scale] = {
    "tiny": Scale(
        teams=2,
        reps=6,
        accounts=200,
        contacts=400,
        activities=600,
        deals=600,
        deal_activities=2_000,
        contact_activities=600,
        tasks=120,
        leads=1_000,
        engagements=1_000,
        import_rows=1_000,
        repetitions=5,
    ),
    # One percent of full's rows; the people are fewer, but not a hundred times fewer.
    "small": Scale(
        teams=5,
        reps=40,
        accounts=2_000,
        contacts=4_000,
        activities=10_000,
        deals=3_000,
        deal_activities=20_000,
        contact_activities=8_000,
        tasks=1_000,
        leads=10_000,
        engagements=10_000,
        import_rows=10_000,
        repetitions=20,
    ),
    # 200 users in 20 teams (180 reps and 20 managers; besides them an admin, a marketer and a support
    # agent); with the deals' stage visits and lifecycle events, about 5,000,000 timeline rows.
    "full": Scale(
        teams=20,
        reps=180,
        accounts=200_000,
        contacts=400_000,
        activities=1_000_000,
        deals=300_000,
        deal_activities=2_000_000,
        contact_activities=800_000,
        tasks=100_000,
        leads=1_000_000,
        engagements=1_000_000,
        import_rows=100_000,
        repetitions=50,
    ),
}
DEFAULT_SCALE = "small"
