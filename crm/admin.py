from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from simple_history.admin import SimpleHistoryAdmin

from crm.models import Account, Contact, Team, User


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
        ("CRM", {"fields": ("role", "team")}),
    )
    add_fieldsets = (
        *DjangoUserAdmin.add_fieldsets,
        ("CRM", {"fields": ("email", "first_name", "last_name", "role", "team")}),
    )


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
