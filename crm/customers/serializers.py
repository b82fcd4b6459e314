"""The shapes the API reads and writes for accounts and contacts; rules live in the services, visibility
in the selectors."""

from __future__ import annotations

from django.db.models import QuerySet
from rest_framework import serializers

from crm.api.serializers import ExternallyKeyedSerializer, name_of
from crm.customers.selectors import account_list
from crm.models import Account, Contact, User


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
