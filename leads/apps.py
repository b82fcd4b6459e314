from django.apps import AppConfig


class LeadsConfig(AppConfig):
    name = "leads"

    def ready(self) -> None:
        from . import access, checks, events  # noqa: F401  (checks registers itself)

        events.register_lead_event_types()
        access.register_lead_policy()
