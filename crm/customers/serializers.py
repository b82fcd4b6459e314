"""The shapes the API reads and writes for accounts and contacts; rules live in the services, visibility
in the selectors."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from crm.api.serializers import ExternallyKeyedSerializer, name_of
from crm.customers.account360 import AccountEntry
from crm.customers.selectors import account_list
from crm.models import Account, Activity, ActivityKind, Contact, LifecycleEvent, User
from crm.templatetags.crm_ui import event_summary
from crm.timeline.events import find_event_type


class VisibleAccountField(serializers.PrimaryKeyRelatedField):
    """An account the requesting user may see; any other id reads as one that does not exist."""

    def get_queryset(self) -> QuerySet[Account]:
        return account_list(user=self.context["request"].user)


class AccountSerializer(ExternallyKeyedSerializer):
    owner = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.all(), required=False, allow_null=True, help_text="Defaults to you."
    )
    owner_name = name_of("owner")
    # Field has a `parent` attribute too; the serializer's metaclass takes declared fields off the class.
    parent = VisibleAccountField(  # type: ignore[assignment]
        required=False, allow_null=True, help_text="The group it belongs to."
    )

    class Meta:
        model = Account
        fields = [
            "id",
            "name",
            "domain",
            "industry",
            "size",
            "employee_count",
            "annual_revenue",
            "year_founded",
            "parent",
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
            "external_source",
            "external_id",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]


class ContactSerializer(ExternallyKeyedSerializer):
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
            "external_source",
            "external_id",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["consent_changed_at", "created_at", "updated_at"]


# Input naming the record a timeline row is attached to: `target_type` ("crm.account") and `target_id`.


ACTIVITY_LABELS: dict[str, str] = dict(ActivityKind.choices)


class TimelineTargetSerializer(serializers.Serializer):
    type = serializers.CharField(
        help_text='The record type, e.g. "crm.account", "crm.contact", "sales.deal".'
    )
    id = serializers.IntegerField()
    name = serializers.CharField(allow_null=True, help_text="Null once the record is deleted.")


class TimelinePersonSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class AccountTimelineEntrySerializer(serializers.Serializer):
    """One row of an account's 360 timeline (crm.customers.account360.AccountEntry): an activity or a
    lifecycle event of the account or of a record that rolls up to it, with the texts the page prints.
    Every value comes from the rows the selector loaded: a page costs the same queries however long.
    Needs the account in the context (`account`): a row on the account itself names it."""

    kind = serializers.ChoiceField(choices=["activity", "event"], read_only=True)
    id = serializers.IntegerField(source="item.pk", read_only=True, help_text="The activity's or event's id.")
    occurred_at = serializers.DateTimeField(source="at", read_only=True)
    type = serializers.SerializerMethodField(
        help_text='The activity\'s kind ("call", "note"...) or the event\'s type ("deal.stage_changed"...).'
    )
    type_label = serializers.SerializerMethodField(help_text='How the page names it: "Call", "Deal won"...')
    subject = serializers.SerializerMethodField(help_text="The activity's subject; blank for an event.")
    body = serializers.SerializerMethodField(help_text="The activity's text; blank for an event.")
    summary = serializers.SerializerMethodField(
        help_text='What the event records, as the page reads it ("New → Working"); blank for an activity.'
    )
    target = serializers.SerializerMethodField(
        help_text="The record the row is on: the account or one under it."
    )
    author = serializers.SerializerMethodField(
        help_text="Who logged the activity or acted in the event; null when the page says Someone or System."
    )

    def get_type(self, entry: AccountEntry) -> str:
        item = entry.item
        if isinstance(item, Activity):
            return item.kind
        return item.type if isinstance(item, LifecycleEvent) else entry.kind

    def get_type_label(self, entry: AccountEntry) -> str:
        item = entry.item
        if isinstance(item, Activity):
            return ACTIVITY_LABELS.get(item.kind, item.kind)
        found = find_event_type(item.type) if isinstance(item, LifecycleEvent) else None
        return found.label if found is not None else self.get_type(entry)

    def get_subject(self, entry: AccountEntry) -> str:
        return entry.item.subject if isinstance(entry.item, Activity) else ""

    def get_body(self, entry: AccountEntry) -> str:
        return entry.item.body if isinstance(entry.item, Activity) else ""

    def get_summary(self, entry: AccountEntry) -> str:
        return event_summary(entry.item) if isinstance(entry.item, LifecycleEvent) else ""

    @extend_schema_field(TimelineTargetSerializer(allow_null=True))
    def get_target(self, entry: AccountEntry) -> dict[str, Any] | None:
        content_type, object_id = entry.item.content_type, entry.item.object_id
        if content_type is None or object_id is None:
            return None
        record = self.context["account"] if entry.on_account else entry.on
        return {
            "type": f"{content_type.app_label}.{content_type.model}",
            "id": object_id,
            "name": str(record) if record is not None else None,
        }

    @extend_schema_field(TimelinePersonSerializer(allow_null=True))
    def get_author(self, entry: AccountEntry) -> dict[str, Any] | None:
        item = entry.item
        person: User | None = None
        if isinstance(item, Activity):
            person = item.author
        elif isinstance(item, LifecycleEvent):
            person = item.actor
        return {"id": person.pk, "name": str(person)} if person is not None else None
