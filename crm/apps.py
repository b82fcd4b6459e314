from django.apps import AppConfig


class CrmConfig(AppConfig):
    name = "crm"
    verbose_name = "CRM kernel"

    def ready(self) -> None:
        from . import access
        from .models import Team, User
        from .people import security
        from .timeline import events, rollup
        from .web import fragments

        events.register_kernel_event_types()
        access.register_kernel_policies()
        rollup.register_kernel_rollups()
        security.connect()
        fragments.invalidate_fragments_on_change(User, Team)
