from django.apps import AppConfig


class SalesConfig(AppConfig):
    name = "sales"

    def ready(self) -> None:
        from . import access, events
        from .services import onboarding

        events.register_sales_event_types()
        access.register_sales_policy()
        onboarding.connect()
