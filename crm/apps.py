from django.apps import AppConfig


class CrmConfig(AppConfig):
    name = "crm"
    verbose_name = "CRM kernel"

    def ready(self) -> None:
        from . import access
        from .customers.importing import ACCOUNTS, CONTACTS
        from .customers.saved_views import register_saved_customer_lists
        from .home import navigation
        from .imports import job  # noqa: F401  (registers the import job kind)
        from .imports.registry import register_record_type
        from .models import Team, User
        from .people import passwords, security  # noqa: F401  (passwords registers its job kind)
        from .people.importing import TEAMS, USERS
        from .timeline import events, rollup
        from .timeline.importing import ACTIVITIES
        from .web import fragments

        events.register_kernel_event_types()
        access.register_kernel_policies()
        rollup.register_kernel_rollups()
        security.connect()
        register_saved_customer_lists()
        register_record_type(TEAMS)
        register_record_type(USERS)
        register_record_type(ACCOUNTS)
        register_record_type(CONTACTS)
        register_record_type(ACTIVITIES)
        fragments.invalidate_fragments_on_change(User, Team)
        navigation.register_admin_link(navigation.AdminLink("Background jobs", "job-list"))
        navigation.register_admin_link(navigation.AdminLink("Imports", "imports:list"))
