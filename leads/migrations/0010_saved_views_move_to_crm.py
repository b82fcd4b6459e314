"""The lead list's saved views move to the kernel's table of every list's views (crm.SavedView), as
views of the list "leads"; going back copies them back before the kernel's table loses them."""

from django.db import migrations

COPY_TO_CRM = """
    INSERT INTO crm_savedview (user_id, list, name, query, created_at)
    SELECT user_id, 'leads', name, query, created_at FROM leads_savedview
"""
# Backwards, the leads table is created again (by reversing DeleteModel) before this runs.
COPY_BACK_TO_LEADS = """
    INSERT INTO leads_savedview (user_id, name, query, created_at)
    SELECT user_id, name, query, created_at FROM crm_savedview WHERE list = 'leads';
    DELETE FROM crm_savedview WHERE list = 'leads';
"""


class Migration(migrations.Migration):

    dependencies = [
        ('crm', '0009_savedview'),
        ('leads', '0009_lead_duplicates'),
    ]

    operations = [
        migrations.RunSQL(COPY_TO_CRM, COPY_BACK_TO_LEADS),
        migrations.DeleteModel(name='SavedView'),
    ]
