"""The record types a file can be imported into: each app registers its own in `AppConfig.ready()`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from django.db.models import Model

from crm import access
from crm.errors import NotFound
from crm.models import RecordImport, User

from .mapping import ImportFields
from .running import Importer
from .values import ValueSet


class RecordImporter(Importer[Any], Protocol):
    def value_sets(self) -> dict[str, ValueSet]:
        """The options of the record type's choice columns (crm.imports.values)."""
        ...


@dataclass(frozen=True)
class RecordType:
    kind: str  # the key in URLs and on the import row: "accounts"
    label: str  # "Accounts"
    model: type[Model]
    fields: ImportFields
    importer: Callable[[RecordImport], RecordImporter]
    list_url: str  # the URL name of the records' list, where a finished import leads
    admins_only: bool = False
    date_fields: frozenset[str] = frozenset()  # whose cells may need the user to say the dates' order

    def may_import(self, user: User) -> bool:
        if self.admins_only:
            return user.is_admin
        return access.can_create(user, self.model)


_types: dict[str, RecordType] = {}


def register_record_type(record_type: RecordType) -> None:
    _types[record_type.kind] = record_type


def record_type(kind: str) -> RecordType:
    try:
        return _types[kind]
    except KeyError:
        raise NotFound from None


def record_types_for(user: User) -> list[RecordType]:
    """The record types `user` may import, in the order the lifecycle meets them."""
    return [record_type for record_type in _types.values() if record_type.may_import(user)]
