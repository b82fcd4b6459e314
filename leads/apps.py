from django.apps import AppConfig


class LeadsConfig(AppConfig):
    name = "leads"

    def ready(self) -> None:
        from crm.demo import register_demo_seeder

        from . import access, checks, events  # noqa: F401  (checks registers itself)
        from .demo import seed_demo_leads

        events.register_lead_event_types()
        access.register_lead_policy()
        register_demo_seeder(seed_demo_leads)
