"""Refusals of the sales rules, with messages a rep can act on."""

from __future__ import annotations

from crm.errors import Conflict, Invalid


class ExitCriteriaUnmet(Invalid):
    """The deal may not move past a stage before that stage's exit criteria are met."""

    def __init__(self, *, stage: str, missing: list[str]) -> None:
        super().__init__(
            f"Before this deal can move past {stage}, it needs: {', '.join(missing)}.",
            field="stage",
            code="stage_criteria_unmet",
        )
        self.missing = missing


class StaleMove(Conflict):
    """Someone else moved the deal after this person's board was drawn."""

    def __init__(self, *, current_stage: str, moved_by: str) -> None:
        super().__init__(
            f"{moved_by} already moved this deal to {current_stage}; it stays there. "
            "Move it again if you still mean to.",
            field="stage",
            code="stale_move",
        )
        self.current_stage = current_stage
