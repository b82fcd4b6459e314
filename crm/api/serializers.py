"""The shapes the API reads and writes; rules live in the services, visibility in the selectors.

Related records are written as primary keys and read back with their display name beside them
(`owner` + `owner_name`). Every name read here comes from a row the list selector already joins,
so a page of results costs the same number of queries as a single row.
"""

from __future__ import annotations

from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import QuerySet
from rest_framework import serializers
from rest_framework.utils import html

from crm import access
from crm.models import Account, Activity, ActivityKind, Contact, Notification, Task, User
from crm.selectors.customers import account_list


def content_type_label(content_type: ContentType | None) -> str | None:
    """The record type as clients name it: "crm.account" (Django's `Model._meta.label_lower`)."""
    if content_type is None:
        return None
    return f"{content_type.app_label}.{content_type.model}"


def name_of(source: str) -> serializers.StringRelatedField[Any]:
    """The display name of a related record (its str()), or null when there is none."""
    return serializers.StringRelatedField(source=source, allow_null=True)


class CurrencyField(serializers.CharField):
    """A 3-letter currency code (the services check and upper-case it). A blank one is refused in a
    form-encoded body as in JSON: DRF would read a blank optional form field as left out."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(min_length=3, max_length=3, **kwargs)

    def get_value(self, dictionary: Any) -> Any:
        if html.is_html_input(dictionary) and dictionary.get(self.field_name) == "":
            return ""
        return super().get_value(dictionary)


class VisibleAccountField(serializers.PrimaryKeyRelatedField):
    """An account the requesting user may see; any other id reads as one that does not exist."""

    def get_queryset(self) -> QuerySet[Account]:
        return account_list(user=self.context["request"].user)


class AccountSerializer(serializers.ModelSerializer):
    owner = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.all(), required=False, allow_null=True, help_text="Defaults to you."
    )
    owner_name = name_of("owner")

    class Meta:
        model = Account
        fields = [
            "id",
            "name",
            "domain",
            "industry",
            "size",
            "lifecycle_stage",
            "owner",
            "owner_name",
            "billing_street",
            "billing_city",
            "billing_postal_code",
            "billing_region",
            "billing_country",
            "shipping_street",
            "shipping_city",
            "shipping_postal_code",
            "shipping_region",
            "shipping_country",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]


class ContactSerializer(serializers.ModelSerializer):
    owner = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.all(), required=False, allow_null=True, help_text="Defaults to you."
    )
    owner_name = name_of("owner")
    account = VisibleAccountField(required=False, allow_null=True)
    account_name = name_of("account")
    full_name = serializers.CharField(read_only=True)

    class Meta:
        model = Contact
        fields = [
            "id",
            "first_name",
            "last_name",
            "full_name",
            "account",
            "account_name",
            "title",
            "email",
            "phone",
            "email_consent",
            "phone_consent",
            "consent_changed_at",
            "owner",
            "owner_name",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["consent_changed_at", "created_at", "updated_at"]


# Input naming the record a timeline row is attached to: `target_type` ("crm.account") and `target_id`.
class TimelineTargetMixin(serializers.Serializer):
    def validate_target_type(self, value: str | None) -> str | None:
        if value is None:
            return None
        label = value.lower()
        if label not in {model._meta.label_lower for model in access.timeline_models()}:
            raise serializers.ValidationError(f"{value!r} is not a record type with a timeline.")
        return label


class ActivitySerializer(serializers.ModelSerializer):
    author_name = name_of("author")
    target_type = serializers.SerializerMethodField()
    target_id = serializers.IntegerField(source="object_id", read_only=True)

    class Meta:
        model = Activity
        fields = [
            "id",
            "kind",
            "subject",
            "body",
            "occurred_at",
            "author",
            "author_name",
            "target_type",
            "target_id",
            "created_at",
        ]
        read_only_fields = fields

    def get_target_type(self, activity: Activity) -> str:
        return content_type_label(activity.content_type) or ""


class ActivityCreateSerializer(TimelineTargetMixin):
    target_type = serializers.CharField(help_text='The record type, e.g. "crm.account" or "crm.contact".')
    target_id = serializers.IntegerField(min_value=1)
    kind = serializers.ChoiceField(choices=ActivityKind.choices, default=ActivityKind.NOTE)
    subject = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    body = serializers.CharField(required=False, allow_blank=True, default="")
    occurred_at = serializers.DateTimeField(
        required=False, allow_null=True, default=None, help_text="Defaults to now."
    )


class TaskSerializer(serializers.ModelSerializer):
    assignee_name = name_of("assignee")
    created_by_name = name_of("created_by")
    target_type = serializers.SerializerMethodField()
    target_id = serializers.IntegerField(source="object_id", read_only=True, allow_null=True)
    is_done = serializers.BooleanField(read_only=True)
    is_overdue = serializers.BooleanField(read_only=True)

    class Meta:
        model = Task
        fields = [
            "id",
            "title",
            "notes",
            "due_at",
            "assignee",
            "assignee_name",
            "created_by",
            "created_by_name",
            "target_type",
            "target_id",
            "completed_at",
            "is_done",
            "is_overdue",
            "created_at",
        ]
        read_only_fields = fields

    def get_target_type(self, task: Task) -> str | None:
        return content_type_label(task.content_type)


class TaskCreateSerializer(TimelineTargetMixin):
    title = serializers.CharField(max_length=200)
    notes = serializers.CharField(required=False, allow_blank=True, default="")
    due_at = serializers.DateTimeField()
    assignee = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(is_active=True),
        required=False,
        allow_null=True,
        default=None,
        help_text="Defaults to you.",
    )
    target_type = serializers.CharField(
        required=False, allow_null=True, default=None, help_text='The record type, e.g. "crm.account".'
    )
    target_id = serializers.IntegerField(min_value=1, required=False, allow_null=True, default=None)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if (attrs["target_type"] is None) != (attrs["target_id"] is None):
            raise serializers.ValidationError(
                {"target_id": ["Give both target_type and target_id, or neither."]}
            )
        return attrs


class NotificationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Notification
        fields = ["id", "kind", "message", "url", "task", "due_at", "created_at", "read_at"]
        read_only_fields = fields


class NotificationsMarkReadSerializer(serializers.Serializer):
    ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1),
        required=False,
        allow_null=True,
        default=None,
        help_text="The notifications to mark read; leave out to mark every unread one.",
    )


class NotificationsMarkedSerializer(serializers.Serializer):
    marked = serializers.IntegerField(help_text="How many unread notifications were marked read.")


class MeSerializer(serializers.ModelSerializer):
    name = serializers.SerializerMethodField()
    team_name = name_of("team")

    class Meta:
        model = User
        fields = ["id", "username", "name", "first_name", "last_name", "email", "role", "team", "team_name"]
        read_only_fields = fields

    def get_name(self, user: User) -> str:
        return str(user)


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(read_only=True, help_text='Send it as "Authorization: Token <token>".')
    # Not read-only, so that the schema does not call it required: it is left out when tokens never expire.
    expires = serializers.DateTimeField(
        required=False, help_text="When the token stops working; absent when tokens do not expire."
    )
