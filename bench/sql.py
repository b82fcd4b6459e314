"""The seed's SQL building blocks: INSERT ... SELECT for a model, with model defaults for other columns.

Columns the benchmark cares about get an SQL expression from the caller; every other column gets its
model default (or NULL, or now() for auto timestamps), so a new optional field does not break the seed
and a new required one fails with its name.
"""

from __future__ import annotations

from typing import Any

from django.db import connection, models


class SeedError(SystemExit):
    pass


def random_below(column: str, seed: int, n: int | str) -> str:
    """SQL for a pseudo-random integer in [0, n) drawn from `column`: the same row always draws the same."""
    return f"mod(hashint8extended({column}::bigint, {seed}) & 2147483647, {n})::int"


def insert_select(
    model: type[models.Model], expressions: dict[str, str], source: str, params: dict[str, Any]
) -> None:
    table = model._meta.db_table
    columns: list[str] = []
    values: list[str] = []
    for field in model._meta.concrete_fields:
        if field.primary_key:
            continue
        columns.append(connection.ops.quote_name(field.column))
        if field.column in expressions:
            values.append(expressions[field.column])
        else:
            values.append(_default_value(table, field, params))
    unknown = set(expressions) - {field.column for field in model._meta.concrete_fields}
    if unknown:
        raise SeedError(f"bench: {table} has no column {', '.join(sorted(unknown))}; update the seed.")
    execute(f"INSERT INTO {table} ({', '.join(columns)}) SELECT {', '.join(values)} {source}", params)


def _default_value(table: str, field: models.Field[Any, Any], params: dict[str, Any]) -> str:
    if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        return "now()"
    if field.null:
        return "NULL"
    default = field.get_default()
    if default is None:
        raise SeedError(
            f"bench: {table}.{field.column} is required and has no default; give it a value in the seed."
        )
    key = f"default_{table}_{field.column}"
    params[key] = field.get_db_prep_save(default, connection)
    return f"%({key})s::{field.db_type(connection)}"


def execute(sql: str, params: dict[str, Any] | None = None) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
