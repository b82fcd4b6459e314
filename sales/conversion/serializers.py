"""What the conversion API reads and writes: the lead to convert with the choices of the conversion page,
and what the conversion made."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from crm.customers.serializers import VisibleAccountField
from sales.models import Pipeline


@extend_schema_field(OpenApiTypes.INT)
class AccountField(VisibleAccountField):
    """A visible account's id, typed for the schema where no model says what the field holds."""


class ConversionRequestSerializer(serializers.Serializer):
    lead = serializers.IntegerField(min_value=1, help_text="A qualified lead you may change.")
    account = AccountField(
        required=False,
        allow_null=True,
        default=None,
        help_text="The account to join; left out, the visible account with the lead's domain or company, "
        "else a new one.",
    )
    create_deal = serializers.BooleanField(default=True)
    deal_name = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    amount = serializers.DecimalField(
        max_digits=14,
        decimal_places=2,
        min_value=0,
        required=False,
        allow_null=True,
        default=None,
        help_text="Defaults to the lead's budget.",
    )
    close_date = serializers.DateField(required=False, allow_null=True, default=None)
    pipeline = serializers.PrimaryKeyRelatedField(
        queryset=Pipeline.objects.filter(is_active=True),
        required=False,
        allow_null=True,
        default=None,
        help_text="Defaults to the default pipeline.",
    )


class ConversionSerializer(serializers.Serializer):
    lead = serializers.IntegerField(source="lead.pk")
    account = serializers.IntegerField(source="account.pk")
    account_name = serializers.CharField(source="account.name")
    account_created = serializers.BooleanField(help_text="False when the lead joined an existing account.")
    contact = serializers.IntegerField(source="contact.pk")
    contact_name = serializers.CharField(source="contact.full_name")
    contact_created = serializers.BooleanField(help_text="False when the account already had this person.")
    deal = serializers.IntegerField(source="deal.pk", allow_null=True)
    deal_name = serializers.CharField(source="deal.name", allow_null=True)
