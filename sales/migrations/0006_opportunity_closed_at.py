"""`closed_at` is when a deal was won or lost, apart from `close_date`, when it was expected to close.

Until now a win or a loss overwrote the expected close date with the day of the close (closed_at was
already set then, so it needs no filling in). The backfill gives each closed deal back the expected
close date it had while it was open, from its history, where the close overwrote it: where the date
still is the close's day and the last open version of the deal had another one. A date someone typed
in after the close is left alone. The indexes follow the reads that now use closed_at: the board's
recent wins and losses and the forecast's wins by month.
"""

from django.apps.registry import Apps
from django.conf import settings
from django.db import migrations, models
from django.db.backends.base.schema import BaseDatabaseSchemaEditor

RESTORE_EXPECTED_CLOSE_DATE = """
UPDATE sales_opportunity AS deal
SET close_date = last_open.close_date
FROM (
    SELECT DISTINCT ON (id) id, close_date
    FROM sales_historicalopportunity
    WHERE status = 'open'
    ORDER BY id, history_date DESC, history_id DESC
) AS last_open
WHERE deal.id = last_open.id
  AND deal.status IN ('won', 'lost')
  AND deal.closed_at IS NOT NULL
  AND deal.close_date = (deal.closed_at AT TIME ZONE %s)::date
  AND last_open.close_date IS DISTINCT FROM deal.close_date
"""


def restore_expected_close_dates(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    schema_editor.execute(RESTORE_EXPECTED_CLOSE_DATE, params=[settings.TIME_ZONE])


class Migration(migrations.Migration):
    dependencies = [
        ("sales", "0005_opportunity_forecast_covering_index"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="opportunity",
            name="opportunity_owner_board",
        ),
        migrations.AlterField(
            model_name="historicalopportunity",
            name="closed_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="closed"),
        ),
        migrations.AlterField(
            model_name="opportunity",
            name="closed_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="closed"),
        ),
        migrations.AddIndex(
            model_name="opportunity",
            index=models.Index(
                fields=["owner", "stage"],
                include=("status", "closed_at", "amount", "currency"),
                name="opportunity_owner_board",
            ),
        ),
        migrations.AddIndex(
            model_name="opportunity",
            index=models.Index(
                condition=models.Q(("status", "won")),
                fields=["owner", "closed_at"],
                include=("amount", "currency"),
                name="opportunity_owner_won",
            ),
        ),
        migrations.AddIndex(
            model_name="opportunity",
            index=models.Index(fields=["status", "closed_at", "id"], name="opportunity_status_closed"),
        ),
        migrations.RunPython(restore_expected_close_dates, migrations.RunPython.noop, elidable=True),
    ]
