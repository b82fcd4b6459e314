"""Web forms through the API (/api/v1/leads/web-forms/): what the designers' web-form pages do.

Admins and marketers list, design, change and (de)activate every form (leads.access.WEBFORM_POLICY);
to anyone else there are no forms (an empty list, a 404 for an id) and creating one is a 403. Deleting a
form, with its submission log, is an admin's (a marketer gets a 403). Every write goes through
leads.webforms.services, which checks the questions (a refused one is a 400 naming `fields`), the
address (`slug`, made from the name when left empty) and the owner of the form's leads. Visitors post
to the form's public address (`public_url`), not here.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.db.models import QuerySet
from django.urls import reverse
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from crm.api.serializers import name_of
from crm.api.views import FORBIDDEN, NOT_FOUND, REFUSED, actor, record_id
from crm.lists.api import CursorPagination
from crm.models import User
from leads.models import WebForm, WebFormSubmission

from . import selectors, services
from .views import embed_snippet

DESIGNERS_ONLY = OpenApiResponse(description="Only admins and marketers design web forms.")


class QuestionSerializer(serializers.Serializer):
    field = serializers.CharField(help_text=f"The lead field asked for: {', '.join(services.FORM_FIELDS)}.")
    # Fields named as Field's own attributes: DRF's metaclass takes them out of the class; mypy sees those.
    label = serializers.CharField(  # type: ignore[assignment]
        max_length=services.LABEL_MAX_LENGTH, help_text="The question as visitors read it."
    )
    required = serializers.BooleanField(default=False)  # type: ignore[assignment]


class SubmissionSerializer(serializers.ModelSerializer):
    lead_name = name_of("lead")

    class Meta:
        model = WebFormSubmission
        fields = ["created_at", "lead", "lead_name"]
        read_only_fields = fields


class WebFormSerializer(serializers.ModelSerializer):
    # A serializer field may be called `fields` (DRF's metaclass takes it out of the class); mypy sees
    # the property it shadows.
    fields = QuestionSerializer(  # type: ignore[assignment]
        many=True,
        required=False,
        help_text="The questions, in order; at least one of email, last_name or company is required.",
    )
    tags = serializers.ListField(
        child=serializers.CharField(max_length=50),
        required=False,
        help_text="Tags every lead from this form gets.",
    )
    owner = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.all(),
        required=False,
        allow_null=True,
        help_text="Owner of the form's leads; null lets the assignment rules decide.",
    )
    owner_name = name_of("owner")
    public_url = serializers.SerializerMethodField(help_text="The form's public address, for visitors.")
    submission_count = serializers.IntegerField(read_only=True)
    last_submission_at = serializers.DateTimeField(read_only=True, allow_null=True)

    class Meta:
        model = WebForm
        fields = [
            "id",
            "name",
            "slug",
            "is_active",
            "fields",
            "thank_you_message",
            "redirect_url",
            "repeat_submissions",
            "owner",
            "owner_name",
            "utm_source",
            "utm_medium",
            "utm_campaign",
            "tags",
            "public_url",
            "submission_count",
            "last_submission_at",
            "created_at",
        ]
        read_only_fields = ["id", "created_at"]
        extra_kwargs: ClassVar[dict[str, dict[str, Any]]] = {
            # The services check the address, and make one from the name when it is left empty; here a
            # PATCH keeping the slug would collide with the form itself.
            "slug": {"required": False, "allow_blank": True, "validators": []},
            "is_active": {"help_text": "Whether the form accepts submissions."},
        }

    def get_public_url(self, webform: WebForm) -> str:
        url = reverse("webform-public", args=[webform.slug])
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request is not None else url


class WebFormDetailSerializer(WebFormSerializer):
    embed_snippet = serializers.SerializerMethodField(help_text="The <iframe> to paste into a web page.")
    recent_submissions = serializers.SerializerMethodField()

    class Meta(WebFormSerializer.Meta):
        fields = [*WebFormSerializer.Meta.fields, "embed_snippet", "recent_submissions"]

    def get_embed_snippet(self, webform: WebForm) -> str:
        questions = sum(1 for row in webform.fields if row.get("field") in services.FORM_FIELDS)
        return embed_snippet(url=self.get_public_url(webform), title=webform.name, questions=questions)

    @extend_schema_field(SubmissionSerializer(many=True))
    def get_recent_submissions(self, webform: WebForm) -> list[dict[str, Any]]:
        """The latest submissions, newest first, as the form's page lists them."""
        rows = selectors.webform_recent_submissions(form=webform)
        return list(SubmissionSerializer(rows, many=True).data)


class WebFormPagination(CursorPagination):
    orderings: ClassVar[dict[str, str]] = {"name": "By name", "-id": "Newest first"}
    default_ordering = "name"


@extend_schema(tags=["web forms"])
@extend_schema_view(
    list=extend_schema(summary="List the web forms, with their submission counts"),
    retrieve=extend_schema(
        summary="Read one web form, with its embed snippet and latest submissions",
        responses={200: WebFormDetailSerializer, 404: NOT_FOUND},
    ),
    create=extend_schema(
        summary="Design a web form",
        responses={201: WebFormDetailSerializer, 400: REFUSED, 403: DESIGNERS_ONLY},
    ),
    partial_update=extend_schema(
        summary="Change a web form's settings or questions, or (de)activate it with is_active",
        description='Fields left out keep their values; a slug set to "" is made again from the name.',
        responses={200: WebFormDetailSerializer, 400: REFUSED, 403: FORBIDDEN, 404: NOT_FOUND},
    ),
    destroy=extend_schema(
        summary="Delete a web form and its submission log (its leads stay)",
        responses={
            204: None,
            403: OpenApiResponse(description="Only admins delete web forms."),
            404: NOT_FOUND,
        },
    ),
)
class WebFormViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = WebFormSerializer
    pagination_class = WebFormPagination
    queryset = WebForm.objects.none()

    def get_queryset(self) -> QuerySet[WebForm]:
        if getattr(self, "swagger_fake_view", False):  # the schema generator has no signed-in user
            return WebForm.objects.none()
        return selectors.webform_list(user=actor(self.request))

    def retrieve(self, request: Request, pk: str) -> Response:
        return self._detail(request, record_id(pk))

    def create(self, request: Request) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        webform = services.webform_create(actor=actor(request), fields=serializer.validated_data)
        return self._detail(request, webform.pk, code=status.HTTP_201_CREATED)

    def partial_update(self, request: Request, pk: str) -> Response:
        serializer = self.get_serializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        webform = services.webform_update(
            actor=actor(request), form_id=record_id(pk), fields=serializer.validated_data
        )
        return self._detail(request, webform.pk)

    def destroy(self, request: Request, pk: str) -> Response:
        # As on the page: a form the user may not see is a 404 before the admins-only refusal.
        webform = selectors.webform_get(user=actor(request), pk=record_id(pk))
        services.webform_delete(actor=actor(request), form_id=webform.pk)
        return Response(status=status.HTTP_204_NO_CONTENT)

    def _detail(self, request: Request, pk: int, code: int = status.HTTP_200_OK) -> Response:
        # Read back through the selector, which counts the submissions.
        webform = selectors.webform_get(user=actor(request), pk=pk)
        context = self.get_serializer_context()
        return Response(WebFormDetailSerializer(webform, context=context).data, status=code)
