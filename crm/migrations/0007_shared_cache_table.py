"""The table of the shared cache (DatabaseCache "crm_cache", crm.settings.base.CACHES).

Created by a migration rather than a separate `createcachetable` step, so that every way of starting
the app (`make run`, the compose file's migrate service, the test database) has it. It is created
whatever CACHES says, so that switching CACHE_URL off later needs no other step.
"""

from django.core.management.commands.createcachetable import Command as CreateCacheTable
from django.db import migrations

CACHE_TABLE = "crm_cache"


def create_cache_table(apps, schema_editor):
    command = CreateCacheTable()
    command.verbosity = 0
    command.create_table(schema_editor.connection.alias, CACHE_TABLE, dry_run=False)


def drop_cache_table(apps, schema_editor):
    schema_editor.execute(f"DROP TABLE IF EXISTS {schema_editor.quote_name(CACHE_TABLE)}")


class Migration(migrations.Migration):

    dependencies = [
        ("crm", "0006_user_time_zone_notification_due_at"),
    ]

    operations = [
        migrations.RunPython(create_cache_table, drop_cache_table, elidable=False),
    ]
