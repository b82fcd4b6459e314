"""The seed's guards: it never empties a database that is not its own, stops before seeding when the disk
is too small (saying how much it needs and where), and loses no index it drops for a bulk load."""

from dataclasses import replace

import pytest
from django.db import connection

from bench import database, disk, seed, seed_schema, seed_state, snapshot
from bench.scales import SCALES
from crm.models import Account
from tests.factories.customers import AccountFactory


def test_the_harness_refuses_a_connection_to_any_database_but_its_own():
    with pytest.raises(database.NotOurDatabase) as refused:
        database.ensure_bench_database()

    assert "refusing to run" in str(refused.value)
    assert repr(connection.settings_dict["NAME"]) in str(refused.value)


@pytest.mark.django_db
def test_seeding_refuses_to_empty_a_database_that_is_not_the_benchmarks():
    account = AccountFactory()

    with pytest.raises(SystemExit, match="refusing to empty"):
        seed.seed(SCALES["tiny"])

    assert Account.objects.filter(pk=account.pk).exists()


@pytest.mark.django_db
def test_a_scale_too_large_for_the_disk_stops_before_seeding_with_what_it_needs_and_what_is_free():
    galactic = replace(SCALES["full"], leads=10**15)

    with pytest.raises(disk.NotEnoughDisk) as stopped:
        disk.check("galactic", galactic, reclaimed=0)

    message = str(stopped.value)
    assert message.startswith("bench: not enough disk: seeding galactic needs about ")
    assert " free on " in message
    assert disk.room().path in message
    assert "BENCH_SCALE=small" in message


@pytest.mark.django_db
def test_the_disk_check_says_where_it_looked_and_lets_a_small_scale_through(capsys):
    disk.check("tiny", SCALES["tiny"], reclaimed=0)

    printed = capsys.readouterr().out
    assert printed.startswith("bench: seeding tiny needs about ")
    assert f"free on {disk.room().path}, " in printed


def test_the_full_scale_needs_about_eight_gigabytes_with_its_snapshot():
    total, parts = disk.needed(SCALES["full"])

    assert 7 * 2**30 < total < 10 * 2**30
    assert parts.startswith("the data 3.")


@pytest.mark.django_db
def test_a_database_named_like_a_snapshot_but_not_made_by_the_harness_is_refused():
    name = snapshot.name_for("guardtest")
    quote = connection.ops.quote_name
    with connection._nodb_cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS {quote(name)}")
        cursor.execute(f"CREATE DATABASE {quote(name)}")
    try:
        with pytest.raises(database.NotOurDatabase, match="is not a benchmark snapshot"):
            snapshot.find("guardtest")
    finally:
        with connection._nodb_cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS {quote(name)}")


def _indexes(table: str) -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE tablename = %s", [table])
        return {definition for (definition,) in cursor.fetchall()}


def _foreign_keys(table: str) -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conname FROM pg_constraint WHERE contype = 'f' AND conrelid = %s::regclass", [table]
        )
        return {name for (name,) in cursor.fetchall()}


@pytest.mark.django_db
def test_indexes_and_keys_dropped_for_a_bulk_load_are_journaled_and_built_again_as_they_were():
    table = Account._meta.db_table
    indexes, keys = _indexes(table), _foreign_keys(table)

    dropped = seed_schema.drop([table])

    assert dropped == len(indexes - _indexes(table)) + len(keys)
    assert _foreign_keys(table) == set()
    assert len(_indexes(table)) < len(indexes)
    jobs = seed_schema.rebuild_jobs()
    assert len(jobs) == dropped
    for job in jobs:  # on this connection: the test's transaction holds the drops
        job()
    assert _indexes(table) == indexes
    assert _foreign_keys(table) == keys
    assert seed_schema.rebuild_jobs() == []


def test_the_seed_is_seeded_again_after_a_change_to_its_code_but_not_to_its_comments(tmp_path, monkeypatch):
    module = tmp_path / "seed_example.py"
    monkeypatch.setattr(seed_state, "SEED_CODE", [module])
    module.write_text('"""Leads."""\n\nCOLUMNS = {"status": "\'new\'"}  # the usual\n')
    before = seed_state.code_digest()

    module.write_text('"""Leads, reworded."""\n\n# Most are new.\nCOLUMNS = {\n    "status": "\'new\'",\n}\n')
    assert seed_state.code_digest() == before

    module.write_text('"""Leads."""\n\nCOLUMNS = {"status": "\'working\'"}\n')
    assert seed_state.code_digest() != before
