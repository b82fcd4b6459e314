from django import forms
from django.contrib import admin
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from crm.money import currency_problem

from .models import SalesSettings


class SalesSettingsForm(forms.ModelForm):
    class Meta:
        model = SalesSettings
        fields = ["default_currency", "reps_see_team_board", "renewal_lead_days"]

    def clean_default_currency(self) -> str:
        currency = self.cleaned_data["default_currency"]
        if problem := currency_problem(currency):
            raise forms.ValidationError(problem)
        return str(currency).strip().upper()


def _is_admin(request: HttpRequest) -> bool:
    user = request.user
    return bool(user.is_active and getattr(user, "is_admin", False))


@admin.register(SalesSettings)
class SalesSettingsAdmin(admin.ModelAdmin):
    """The one settings row: edited in place, never added twice or deleted."""

    form = SalesSettingsForm
    fieldsets = [
        ("Deals", {"fields": ["default_currency", "reps_see_team_board"]}),
        ("Renewals", {"fields": ["renewal_lead_days"]}),
    ]

    # The CRM's admins (by role, not only superusers) own the sales settings, as the settings pages say.
    def has_module_permission(self, request: HttpRequest) -> bool:
        return _is_admin(request)

    def has_view_permission(self, request: HttpRequest, obj: SalesSettings | None = None) -> bool:
        return _is_admin(request)

    def has_change_permission(self, request: HttpRequest, obj: SalesSettings | None = None) -> bool:
        return _is_admin(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: SalesSettings | None = None) -> bool:
        return False

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, object] | None = None
    ) -> HttpResponse:
        # A list of one row is a detour: the admin link opens the settings themselves.
        settings = SalesSettings.current()
        return HttpResponseRedirect(reverse("admin:sales_salessettings_change", args=[settings.pk]))
