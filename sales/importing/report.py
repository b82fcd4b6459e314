"""What an open deal imported into a stage will need before a person moves it on: the exit criteria of
its stage it does not meet yet (sales.services.gates), as a note on its row of the import's report.
A note is neither an error nor a skip: the deal was imported as the file has it, and the move will
check the criteria as usual."""

from __future__ import annotations

from collections.abc import Sequence

from django.db.models import QuerySet
from django.template.defaultfilters import pluralize

from crm.models import RecordImport
from crm.models.imports import FileImportProblem, RecordImportProblem
from sales.models import Deal, DealStatus, ExitCriterion
from sales.services.gates import unmet_criteria

NOTE_START = "Imported at "


def criteria_notes(
    record_import: RecordImport, written: Sequence[tuple[int, Deal]]
) -> dict[int, RecordImportProblem]:
    """{deal id: its note} for each open deal of `written` (line, deal) that misses some exit criterion
    of its stage, on the last line that wrote it; a query for the criteria and unmet_criteria's,
    whatever the number of deals."""
    lines = {deal.pk: line for line, deal in written if deal.status == DealStatus.OPEN}
    if not lines:
        return {}
    deals = {deal.pk: deal for _, deal in written if deal.pk in lines}
    stages = {deal.stage_id for deal in deals.values()}
    criteria: dict[int, list[ExitCriterion]] = {}
    for criterion in ExitCriterion.objects.filter(stage__in=stages).select_related("stage").order_by("id"):
        criteria.setdefault(criterion.stage_id, []).append(criterion)
    checks = [(deal, criteria[deal.stage_id]) for deal in deals.values() if deal.stage_id in criteria]
    notes = {}
    for (deal, _), missing in zip(checks, unmet_criteria(checks), strict=True):
        if missing:
            needs = "; ".join(criterion.label for criterion in missing)
            message = f"{NOTE_START}{missing[0].stage.name}. Moving it on will need: {needs}."
            notes[deal.pk] = record_import.problem(line=lines[deal.pk], message=message)
    return notes


def saved_criteria_notes(record_import: RecordImport) -> QuerySet[FileImportProblem]:
    """The import's notes saved so far, a resumed import's earlier chunks included."""
    return record_import.errors.filter(message__startswith=NOTE_START)


def criteria_summary(count: int) -> str:
    """What the end of the import says about the notes ("" when there are none)."""
    if not count:
        return ""
    return (
        f"{count:,} open deal{pluralize(count)} will need more before "
        f"{'they move' if count != 1 else 'it moves'} on: see the report."
    )
