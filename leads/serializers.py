"""The shapes the leads API reads and writes; rules live in leads.services, visibility in leads.selectors.

Owner and team are written as primary keys and read back with their names beside them; both come
from the list selector's joins, so a page of leads costs the same queries as one. Status is writable
here too: it goes through `lead_update`, which checks the transition table like the status endpoint.
"""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from crm.api.serializers import ExternallyKeyedSerializer, name_of
from crm.models import Team, User
from leads.services.leads import BULK_ACTIONS as SERVICE_BULK_ACTIONS
from leads.services.leads import MAX_BULK_LEADS

from .models import IDENTITY_FIELDS, MARKETING_FIELD_ORDER, Lead, LeadStatus

# The bulk actions, each served by one service (leads_bulk_assign, ..._change_status, ..._add_tag, ...).
BULK_ASSIGN = "assign"
BULK_STATUS = "status"
BULK_TAG = "tag"
BULK_DELETE = "delete"
BULK_ACTIONS = list(SERVICE_BULK_ACTIONS.items())
# The input each action needs besides the ids.
BULK_ACTION_NEEDS = {BULK_ASSIGN: "owner", BULK_STATUS: "status", BULK_TAG: "tag"}
# Each lead is its own savepoint with a lock, an audit row and an event (about ten queries): 500 leads
# answer within a few seconds. Larger jobs belong in a background job that reports its progress.
MAX_BULK_IDS = MAX_BULK_LEADS


class LeadSerializer(ExternallyKeyedSerializer):
    display_name = serializers.CharField(
        read_only=True, help_text="The name, else the email, else the company."
    )
    owner = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.all(),
        required=False,
        allow_null=True,
        help_text="Who works the lead. Left out, a sales rep's new lead is theirs and anyone else's waits "
        "in the queue; null puts it back in the queue.",
    )
    owner_name = name_of("owner")
    team = serializers.PrimaryKeyRelatedField(
        queryset=Team.objects.all(),
        required=False,
        allow_null=True,
        help_text="The team whose queue holds the lead while it has no owner.",
    )
    team_name = name_of("team")

    class Meta:
        model = Lead
        fields = [
            "id",
            "display_name",
            *IDENTITY_FIELDS,
            *MARKETING_FIELD_ORDER,
            "status",
            "disqualified_reason",
            "budget",
            "authority",
            "need",
            "timeline",
            "owner",
            "owner_name",
            "team",
            "team_name",
            "score",
            "converted_at",
            "converted_account",
            "converted_contact",
            "external_source",
            "external_id",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "score",
            "converted_at",
            "converted_account",
            "converted_contact",
            "created_at",
            "updated_at",
        ]
        extra_kwargs = {
            "source": {"help_text": 'Where the lead came from; "api" when left out on create.'},
            "status": {
                "help_text": "Changes follow the status transitions; converting happens only by converting."
            },
            "disqualified_reason": {"help_text": "Required when the status is disqualified."},
            "converted_account": {"help_text": "The account the lead became part of (POST /conversions/)."},
            "converted_contact": {"help_text": "The contact the lead became; its activities moved there."},
        }


class LeadStatusChangeSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=LeadStatus.choices)
    reason = serializers.CharField(
        max_length=300, required=False, allow_blank=True, default="", help_text="Required to disqualify."
    )


class LeadBulkSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=BULK_ACTIONS)
    ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1), allow_empty=False, max_length=MAX_BULK_IDS
    )
    owner = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.all(),
        required=False,
        allow_null=True,
        help_text='For "assign": the new owner, or null to put the leads back in the queue.',
    )
    status = serializers.ChoiceField(choices=LeadStatus.choices, required=False, help_text='For "status".')
    reason = serializers.CharField(
        max_length=300,
        required=False,
        allow_blank=True,
        default="",
        help_text='For "status": why, required to disqualify.',
    )
    tag = serializers.CharField(max_length=50, required=False, help_text='For "tag": the tag to add.')

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        needed = BULK_ACTION_NEEDS.get(attrs["action"])
        if needed is not None and needed not in attrs:
            raise serializers.ValidationError({needed: [f'Give "{needed}" to {attrs["action"]} leads.']})
        return attrs


class LeadBulkResultSerializer(serializers.Serializer):
    changed = serializers.ListField(child=serializers.IntegerField(), help_text="The leads changed.")
    refused = serializers.DictField(
        child=serializers.CharField(), help_text="Each lead left unchanged, by id, with the reason."
    )
