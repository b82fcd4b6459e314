"""Domain errors whose message a user can read; the HTML views and the API render them the same way."""


class DomainError(Exception):
    """A request the business rules refuse, e.g. completing someone else's task."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class ConflictError(DomainError):
    """A request the record's current state refuses, e.g. deleting an account that still has deals."""
