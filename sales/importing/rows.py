"""One deal row checked: its cells read, its stage settled by its pipeline, and a closed deal's dates
and lost reason required."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any, ClassVar

from django.utils import timezone

from crm.imports import cells
from crm.imports.cells import CellError, Cleaner, max_length
from crm.imports.keyed import KeyedRowChecker
from crm.imports.rows import Problem
from sales.models import Deal, DealStatus, Pipeline, Stage, StageKind

from .columns import read_money, read_products

CLOSED_STATUS: dict[str, str] = {StageKind.WON: DealStatus.WON, StageKind.LOST: DealStatus.LOST}


@dataclass(frozen=True)
class StageChoice:
    """A stage cell that names a stage in several pipelines, until the row's pipeline picks one."""

    cell: str
    stages: list[Stage]


class DealRowChecker(KeyedRowChecker):
    cleaners: ClassVar[dict[str, Cleaner]] = {
        "name": cells.text(max_length(Deal, "name")),
        "account": cells.reference(200),
        "primary_contact": cells.reference(254),
        "amount": read_money,
        "next_step": cells.text(max_length(Deal, "next_step")),
        "external_id": cells.text(max_length(Deal, "external_id")),
        "external_source": cells.external_source(max_length(Deal, "external_source")),
    }
    date_fields = frozenset({"created_at", "close_date", "closed_at"})

    def clean(self, name: str, value: str) -> Any:
        if name == "products":
            reader = self.values["products"]
            return [(reader(product), quantity) for product, quantity in read_products(value)]
        if name == "stage":
            try:
                return super().clean(name, value)
            except CellError:
                # "Won" in several pipelines: the row's Pipeline column may settle it (see complete).
                stages = [option.value for option in self.values["stage"].values.named(value)]
                if len(stages) < 2:
                    raise
                return StageChoice(value, stages)
        return super().clean(name, value)

    def complete(self, fields: dict[str, Any], problems: list[Problem]) -> None:
        if "amount" in fields:
            fields["amount"], code = fields["amount"]
            if code and "currency" not in fields:
                fields["currency"] = code
        for name in ("created_at", "closed_at"):
            if name in fields:  # noon of that day where the uploader is: the day stays the day
                fields[name] = datetime.datetime.combine(fields[name], datetime.time(12), self.time_zone)
        pipeline: Pipeline | None = fields.get("pipeline")
        if isinstance(fields.get("stage"), StageChoice):
            choice = fields.pop("stage")
            stage_in_pipeline = [
                stage for stage in choice.stages if pipeline and stage.pipeline_id == pipeline.pk
            ]
            if stage_in_pipeline:
                fields["stage"] = stage_in_pipeline[0]
            else:
                pipelines = ", ".join(sorted(str(stage.pipeline) for stage in choice.stages))
                problems.append(
                    Problem(
                        self.headers["stage"],
                        f"“{choice.cell}” is a stage of several pipelines ({pipelines}): map a Pipeline "
                        "column, or choose the stage under “Values” in the preview.",
                    )
                )
        stage: Stage | None = fields.get("stage")
        if stage is not None and pipeline is not None and stage.pipeline_id != pipeline.pk:
            problems.append(
                Problem(
                    self.headers["stage"],
                    f"“{stage.name}” is a stage of {stage.pipeline}, not of {pipeline}.",
                )
            )
        if stage is not None:
            fields["pipeline"] = stage.pipeline
            fields["status"] = CLOSED_STATUS.get(stage.kind, DealStatus.OPEN)
            self._closing(fields, problems, stage)
        if not problems and not fields.get("name"):
            problems.append(Problem("", "No deal name: every deal needs one."))

    def _closing(self, fields: dict[str, Any], problems: list[Problem], stage: Stage) -> None:
        if stage.kind == StageKind.OPEN:
            fields.pop("closed_at", None)  # an open deal has not closed, whatever the file says
            return
        if "closed_at" not in fields and "close_date" in fields:
            fields["closed_at"] = datetime.datetime.combine(
                fields["close_date"], datetime.time(12), self.time_zone
            )
        closed = fields.get("closed_at")
        column = self.headers.get("closed_at") or self.headers.get("close_date") or self.headers["stage"]
        if closed is None:
            problems.append(
                Problem(
                    self.headers["stage"],
                    f"A deal in “{stage.name}” is closed: map its Closed date (or Close date) column.",
                )
            )
        elif closed.date() > timezone.localdate(timezone=self.time_zone):
            problems.append(Problem(column, f"Closed on {closed:%Y-%m-%d}, which is still to come."))
        elif "created_at" in fields and closed < fields["created_at"]:
            problems.append(
                Problem(
                    column,
                    f"Closed on {closed:%Y-%m-%d}, before the deal was created "
                    f"({fields['created_at']:%Y-%m-%d}).",
                )
            )
        if stage.kind == StageKind.LOST and "lost_reason" not in fields:
            message = "A lost deal needs its lost reason: map a Lost reason column."
            problems.append(Problem(self.headers["stage"], message))
