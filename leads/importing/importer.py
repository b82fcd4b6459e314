"""The lead's part of an import run: its row checks, duplicate matching and writes, and one summary
notification for the owner of the new leads."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar, cast

from django.template.defaultfilters import pluralize
from django.urls import reverse

from crm.imports.parsing import Row
from crm.imports.running import Tally
from crm.imports.storage import stored_table
from crm.models import NotificationKind
from crm.timeline.notifications import notification_send
from leads.models import LeadImport

from .chunks import ImportContext, apply_plan, plan_chunk
from .dedupe import DuplicateFinder
from .rows import LeadRow, LeadRowChecker


class LeadImporter:
    lock_key: ClassVar[int] = 0

    def __init__(self, lead_import: LeadImport) -> None:
        self.context = ImportContext(
            lead_import=lead_import,
            actor=lead_import.created_by,
            owner=lead_import.owner,
            policy=lead_import.duplicate_policy,
            run_assignment_rules=lead_import.run_assignment_rules,
        )
        self.mapping = lead_import.mapping
        self.checker: LeadRowChecker | None = None
        self.finder = DuplicateFinder()  # one per run: it remembers the earlier rows of the file

    def check(self, row: Row) -> LeadRow:
        if self.checker is None:
            self.checker = LeadRowChecker(stored_table(self.context.lead_import).headers, self.mapping)
        return cast(LeadRow, self.checker.check(row))  # the checker's row_class

    def write(self, rows: Sequence[LeadRow]) -> Tally:
        plan = plan_chunk(rows, context=self.context, finder=self.finder, lock=True)
        apply_plan(plan, context=self.context)
        return plan.tally

    def summary(self, tally: Tally) -> str:
        return ""

    def finish(self, tally: Tally) -> None:
        owner, actor = self.context.owner, self.context.actor
        if tally.created and owner is not None and owner != actor:
            notification_send(
                recipient=owner,
                kind=NotificationKind.ASSIGNED,
                message=f"{actor} imported {tally.created:,} lead{pluralize(tally.created)} for you.",
                url=reverse("leads:index"),
            )

    def duplicates(self, rows: Sequence[LeadRow]) -> list[str]:
        finder = DuplicateFinder()
        finder.load(rows)
        found = []
        for row in rows:
            duplicate = (finder.earlier_line(row) or finder.existing(row)) if row.ok else None
            if row.ok:
                finder.remember(row)
            found.append(str(duplicate or ""))
        return found
