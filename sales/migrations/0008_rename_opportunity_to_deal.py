"""One word for a deal (issue 11, point 7): what was named opportunity is named deal.

Tables, columns, indexes and constraints are renamed in place (no row is copied); the content types
follow RenameModel. The stored data that names an opportunity follows too: lifecycle event types
("opportunity.won" -> "deal.won"), the keys of their data ("opportunity_id" -> "deal_id") and the
permissions' codenames ("change_opportunity" -> "change_deal").

Index and constraint names Django generated in an existing database (`sales_opportunity_pkey`...) stay as
they are: Django finds them by column, and a fresh database gets `sales_deal_*`.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('sales', '0007_deal_name_parent_index'),
    ]

    operations = [
        migrations.RenameModel(
            old_name='HistoricalOpportunity',
            new_name='HistoricalDeal',
        ),
        migrations.RenameModel(
            old_name='Opportunity',
            new_name='Deal',
        ),
        migrations.RenameModel(
            old_name='OpportunityLine',
            new_name='DealLine',
        ),
        migrations.RenameField(
            model_name='dealline',
            old_name='opportunity',
            new_name='deal',
        ),
        migrations.RenameField(
            model_name='onboarding',
            old_name='opportunity',
            new_name='deal',
        ),
        migrations.RenameField(
            model_name='stagevisit',
            old_name='opportunity',
            new_name='deal',
        ),
        migrations.RenameIndex(
            model_name='deal',
            new_name='deal_stage_recent',
            old_name='opportunity_stage_recent',
        ),
        migrations.RenameIndex(
            model_name='deal',
            new_name='deal_recent',
            old_name='opportunity_recent',
        ),
        migrations.RenameIndex(
            model_name='deal',
            new_name='deal_status_close',
            old_name='opportunity_status_close',
        ),
        migrations.RenameIndex(
            model_name='deal',
            new_name='deal_account',
            old_name='opportunity_account',
        ),
        migrations.RenameIndex(
            model_name='deal',
            new_name='deal_renewal_due',
            old_name='opportunity_renewal_due',
        ),
        migrations.RenameIndex(
            model_name='deal',
            new_name='deal_amount',
            old_name='opportunity_amount',
        ),
        migrations.RenameIndex(
            model_name='deal',
            new_name='deal_owner_status',
            old_name='opportunity_owner_status',
        ),
        migrations.RenameIndex(
            model_name='deal',
            new_name='deal_owner_board',
            old_name='opportunity_owner_board',
        ),
        migrations.RenameIndex(
            model_name='deal',
            new_name='deal_owner_won',
            old_name='opportunity_owner_won',
        ),
        migrations.RenameIndex(
            model_name='deal',
            new_name='deal_status_closed',
            old_name='opportunity_status_closed',
        ),
        migrations.RenameIndex(
            model_name='deal',
            new_name='deal_owner_parents',
            old_name='opportunity_owner_parents',
        ),
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    sql='ALTER TABLE "sales_deal" RENAME CONSTRAINT "opportunity_amount_not_negative" TO "deal_amount_not_negative"',
                    reverse_sql='ALTER TABLE "sales_deal" RENAME CONSTRAINT "deal_amount_not_negative" TO "opportunity_amount_not_negative"',
                ),
            ],
            state_operations=[
                migrations.RemoveConstraint(
                    model_name='deal',
                    name='opportunity_amount_not_negative',
                ),
                migrations.AddConstraint(
                    model_name='deal',
                    constraint=models.CheckConstraint(condition=models.Q(('amount__gte', 0)), name='deal_amount_not_negative'),
                ),
            ],
        ),
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    sql='ALTER TABLE "sales_deal" RENAME CONSTRAINT "opportunity_status_known" TO "deal_status_known"',
                    reverse_sql='ALTER TABLE "sales_deal" RENAME CONSTRAINT "deal_status_known" TO "opportunity_status_known"',
                ),
            ],
            state_operations=[
                migrations.RemoveConstraint(
                    model_name='deal',
                    name='opportunity_status_known',
                ),
                migrations.AddConstraint(
                    model_name='deal',
                    constraint=models.CheckConstraint(condition=models.Q(('status__in', ['open', 'won', 'lost'])), name='deal_status_known'),
                ),
            ],
        ),
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    sql='ALTER TABLE "sales_deal" RENAME CONSTRAINT "opportunity_lost_has_reason" TO "deal_lost_has_reason"',
                    reverse_sql='ALTER TABLE "sales_deal" RENAME CONSTRAINT "deal_lost_has_reason" TO "opportunity_lost_has_reason"',
                ),
            ],
            state_operations=[
                migrations.RemoveConstraint(
                    model_name='deal',
                    name='opportunity_lost_has_reason',
                ),
                migrations.AddConstraint(
                    model_name='deal',
                    constraint=models.CheckConstraint(condition=models.Q(models.Q(('status', 'lost'), _negated=True), ('lost_reason__isnull', False), _connector='OR'), name='deal_lost_has_reason', violation_error_message='Choose why the deal was lost.'),
                ),
            ],
        ),
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    sql='ALTER TABLE "sales_deal" RENAME CONSTRAINT "opportunity_closed_has_date" TO "deal_closed_has_date"',
                    reverse_sql='ALTER TABLE "sales_deal" RENAME CONSTRAINT "deal_closed_has_date" TO "opportunity_closed_has_date"',
                ),
            ],
            state_operations=[
                migrations.RemoveConstraint(
                    model_name='deal',
                    name='opportunity_closed_has_date',
                ),
                migrations.AddConstraint(
                    model_name='deal',
                    constraint=models.CheckConstraint(condition=models.Q(('status', 'open'), ('closed_at__isnull', False), _connector='OR'), name='deal_closed_has_date'),
                ),
            ],
        ),
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    sql='ALTER TABLE "sales_deal" RENAME CONSTRAINT "opportunity_contract_ends_after_start" TO "deal_contract_ends_after_start"',
                    reverse_sql='ALTER TABLE "sales_deal" RENAME CONSTRAINT "deal_contract_ends_after_start" TO "opportunity_contract_ends_after_start"',
                ),
            ],
            state_operations=[
                migrations.RemoveConstraint(
                    model_name='deal',
                    name='opportunity_contract_ends_after_start',
                ),
                migrations.AddConstraint(
                    model_name='deal',
                    constraint=models.CheckConstraint(condition=models.Q(('contract_end__isnull', True), ('contract_start__isnull', True), ('contract_end__gte', models.F('contract_start')), _connector='OR'), name='deal_contract_ends_after_start', violation_error_message='The contract must end after it starts.'),
                ),
            ],
        ),
        migrations.AlterModelOptions(
            name='deal',
            options={'ordering': ['-created_at', '-id']},
        ),
        migrations.AlterModelOptions(
            name='dealline',
            options={'ordering': ['deal', 'position', 'id']},
        ),
        migrations.AlterModelOptions(
            name='stagevisit',
            options={'ordering': ['deal', 'entered_at', 'id']},
        ),
        migrations.AlterField(
            model_name='deal',
            name='account',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='deals', to='crm.account'),
        ),
        migrations.AlterField(
            model_name='deal',
            name='lost_reason',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='deals', to='sales.lostreason'),
        ),
        migrations.AlterField(
            model_name='deal',
            name='owner',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='deals', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AlterField(
            model_name='deal',
            name='pipeline',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='deals', to='sales.pipeline'),
        ),
        migrations.AlterField(
            model_name='deal',
            name='primary_contact',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='deals', to='crm.contact'),
        ),
        migrations.AlterField(
            model_name='deal',
            name='source_lead',
            field=models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='deal', to='leads.lead'),
        ),
        migrations.AlterField(
            model_name='deal',
            name='stage',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='deals', to='sales.stage'),
        ),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveConstraint(
                    model_name='stagevisit',
                    name='stage_visit_one_current',
                ),
                migrations.AddConstraint(
                    model_name='stagevisit',
                    constraint=models.UniqueConstraint(condition=models.Q(('left_at__isnull', True)), fields=('deal',), name='stage_visit_one_current'),
                ),
            ],
        ),
        migrations.RunSQL(
            sql="UPDATE crm_lifecycleevent SET type = regexp_replace(regexp_replace(type, 'opportunities', 'deals', 'g'), 'opportunity', 'deal', 'g') WHERE type LIKE '%opportunit%'",
            reverse_sql="UPDATE crm_lifecycleevent SET type = 'opportunity.' || substr(type, 6) WHERE type LIKE 'deal.%'",
        ),
        migrations.RunSQL(
            sql="UPDATE crm_lifecycleevent SET data = (SELECT jsonb_object_agg(regexp_replace(regexp_replace(key, 'opportunities', 'deals', 'g'), 'opportunity', 'deal', 'g'), value) FROM jsonb_each(data)) WHERE jsonb_typeof(data) = 'object' AND EXISTS (SELECT FROM jsonb_object_keys(data) AS key WHERE key LIKE '%opportunit%')",
            reverse_sql="UPDATE crm_lifecycleevent SET data = (data - 'deal' - 'deal_id') || jsonb_build_object('opportunity', data -> 'deal', 'opportunity_id', data -> 'deal_id') WHERE data ? 'deal_id'",
        ),
        migrations.RunSQL(
            sql="UPDATE auth_permission AS p SET codename = r.new FROM (VALUES ('add_historicalopportunity', 'add_historicaldeal'), ('change_historicalopportunity', 'change_historicaldeal'), ('delete_historicalopportunity', 'delete_historicaldeal'), ('view_historicalopportunity', 'view_historicaldeal'), ('add_opportunity', 'add_deal'), ('change_opportunity', 'change_deal'), ('delete_opportunity', 'delete_deal'), ('view_opportunity', 'view_deal'), ('add_opportunityline', 'add_dealline'), ('change_opportunityline', 'change_dealline'), ('delete_opportunityline', 'delete_dealline'), ('view_opportunityline', 'view_dealline')) AS r(old, new) WHERE p.codename = r.old AND p.content_type_id IN (SELECT id FROM django_content_type WHERE app_label = 'sales')",
            reverse_sql="UPDATE auth_permission AS p SET codename = r.old FROM (VALUES ('add_historicalopportunity', 'add_historicaldeal'), ('change_historicalopportunity', 'change_historicaldeal'), ('delete_historicalopportunity', 'delete_historicaldeal'), ('view_historicalopportunity', 'view_historicaldeal'), ('add_opportunity', 'add_deal'), ('change_opportunity', 'change_deal'), ('delete_opportunity', 'delete_deal'), ('view_opportunity', 'view_deal'), ('add_opportunityline', 'add_dealline'), ('change_opportunityline', 'change_dealline'), ('delete_opportunityline', 'delete_dealline'), ('view_opportunityline', 'view_dealline')) AS r(old, new) WHERE p.codename = r.new AND p.content_type_id IN (SELECT id FROM django_content_type WHERE app_label = 'sales')",
        ),
    ]
