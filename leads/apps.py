from django.apps import AppConfig


class LeadsConfig(AppConfig):
    name = "leads"

    def ready(self) -> None:
        from crm.demo import register_demo_seeder
        from crm.navigation import AdminLink, register_admin_link, register_user_menu_template

        from . import access, checks, events  # noqa: F401  (checks registers itself)
        from .assignment import receivers as assignment_receivers
        from .assignment.events import register_assignment_event_types
        from .dedupe.events import register_dedupe_event_types
        from .demo import seed_demo_leads
        from .scoring import receivers as scoring_receivers
        from .scoring.events import register_scoring_event_types

        events.register_lead_event_types()
        register_assignment_event_types()
        register_dedupe_event_types()
        register_scoring_event_types()
        access.register_lead_policy()
        assignment_receivers.connect()
        scoring_receivers.connect()
        register_demo_seeder(seed_demo_leads)
        for label, url_name in [
            ("Lead assignment rules", "leads:assignment-rules"),
            ("Lead scoring rules", "leads:scoring-rules"),
            ("Web-to-lead forms", "leads:webform-list"),
            ("Lead settings", "admin:leads_leadsettings_changelist"),
        ]:
            register_admin_link(AdminLink(label, url_name))
        register_user_menu_template("leads/assignment/_away_toggle.html")
