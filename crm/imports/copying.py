"""Set-based writes for imports: a chunk's records go by COPY into a staging table, then into their table
and their history table with one INSERT … SELECT (or UPDATE … FROM) each.

Django's bulk_create compiles one bind parameter per value and psycopg splits the statement again on
the client: profiled on a 10,000-lead import, four fifths of the time went there, not to PostgreSQL.
COPY sends the rows as a stream, and the history rows never leave the server. The ids of new records
are drawn from their table's sequence first, so every instance knows its id without relying on the
order RETURNING hands them back.

Like bulk_create, these send no model signals and call no save(); the table's constraints still hold.
"""

from __future__ import annotations

import enum
import itertools
from collections.abc import Iterable, Sequence
from typing import Any, TypeVar

from django.db import connection
from django.db.models import Field, JSONField, Model
from django.utils import timezone
from psycopg import sql
from psycopg.types.json import Jsonb

M = TypeVar("M", bound=Model)

# The history table's own columns, besides the copies of the tracked fields (django-simple-history).
_HISTORY_COLUMNS = {"history_id", "history_date", "history_change_reason", "history_type", "history_user_id"}
_stage_names = itertools.count(1)


def records_insert(model: type[M], records: Sequence[M], *, history_user: Model | None = None) -> None:
    """Inserts unsaved `records` and gives each its id; a model with an audit history gets its "created"
    rows too, by `history_user`. Call it inside a transaction."""
    if not records:
        return
    fields = [field for field in model._meta.concrete_fields if not field.primary_key]
    for record, pk in zip(records, _ids_draw(model, len(records)), strict=True):
        record.pk = pk
        for field in fields:
            if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
                field.pre_save(record, add=True)
    columns = [model._meta.pk, *fields]
    stage = _stage(model, columns, records)
    names = _names(columns)
    _execute(
        sql.SQL("INSERT INTO {} ({}) SELECT {} FROM {}").format(
            sql.Identifier(model._meta.db_table), names, names, stage
        )
    )
    for record in records:
        record._state.adding, record._state.db = False, connection.alias
    _history_write(model, stage, "+", history_user)


def records_update(
    model: type[M], records: Sequence[M], fields: Iterable[str], *, history_user: Model | None = None
) -> None:
    """Writes `fields` of saved `records` in one UPDATE; with their "changed" history rows."""
    if not records:
        return
    meta = model._meta
    names = set(fields)
    columns = [meta.pk, *(field for field in meta.concrete_fields if field.name in names)]
    if len(columns) != len(names) + 1:
        raise ValueError(f"{model.__name__} has no columns {sorted(names - {f.name for f in columns})}.")
    stage = _stage(model, columns, records)
    assignments = sql.SQL(", ").join(
        [
            sql.SQL("{} = s.{}").format(sql.Identifier(field.column), sql.Identifier(field.column))
            for field in columns[1:]
        ]
    )
    pk = sql.Identifier(meta.pk.column)
    _execute(
        sql.SQL("UPDATE {} AS t SET {} FROM {} AS s WHERE t.{} = s.{}").format(
            sql.Identifier(meta.db_table), assignments, stage, pk, pk
        )
    )
    _history_write(model, stage, "~", history_user)


def _ids_draw(model: type[Model], count: int) -> list[int]:
    meta = model._meta
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [meta.db_table, meta.pk.column, count],
        )
        return [pk for (pk,) in cursor.fetchall()]


def _stage(model: type[Model], columns: list[Field[Any, Any]], records: Sequence[Model]) -> sql.Identifier:
    """A temporary table of `columns` (typed as the model's table), filled by COPY; dropped at commit."""
    stage = sql.Identifier(f"import_stage_{next(_stage_names)}")
    names = _names(columns)
    _execute(
        sql.SQL("CREATE TEMPORARY TABLE {} ON COMMIT DROP AS SELECT {} FROM {} WITH NO DATA").format(
            stage, names, sql.Identifier(model._meta.db_table)
        )
    )
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(sql.SQL("COPY {} ({}) FROM STDIN").format(stage, names)) as copy,
    ):
        for record in records:
            copy.write_row([_value(field, record) for field in columns])
    return stage


def _value(field: Field[Any, Any], record: Model) -> Any:
    value = getattr(record, field.attname)
    if isinstance(value, enum.Enum):  # a TextChoices member: its value, never its name
        return value.value
    if isinstance(field, JSONField):
        return Jsonb(value)
    return value


def _history_write(model: type[Model], stage: sql.Identifier, kind: str, user: Model | None) -> None:
    """The history rows of the staged records, as they now are in their table."""
    history = getattr(model, "history", None)
    if history is None:
        return
    historical = history.model
    tracked = [field.attname for field in historical.tracked_fields]
    extra = {field.attname for field in historical._meta.concrete_fields} - set(tracked) - _HISTORY_COLUMNS
    if extra:  # a column this writer would leave empty: write the history through the ORM instead
        raise NotImplementedError(f"{historical.__name__} has columns {sorted(extra)}.")
    columns = sql.SQL(", ").join(map(sql.Identifier, tracked))
    source = sql.SQL(", ").join(sql.SQL("t.{}").format(sql.Identifier(name)) for name in tracked)
    pk = sql.Identifier(model._meta.pk.column)
    _execute(
        sql.SQL(
            "INSERT INTO {} ({}, history_date, history_change_reason, history_type, history_user_id) "
            "SELECT {}, %s, '', %s, %s FROM {} AS t JOIN {} AS s ON t.{} = s.{}"
        ).format(
            sql.Identifier(historical._meta.db_table),
            columns,
            source,
            sql.Identifier(model._meta.db_table),
            stage,
            pk,
            pk,
        ),
        [timezone.now(), kind, user.pk if user is not None else None],
    )


def _execute(statement: sql.Composed, params: list[Any] | None = None) -> None:
    """Through Django's cursor, so that the statement is logged and counted as any other."""
    with connection.cursor() as cursor:
        cursor.execute(statement.as_string(cursor.cursor), params)


def _names(columns: list[Field[Any, Any]]) -> sql.Composed:
    return sql.SQL(", ").join(sql.Identifier(field.column) for field in columns)
