"""The one family of refusals that services, selectors, rules and the access policy raise.

Each refusal has a message a user can read, the field it is about (if any) and a stable machine `code`
that tests and API clients match instead of the wording. Pages and the API each map the family once:
`NotFound` is the 404 page (or a JSON 404), `Forbidden` the 403, `Invalid` goes on the field it names (a
400 naming the field), `Conflict` is a 409 (crm/web/errors.py, crm/web/views.py, crm/api/errors.py).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import ClassVar

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError


class DomainError(Exception):
    """A request the business rules refuse; raise one of the subclasses, which say how."""

    default_code: ClassVar[str] = "refused"
    default_message: ClassVar[str] = "This cannot be done."

    def __init__(self, message: str = "", *, field: str | None = None, code: str | None = None) -> None:
        message = message or self.default_message
        super().__init__(message)
        self.message = message
        self.field = field
        self.code = code or self.default_code


class NotFound(DomainError):
    """The record does not exist, or the actor may not see it: either way, it is not there for them."""

    default_code = "not_found"
    default_message = "Not found."


class Forbidden(DomainError):
    """The actor may see the record (or the page) but may not do this to it."""

    default_code = "forbidden"
    default_message = "You do not have permission to do this."


class Invalid(DomainError):
    """The input, or the record's state, refuses the request: the message goes on the field it names.

    `errors` holds every field's messages when there are several (a model's validation): {field:
    [messages]}, None for those about the record as a whole; `message` and `field` are the first.
    """

    default_code = "invalid"

    def __init__(
        self,
        message: str = "",
        *,
        field: str | None = None,
        code: str | None = None,
        errors: Mapping[str | None, Sequence[str]] | None = None,
    ) -> None:
        if errors:
            field, messages = next(iter(errors.items()))
            message = message or messages[0]
        super().__init__(message, field=field, code=code)
        self.errors: dict[str | None, list[str]] = (
            {name: list(messages) for name, messages in errors.items()} if errors else {field: [self.message]}
        )

    @classmethod
    def from_validation_error(cls, error: ValidationError) -> Invalid:
        """Django's ValidationError (a model's full_clean, a parser's check) with its field messages."""
        if hasattr(error, "error_dict"):
            errors: dict[str | None, list[str]] = {
                (None if name == NON_FIELD_ERRORS else name): ValidationError(field_errors).messages
                for name, field_errors in error.error_dict.items()
            }
            first = next(iter(error.error_dict.values()))[0]
        else:
            errors = {None: error.messages}
            first = error.error_list[0]
        return cls(code=first.code or cls.default_code, errors=errors)


class Conflict(DomainError):
    """The record's current state conflicts with the request: an account that still has deals, a deal
    someone else moved first. Repeating the request as it is will not help; the message says what will."""

    default_code = "conflict"


@dataclass(frozen=True)
class Decision:
    """A rule's answer: allowed, or the refusal that says why not.

    True when allowed, so a page asks `if deal_can_be_deleted(user, deal)` to decide what to offer, and
    the service calls `deal_can_be_deleted(actor, deal).ensure()` to raise the same refusal.
    """

    refusal: DomainError | None = None

    def __bool__(self) -> bool:
        return self.refusal is None

    def ensure(self) -> None:
        if self.refusal is not None:
            raise self.refusal


ALLOWED = Decision()


def refused(error: DomainError) -> Decision:
    return Decision(error)
