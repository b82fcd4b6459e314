"""Duplicate leads through the API: a lead's possible duplicates (the lead page's panel) and the merge
screen, compare and merge (/api/v1/leads/{id}/duplicates/ and /api/v1/leads/{id}/merge/{merged_id}/).

The same selectors, rule and service as the pages: whoever sees a lead reads its duplicates; merging
needs both leads visible (else a 404), changeable and mergeable by the user's role (the policy's
"merge" act, else a 403), and neither converted (a 400). The lead in the address is the one kept; the
other's timeline, tasks, history and submissions move to it, its tags join, and it is deleted.
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response

from crm.api.serializers import name_of
from crm.api.views import NOT_FOUND, actor, record_id
from crm.errors import NotFound
from leads.models import Lead, LeadMerge, LeadStatus
from leads.selectors import lead_get
from leads.serializers import LeadSerializer

from .fields import MERGE_FIELDS, SIDES
from .matching import Candidate
from .selectors import MergePreview, duplicate_panel_context, merge_preview
from .services import check_merge, lead_merge

KEPT = OpenApiParameter("id", int, OpenApiParameter.PATH, description="The lead that is kept.")
MERGED = OpenApiParameter(
    "merged_id", int, OpenApiParameter.PATH, description="The lead merged into it, then deleted."
)
MAY_NOT_MERGE = OpenApiResponse(
    description="You may see a lead but not change it, or your role does not merge leads."
)
REFUSED = OpenApiResponse(
    description="The merge is refused (a converted lead, a lead merged with itself, a bad pick); the body "
    "says why."
)


def _merge_url(context: dict[str, Any], kept: int, merged: int) -> str:
    url = reverse("api-lead-merge", kwargs={"id": kept, "merged_id": merged})
    request = context.get("request")
    return request.build_absolute_uri(url) if request is not None else url


class DuplicateLeadSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="lead.pk")
    display_name = serializers.CharField(source="lead.display_name")
    company = serializers.CharField(source="lead.company")
    email = serializers.CharField(source="lead.email")
    status = serializers.ChoiceField(source="lead.status", choices=LeadStatus.choices)
    owner = serializers.IntegerField(source="lead.owner_id", allow_null=True)
    owner_name = name_of("lead.owner")
    reasons = serializers.ListField(
        child=serializers.CharField(), help_text='Why it looks alike, e.g. "same email".'
    )
    similarity = serializers.FloatField(help_text="The name's and company's likeness, 0 to 1.")
    can_merge = serializers.BooleanField(help_text="Whether you may merge it into this lead.")
    merge_url = serializers.SerializerMethodField(
        help_text="Compare (GET) and merge (POST) it into this lead; null when you may not."
    )

    def get_merge_url(self, candidate: Candidate) -> str | None:
        if not candidate.can_merge or candidate.lead is None:
            return None
        return _merge_url(self.context, self.context["lead_id"], candidate.lead.pk)


class DuplicateContactSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="contact.pk")
    full_name = serializers.CharField(source="contact.full_name")
    email = serializers.CharField(source="contact.email")
    account = serializers.IntegerField(source="contact.account_id", allow_null=True)
    account_name = name_of("contact.account")
    reasons = serializers.ListField(child=serializers.CharField())


class DuplicatesSerializer(serializers.Serializer):
    pending = serializers.BooleanField(
        help_text="The lead's duplicate check is due: `leads` is empty until it has run; ask again shortly."
    )
    leads = DuplicateLeadSerializer(many=True)
    contacts = DuplicateContactSerializer(many=True, help_text="Contacts with the lead's email address.")


class FieldDifferenceSerializer(serializers.Serializer):
    field = serializers.CharField(source="name")
    label = serializers.CharField()  # type: ignore[assignment]  # a field, not Field.label
    kept = serializers.CharField(help_text="The kept lead's value, as shown.")
    merged = serializers.CharField(help_text="The merged lead's value, as shown.")
    suggested = serializers.ChoiceField(
        source="initial", choices=SIDES, help_text="The side kept when the merge does not say."
    )


class MergePreviewSerializer(serializers.Serializer):
    kept = serializers.IntegerField(source="kept.pk")
    kept_name = serializers.CharField(source="kept.display_name")
    merged = serializers.IntegerField(source="merged.pk")
    merged_name = serializers.CharField(source="merged.display_name")
    differences = FieldDifferenceSerializer(many=True, help_text="The fields the two leads hold differently.")
    tags = serializers.ListField(child=serializers.CharField(), help_text="The kept lead's tags after.")
    moving = serializers.ListField(
        child=serializers.CharField(), help_text='What the merged lead brings along, e.g. "3 activities".'
    )


class MergeSerializer(serializers.Serializer):
    # A map rather than a field per lead field: one "kept"/"merged" choice set in the schema.
    keep = serializers.DictField(
        child=serializers.ChoiceField(choices=SIDES),
        required=False,
        help_text="For fields the leads hold differently, whose value to keep: "
        '{"email": "merged", "owner": "kept"}. The fields: ' + ", ".join(MERGE_FIELDS) + ".",
    )

    def validate_keep(self, keep: dict[str, str]) -> dict[str, str]:
        unknown = sorted(set(keep) - set(MERGE_FIELDS))
        if unknown:
            raise serializers.ValidationError(f"A merge does not pick {', '.join(unknown)}.")
        return keep


class LeadMergeSerializer(serializers.ModelSerializer):
    lead = serializers.SerializerMethodField()

    class Meta:
        model = LeadMerge
        fields = ["id", "kept_lead", "merged_lead_id", "field_choices", "merged_by", "merged_at", "lead"]
        read_only_fields = fields

    @extend_schema_field(LeadSerializer)
    def get_lead(self, merge: LeadMerge) -> dict[str, Any]:
        return dict(LeadSerializer(self.context["lead"]).data)


@extend_schema(tags=["leads"], parameters=[KEPT])
class LeadDuplicatesView(GenericAPIView):
    """GET /api/v1/leads/{id}/duplicates/: the lead page's "Possible duplicates" panel."""

    serializer_class = DuplicatesSerializer  # what OPTIONS describes
    queryset = Lead.objects.none()
    pagination_class = None

    @extend_schema(
        summary="List a lead's possible duplicates: leads, and contacts with its email",
        description="The leads its latest duplicate check found (strongest first, those you may see), and "
        "the contacts you may see with its email address.",
        responses={200: DuplicatesSerializer, 404: NOT_FOUND},
    )
    def get(self, request: Request, id: str) -> Response:  # noqa: A002  (the path's name)
        lead = lead_get(user=actor(request), pk=record_id(id))
        panel = duplicate_panel_context(user=actor(request), lead=lead)
        candidates: list[Candidate] = panel["duplicates"]
        context = {**self.get_serializer_context(), "lead_id": lead.pk}
        body = {
            "pending": panel["duplicates_pending"],
            "leads": DuplicateLeadSerializer(
                [c for c in candidates if c.lead is not None], many=True, context=context
            ).data,
            "contacts": DuplicateContactSerializer([c for c in candidates if c.is_contact], many=True).data,
        }
        return Response(body)


@extend_schema(tags=["leads"], parameters=[KEPT, MERGED])
class LeadMergeView(GenericAPIView):
    """GET compares two leads as the merge screen does; POST merges the second into the first."""

    serializer_class = MergeSerializer  # what OPTIONS describes
    queryset = Lead.objects.none()
    pagination_class = None

    @extend_schema(
        summary="Compare two leads before merging them",
        responses={
            200: MergePreviewSerializer,
            400: REFUSED,
            403: MAY_NOT_MERGE,
            404: OpenApiResponse(description="No such lead, or you may not see one of them."),
        },
    )
    def get(self, request: Request, id: str, merged_id: str) -> Response:  # noqa: A002
        preview = self._preview(request, record_id(id), record_id(merged_id))
        check_merge(actor=actor(request), kept=preview.kept, merged=preview.merged)
        return Response(MergePreviewSerializer(preview).data)

    @extend_schema(
        summary="Merge a lead into this one",
        description="`keep` says, for fields the leads hold differently, whose value to keep; a field left "
        "out keeps the side the comparison suggests (the merged lead's value where the kept lead has "
        "none). The merged lead's timeline, tasks, history and submissions move to the kept lead and its "
        "tags join; then it is deleted. Repeating the merge answers with the merge already made.",
        request=MergeSerializer,
        responses={
            200: LeadMergeSerializer,
            400: REFUSED,
            403: MAY_NOT_MERGE,
            404: OpenApiResponse(description="No such lead, or you may not see one of them."),
        },
    )
    def post(self, request: Request, id: str, merged_id: str) -> Response:  # noqa: A002
        kept_id, merged = record_id(id), record_id(merged_id)
        serializer = MergeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            suggested = {d.name: d.initial for d in self._preview(request, kept_id, merged).differences}
        except NotFound:
            suggested = {}  # already merged: the service answers with that merge, or a 404
        picks = {**suggested, **serializer.validated_data.get("keep", {})}
        merge = lead_merge(actor=actor(request), kept_id=kept_id, merged_id=merged, field_choices=picks)
        lead = lead_get(user=actor(request), pk=merge.kept_lead_id)
        return Response(LeadMergeSerializer(merge, context={"lead": lead}).data)

    @staticmethod
    def _preview(request: Request, kept: int, merged: int) -> MergePreview:
        return merge_preview(user=actor(request), kept_id=kept, merged_id=merged)
