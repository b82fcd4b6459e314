from django.apps import AppConfig


class LeadsConfig(AppConfig):
    name = "leads"

    def ready(self) -> None:
        from crm.demo import register_demo_seeder

        from . import access, checks, events  # noqa: F401  (checks registers itself)
        from .assignment import receivers as assignment_receivers
        from .assignment.events import register_assignment_event_types
        from .dedupe.events import register_dedupe_event_types
        from .demo import seed_demo_leads

        events.register_lead_event_types()
        register_assignment_event_types()
        register_dedupe_event_types()
        access.register_lead_policy()
        assignment_receivers.connect()
        register_demo_seeder(seed_demo_leads)
