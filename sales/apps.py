from django.apps import AppConfig


class SalesConfig(AppConfig):
    name = "sales"

    def ready(self) -> None:
        from crm.demo import register_demo_seeder

        from . import access, events
        from .demo import seed_demo_sales
        from .services import onboarding

        events.register_sales_event_types()
        access.register_sales_policy()
        onboarding.connect()
        register_demo_seeder(seed_demo_sales)
