from django.apps import AppConfig


class CrmConfig(AppConfig):
    name = "crm"
    verbose_name = "CRM kernel"

    def ready(self) -> None:
        from . import access
        from .customers.saved_views import register_saved_customer_lists
        from .home import navigation
        from .models import Team, User
        from .people import passwords, security  # noqa: F401  (passwords registers its job kind)
        from .timeline import events, rollup
        from .web import fragments

        events.register_kernel_event_types()
        access.register_kernel_policies()
        rollup.register_kernel_rollups()
        security.connect()
        register_saved_customer_lists()
        fragments.invalidate_fragments_on_change(User, Team)
        navigation.register_admin_link(navigation.AdminLink("Background jobs", "job-list"))
