from django.apps import AppConfig


class SalesConfig(AppConfig):
    name = "sales"

    def ready(self) -> None:
        from crm.demo.seeding import register_demo_seeder
        from crm.home.navigation import SALES, AdminLink, NavItem, register_admin_link, register_nav_item
        from crm.imports.registry import register_record_type
        from crm.timeline.importing import register_activity_target
        from crm.web.fragments import invalidate_fragments_on_change

        from . import access, events
        from .accounts.panels import register_sales_panels
        from .activity_targets import DEAL_TARGET
        from .catalog.importing import PRODUCTS
        from .conversion.panels import register_conversion_panels
        from .demo.seeding import seed_demo_sales
        from .importing.importer import DEALS
        from .models import LostReason, Pipeline, Product, Stage
        from .onboarding import services as onboarding
        from .saved_views import register_saved_deal_list

        events.register_sales_event_types()
        access.register_sales_policy()
        onboarding.connect()
        register_sales_panels()
        register_conversion_panels()
        invalidate_fragments_on_change(Pipeline, Stage, LostReason, Product)
        register_demo_seeder(seed_demo_sales)
        register_saved_deal_list()
        register_record_type(PRODUCTS)  # before deals, whose lines name products
        register_record_type(DEALS)
        register_activity_target(DEAL_TARGET)
        for label, url_name in [
            ("Pipelines and stages", "sales:pipeline-list"),
            ("Lost reasons", "sales:lost-reason-list"),
            ("Products", "sales:product-list"),
            ("Onboarding templates", "sales:onboarding-template-list"),
            ("Sales settings", "admin:sales_salessettings_changelist"),
        ]:
            register_admin_link(AdminLink(label, url_name))
        for item in [
            NavItem(
                "Pipeline",
                "sales:index",
                "bi-kanban",
                SALES,
                position=20,
                summary="Your deals on the board, stage by stage: move them along, win them, mark them lost.",
            ),
            NavItem(
                "Forecast",
                "sales:forecast",
                "bi-bar-chart-line",
                SALES,
                position=30,
                summary="What the open deals should bring in, month by month, against quota.",
            ),
            NavItem(
                "Sales report",
                "sales:report",
                "bi-trophy",
                SALES,
                position=35,
                summary="Deals won and lost, win rate, deal size and sales cycle per rep and team.",
            ),
        ]:
            register_nav_item(item)
