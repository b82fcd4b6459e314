from datetime import datetime

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.defaultfilters import date as format_date
from django.urls import reverse
from django.utils.html import format_html
from rest_framework.authtoken import admin as authtoken_admin
from rest_framework.authtoken.models import Token, TokenProxy
from simple_history.admin import SimpleHistoryAdmin

from crm.models import Account, Contact, Team, User
from crm.people.tokens import api_token_expires_at, api_tokens_revoke


class MemberInline(admin.TabularInline):
    model = User
    fields = ("username", "first_name", "last_name", "role", "is_active")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "manager"]
    search_fields = ["name"]
    autocomplete_fields = ["manager"]
    inlines = [MemberInline]


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ["username", "email", "first_name", "last_name", "role", "team", "is_active"]
    list_filter = ["role", "team", "is_active", "is_staff"]
    list_select_related = ["team"]
    fieldsets = (
        *(DjangoUserAdmin.fieldsets or ()),
        ("CRM", {"fields": ("role", "team", "time_zone")}),
    )
    add_fieldsets = (
        *DjangoUserAdmin.add_fieldsets,
        ("CRM", {"fields": ("email", "first_name", "last_name", "role", "team")}),
    )
    readonly_fields = ["api_token"]
    actions = ["revoke_api_tokens"]

    def get_fieldsets(self, request, obj=None):  # type: ignore[no-untyped-def]
        fieldsets = super().get_fieldsets(request, obj)
        return fieldsets if obj is None else (*fieldsets, ("API access", {"fields": ("api_token",)}))

    @admin.display(description="API token")
    def api_token(self, user: User) -> str:
        token = Token.objects.filter(user=user).first()
        if token is None:
            return "None: the next sign-in at /api/v1/auth/token/ issues one."
        expires_at = api_token_expires_at(token)
        return format_html(
            'Issued {}, {}. <a href="{}">Revoke</a>',
            _when(token.created),
            f"expires {_when(expires_at)}" if expires_at else "does not expire",
            reverse("admin:authtoken_tokenproxy_delete", args=[user.pk]),
        )

    @admin.action(description="Revoke the API tokens of the selected users", permissions=["change"])
    def revoke_api_tokens(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        revoked = api_tokens_revoke(user_ids=list(queryset.values_list("pk", flat=True)))
        self.message_user(
            request, f"Revoked {revoked} API token{'s' if revoked != 1 else ''}.", messages.SUCCESS
        )


def _when(moment: datetime) -> str:
    return format_date(moment, "j M Y H:i")


# DRF's token list shows every key in full: anyone with the admin could act as any user. This one shows
# who has a token and since when; deleting one revokes it. Tokens are issued by signing in, not here.
admin.site.unregister(TokenProxy)


@admin.register(TokenProxy)
class ApiTokenAdmin(authtoken_admin.TokenAdmin):
    list_display = ("user", "created", "expires")
    fields = ("user", "created", "expires")
    readonly_fields = fields
    list_select_related = ("user",)

    @admin.display(description="Expires")
    def expires(self, token: Token) -> str:
        expires_at = api_token_expires_at(token)
        return _when(expires_at) if expires_at else "Never"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class ReadOnlyRecordAdmin(SimpleHistoryAdmin):
    """Customer records change through the app's services (events, notifications); admin only reads."""

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(Account)
class AccountAdmin(ReadOnlyRecordAdmin):
    list_display = ["name", "domain", "industry", "lifecycle_stage", "owner"]
    list_filter = ["lifecycle_stage", "size"]
    list_select_related = ["owner"]
    search_fields = ["name", "domain"]


@admin.register(Contact)
class ContactAdmin(ReadOnlyRecordAdmin):
    list_display = ["last_name", "first_name", "email", "account", "owner"]
    list_select_related = ["owner", "account"]
    search_fields = ["last_name", "first_name", "email"]
