"""The shapes the API reads and writes for activities, tasks and notifications; rules live in the
services, visibility in the selectors.

Related records are written as primary keys and read back with their display name beside them
(`assignee` + `assignee_name`). Every name read here comes from a row the list selector already joins,
so a page of results costs the same number of queries as a single row.
"""

from __future__ import annotations

from typing import Any

from django.contrib.contenttypes.models import ContentType
from rest_framework import serializers

from crm import access
from crm.api.serializers import name_of
from crm.models import Activity, ActivityKind, Notification, Task, User


def content_type_label(content_type: ContentType | None) -> str | None:
    """The record type as clients name it: "crm.account" (Django's `Model._meta.label_lower`)."""
    if content_type is None:
        return None
    return f"{content_type.app_label}.{content_type.model}"


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


class TaskUpdateSerializer(serializers.Serializer):
    """The fields a PATCH may change; those left out stay as they are."""

    title = serializers.CharField(max_length=200, required=False)
    notes = serializers.CharField(required=False, allow_blank=True)
    due_at = serializers.DateTimeField(required=False, help_text="A new due time is reminded again.")
    assignee = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(is_active=True), required=False
    )


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
