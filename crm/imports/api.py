"""Record imports through the API (/api/v1/imports/): everything the pages at /imports/ do, with the same
permissions. Thin views that parse, call one selector or service (crm.imports.selectors and services),
and render.

A user sees their own imports, an admin everyone's; another user's import is a 404 on every endpoint.
Uploading a record type the user's role may not import is a 403, a file refused as a whole a 400 naming
`file`. The preview changes nothing: it shows the first rows under the choices sent (or the saved ones).
Starting saves the choices and queues the job, once: a second start answers with the import as it is.
The list is cursor-paginated newest first (crm.lists.api).

Saved mappings (/api/v1/imports/saved-mappings/) are shared by everyone who may import their record type
(a kind the user may not import is a 403, one of its saved mappings a 404); the person who saved one, or
an admin, updates or deletes it. The preview and the start apply one given as `saved_mapping`.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import StreamingHttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import BaseParser, MultiPartParser
from rest_framework.renderers import BaseRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from crm.api.parsers import JSONParser
from crm.api.views import NOT_FOUND, actor, record_id
from crm.errors import DomainError
from crm.models import RecordImport, User

from .registry import RecordType, record_type, record_types_for
from .reports import import_report_download
from .saved import Applied
from .selectors import import_get, import_list, saved_mapping_get, saved_mapping_list
from .serializers import (
    ImportKindSerializer,
    ImportPreviewResultSerializer,
    ImportPreviewSerializer,
    ImportSerializer,
    ImportStartSerializer,
    ImportUploadSerializer,
    PreviewAnswer,
    SavedMappingKindSerializer,
    SavedMappingSerializer,
    SavedMappingWriteSerializer,
)
from .services import (
    Preview,
    record_import_confirm,
    record_import_preview,
    record_import_upload,
    record_import_with_saved_mapping,
    saved_mapping_delete,
    saved_mapping_save,
)

NOT_IMPORTABLE = OpenApiResponse(description="Your role cannot import this record type.")
NOT_CHANGEABLE = OpenApiResponse(
    description="Only the person who saved the mapping, or an admin, may change or delete it."
)
SAVED_MAPPING_ID = OpenApiParameter(
    "mapping_id", int, OpenApiParameter.PATH, description="The saved mapping's id."
)
NOT_STARTABLE = OpenApiResponse(
    description="Only the person who uploaded the file can start its import, and only while their role "
    "may import the record type."
)


def _preview_answer(
    preview: Preview,
    *,
    imported: RecordType,
    mapping: dict[str, str],
    date_order: str,
    applied: Applied | None,
) -> PreviewAnswer:
    """The preview with what the mapping lacks for the import to start (the rule the start applies)."""
    saved = applied.match if applied else None
    try:
        imported.fields.check(preview.headers, mapping)
    except DomainError as problem:
        return PreviewAnswer(preview, mapping, date_order, problem, saved)
    return PreviewAnswer(preview, mapping, date_order, None, saved)


def _with_saved_mapping(
    user: User, record_import: RecordImport, data: dict[str, Any]
) -> tuple[dict[str, Any], Applied | None]:
    """The choices sent, completed by the saved mapping sent as `saved_mapping` (the choices sent win)."""
    if "saved_mapping" not in data:
        return data, None
    applied = record_import_with_saved_mapping(
        actor=user, record_import=record_import, saved_mapping_id=data["saved_mapping"]
    )
    given = {"mapping": applied.mapping, "values": applied.values, "date_order": applied.date_order}
    return given | data, applied


@extend_schema_view(
    list=extend_schema(summary="List your imports (an admin: everyone's), newest first"),
    retrieve=extend_schema(
        summary="Read one import: its status, counts and the job's progress",
        responses={200: ImportSerializer, 404: NOT_FOUND},
    ),
    create=extend_schema(
        summary="Upload a file to import, for one record type",
        description="The file is checked as a whole (size, row count, encoding, header) and stored; the "
        "column mapping is guessed from its headers. Nothing is imported until the import is started "
        "(POST /api/v1/imports/{id}/start/).",
        request={"multipart/form-data": ImportUploadSerializer},
        examples=[
            OpenApiExample(
                "Accounts from a CSV file",
                value={
                    "kind": "accounts",
                    "file": "Account Name,Website,Industry\nAcme,acme.example,Software\n",
                },
                request_only=True,
                media_type="multipart/form-data",
            )
        ],
        responses={
            201: ImportSerializer,
            400: OpenApiResponse(
                description="The kind is not one that can be imported, or the file is refused."
            ),
            403: NOT_IMPORTABLE,
        },
    ),
    kinds=extend_schema(
        summary="List the record types you may import, with their fields",
        responses={200: ImportKindSerializer(many=True)},
    ),
    preview=extend_schema(
        summary="Preview the first rows as they would import under a mapping",
        description="Changes nothing: the rows with their problems and what they would update, under the "
        "mapping, values and date order sent (or the saved ones), and the distinct cells of the mapped "
        "choice columns (a stage, an owner...) with the options they may be mapped to in `values`.",
        request=ImportPreviewSerializer,
        responses={200: ImportPreviewResultSerializer, 404: NOT_FOUND},
    ),
    start=extend_schema(
        summary="Start the import: save its choices and queue the job",
        description="The job runs in the background: follow `progress` on GET /api/v1/imports/{id}/. "
        "Starting an import already started changes nothing and answers with it as it is.",
        request=ImportStartSerializer,
        responses={202: ImportSerializer, 403: NOT_STARTABLE, 404: NOT_FOUND},
    ),
    errors=extend_schema(
        summary="Download the rows not imported as CSV",
        description="One line per row not imported: its line in the file, its problems, then the row as it "
        "was in the file (UTF-8 with a byte order mark), streamed. Cells that a spreadsheet would run "
        "as a formula start with an apostrophe.",
        responses={(200, "text/csv"): OpenApiTypes.STR, 404: NOT_FOUND},
    ),
)
@extend_schema(tags=["imports"])
class ImportViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Imports of records from CSV or Excel files: accounts, contacts, deals and the other record types
    the apps register."""

    serializer_class = ImportSerializer
    queryset = RecordImport.objects.none()

    def get_queryset(self) -> QuerySet[RecordImport]:
        if getattr(self, "swagger_fake_view", False):  # the schema generator has no signed-in user
            return RecordImport.objects.none()
        return import_list(user=actor(self.request))

    def get_parsers(self) -> list[BaseParser]:
        # The upload is a file: multipart only. (DRF asks for the parsers before it sets `action`.)
        method = (self.request.method or "").lower() if self.request else ""
        if (getattr(self, "action_map", None) or {}).get(method) == "create":
            return [MultiPartParser()]
        return super().get_parsers()

    def perform_content_negotiation(self, request: Request, force: bool = False) -> tuple[BaseRenderer, str]:
        # The error file is always CSV; a client asking for text/csv gets it, and errors come back as JSON.
        return super().perform_content_negotiation(request, force=force or self.action == "errors")

    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(self.get_serializer(import_get(user=actor(request), pk=record_id(pk))).data)

    def create(self, request: Request) -> Response:
        serializer = ImportUploadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        record_import = record_import_upload(actor=actor(request), kind=data["kind"], file=data["file"])
        return Response(self.get_serializer(record_import).data, status=status.HTTP_201_CREATED)

    @action(detail=False, methods=["get"], pagination_class=None)
    def kinds(self, request: Request) -> Response:
        return Response(ImportKindSerializer(record_types_for(actor(request)), many=True).data)

    @action(detail=True, methods=["post"], parser_classes=[JSONParser])
    def preview(self, request: Request, pk: str) -> Response:
        record_import = import_get(user=actor(request), pk=record_id(pk))
        imported = record_type(record_import.kind)
        serializer = ImportPreviewSerializer(data=request.data, context={"fields": imported.fields})
        serializer.is_valid(raise_exception=True)
        data, applied = _with_saved_mapping(actor(request), record_import, serializer.validated_data)
        preview = record_import_preview(
            record_import=record_import,
            rows=data["rows"],
            mapping=data.get("mapping"),
            values=data.get("values"),
            date_order=data.get("date_order"),
        )
        answer = _preview_answer(
            preview,
            imported=imported,
            mapping=data.get("mapping", record_import.mapping),
            date_order=data.get("date_order", record_import.date_order),
            applied=applied,
        )
        return Response(ImportPreviewResultSerializer(answer).data)

    @action(detail=True, methods=["post"], parser_classes=[JSONParser])
    def start(self, request: Request, pk: str) -> Response:
        user = actor(request)
        record_import = import_get(user=user, pk=record_id(pk))
        serializer = ImportStartSerializer(
            data=request.data, context={"fields": record_type(record_import.kind).fields}
        )
        serializer.is_valid(raise_exception=True)
        data, _ = _with_saved_mapping(user, record_import, serializer.validated_data)
        record_import_confirm(
            actor=user,
            import_id=record_import.pk,
            mapping=data.get("mapping", record_import.mapping),
            duplicate_policy=data["duplicate_policy"],
            all_or_nothing=data["all_or_nothing"],
            owner=data["owner"],
            values=data.get("values", record_import.values),
            date_order=data.get("date_order"),
        )
        started = import_get(user=user, pk=record_import.pk)  # as it stands now, with its job
        return Response(self.get_serializer(started).data, status=status.HTTP_202_ACCEPTED)

    @action(detail=True, methods=["get"])
    def errors(self, request: Request, pk: str) -> StreamingHttpResponse:
        record_import = import_get(user=actor(request), pk=record_id(pk))
        return import_report_download(record_import)

    @extend_schema(
        summary="List the saved mappings of the record types you may import",
        description="Named column mappings (with their value mappings and date order), shared by everyone "
        "who may import the record type. Apply one with `saved_mapping` in the preview or the start; a "
        "file whose every column one of them knows is mapped with it at upload.",
        parameters=[SavedMappingKindSerializer],
        responses={200: SavedMappingSerializer(many=True), 403: NOT_IMPORTABLE},
    )
    @action(
        detail=False,
        methods=["get"],
        url_path="saved-mappings",
        url_name="saved-mappings",
        pagination_class=None,
        parser_classes=[JSONParser],
    )
    def saved_mappings(self, request: Request) -> Response:
        query = SavedMappingKindSerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        saved = saved_mapping_list(user=actor(request), kind=query.validated_data.get("kind"))
        return Response(SavedMappingSerializer(saved, many=True, context={"request": request}).data)

    @extend_schema(
        summary="Save a mapping by name, or update the one of that name",
        description="The mapping must be one an import could start with (a column for the record's "
        'name or key, no field from two columns); its columns mapped to "" are kept, so that a file '
        "with the same columns is recognised. 201 when created, 200 when a mapping of that name was "
        "updated.",
        request=SavedMappingWriteSerializer,
        responses={
            200: SavedMappingSerializer,
            201: SavedMappingSerializer,
            403: OpenApiResponse(
                description="Your role cannot import the record type, or another person saved the "
                "mapping of that name (only they or an admin may update it)."
            ),
            409: OpenApiResponse(description="A mapping of that name was saved at the same moment."),
        },
    )
    @saved_mappings.mapping.post
    def saved_mappings_create(self, request: Request) -> Response:
        serializer = SavedMappingWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        result = saved_mapping_save(actor=actor(request), **serializer.validated_data)
        body = SavedMappingSerializer(result.saved, context={"request": request}).data
        return Response(body, status=status.HTTP_201_CREATED if result.created else status.HTTP_200_OK)

    @extend_schema(
        summary="Read one saved mapping",
        parameters=[SAVED_MAPPING_ID],
        responses={200: SavedMappingSerializer, 404: NOT_FOUND},
    )
    @action(
        detail=False,
        methods=["get"],
        url_path=r"saved-mappings/(?P<mapping_id>[^/.]+)",
        url_name="saved-mapping",
        pagination_class=None,
    )
    def saved_mapping(self, request: Request, mapping_id: str) -> Response:
        saved = saved_mapping_get(user=actor(request), pk=record_id(mapping_id))
        return Response(SavedMappingSerializer(saved, context={"request": request}).data)

    @extend_schema(
        summary="Delete a saved mapping",
        description="The imports mapped with it keep their columns.",
        parameters=[SAVED_MAPPING_ID],
        responses={204: None, 403: NOT_CHANGEABLE, 404: NOT_FOUND},
    )
    @saved_mapping.mapping.delete
    def saved_mapping_destroy(self, request: Request, mapping_id: str) -> Response:
        saved_mapping_delete(actor=actor(request), saved_mapping_id=record_id(mapping_id))
        return Response(status=status.HTTP_204_NO_CONTENT)
