from django.apps import AppConfig


class LeadsConfig(AppConfig):
    name = "leads"

    def ready(self) -> None:
        from crm.demo.seeding import register_demo_seeder
        from crm.home.navigation import (
            SALES,
            AdminLink,
            NavItem,
            register_admin_link,
            register_nav_item,
            register_user_menu_template,
        )
        from crm.models import Role
        from crm.timeline.importing import register_activity_target

        from . import access, checks, events  # noqa: F401  (checks registers itself)
        from .activity_targets import LEAD_TARGET
        from .assignment import receivers as assignment_receivers
        from .assignment.events import register_assignment_event_types
        from .dedupe.events import register_dedupe_event_types
        from .demo.seeding import seed_demo_leads
        from .importing import running as import_job  # noqa: F401  (registers the import job kind)
        from .saved_views import register_saved_lead_list
        from .scoring import receivers as scoring_receivers
        from .scoring import services as rescore_job  # noqa: F401  (registers the rescore job kind)
        from .scoring.events import register_scoring_event_types
        from .webforms.events import register_webform_event_types

        events.register_lead_event_types()
        register_assignment_event_types()
        register_dedupe_event_types()
        register_scoring_event_types()
        register_webform_event_types()
        access.register_lead_policy()
        access.register_webform_policy()
        assignment_receivers.connect()
        scoring_receivers.connect()
        register_demo_seeder(seed_demo_leads)
        register_saved_lead_list()
        register_activity_target(LEAD_TARGET)
        for label, url_name, roles in [
            ("Lead assignment rules", "leads:assignment-rules", frozenset[str]()),
            ("Lead scoring rules", "leads:scoring-rules", frozenset[str]()),
            ("Web-to-lead forms", "leads:webform-list", access.WEBFORM_DESIGNER_ROLES),
            ("Lead settings", "admin:leads_leadsettings_changelist", frozenset[str]()),
        ]:
            register_admin_link(AdminLink(label, url_name, roles))
        register_user_menu_template("leads/assignment/_away_toggle.html")
        register_nav_item(
            NavItem(
                "Leads",
                "leads:index",
                "bi-funnel",
                SALES | {Role.MARKETER},
                position=10,
                summary="Leads from web forms, imports and the API: qualify them, assign them, convert them.",
            )
        )
