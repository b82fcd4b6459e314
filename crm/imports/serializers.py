"""The shapes the imports API reads and writes: an import with its progress, the record types a user may
import, the upload, the preview and the start, and the saved mappings. Rules live in
crm.imports.services, visibility in crm.imports.selectors.

Every name read here comes from a row the list selector already joins (the uploader, the owner, the
job), and a record type's label from the registry in memory, so a page of imports costs the same number
of queries as a single one.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from crm.api.serializers import name_of
from crm.errors import DomainError, NotFound
from crm.models import BackgroundJob, DuplicatePolicy, RecordImport, SavedMapping, User
from crm.models.imports import DateOrder

from .mapping import IGNORE, ImportFields
from .registry import RecordType, record_type
from .saved import SavedMappingMatch, saved_mapping_changeable
from .services import MAX_MEGABYTES, MAX_ROWS, PREVIEW_ROWS, Preview

MOST_PREVIEW_ROWS = 50
MAPPING_HELP = (
    '{column header: field name} for the file\'s columns; a column mapped to "" (or left out) is not '
    "imported. The field names are those of GET /api/v1/imports/kinds/. Default: the saved mapping "
    "(guessed from the headers at upload)."
)
VALUES_HELP = (
    "{field: {cell: option key}}: how the distinct cells of a choice column (a stage, an owner, a "
    "product...) read, for the cells that name no option exactly; the preview's `values` lists the cells "
    "and the options. Default: the saved choices."
)


def kind_label(kind: str) -> str:
    """The record type's label ("Accounts"), or "Records" when no app registers the kind any more."""
    try:
        return record_type(kind).label
    except NotFound:
        return "Records"


class ImportProgressSerializer(serializers.ModelSerializer):
    percent = serializers.IntegerField(read_only=True, min_value=0, max_value=100)

    class Meta:
        model = BackgroundJob
        fields = ["done", "total", "percent", "message"]
        read_only_fields = fields


class ImportLinksSerializer(serializers.Serializer):
    self = serializers.URLField(help_text="This import in the API.")
    errors = serializers.URLField(  # type: ignore[assignment]  # a field, not Serializer.errors
        help_text="The CSV file of the rows not imported, each with its line, its problems and its values."
    )
    page = serializers.URLField(help_text="This import's page in the app.")


class ImportSerializer(serializers.ModelSerializer):
    kind_label = serializers.SerializerMethodField()
    file_name = serializers.CharField(source="original_name", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    progress = ImportProgressSerializer(
        source="job",
        read_only=True,
        allow_null=True,
        help_text="The job's progress; null until the import is started.",
    )
    mapping = serializers.DictField(
        child=serializers.CharField(allow_blank=True),
        read_only=True,
        help_text='{column header: field name}; "" for a column not imported.',
    )
    values = serializers.DictField(
        child=serializers.DictField(child=serializers.CharField()),
        read_only=True,
        help_text="{field: {cell: option key}}: the chosen readings of choice columns' cells.",
    )
    date_order = serializers.ChoiceField(
        choices=DateOrder.choices,
        allow_blank=True,
        read_only=True,
        help_text='How dates such as 03/04/2024 are read; "" when not known (such dates are reported).',
    )
    owner_name = name_of("owner")
    created_by_name = name_of("created_by")
    links = serializers.SerializerMethodField()

    class Meta:
        model = RecordImport
        fields = [
            "id",
            "kind",
            "kind_label",
            "file_name",
            "status",
            "status_label",
            "total_rows",
            "created_count",
            "updated_count",
            "skipped_count",
            "error_count",
            "failure",
            "progress",
            "mapping",
            "values",
            "date_order",
            "duplicate_policy",
            "all_or_nothing",
            "owner",
            "owner_name",
            "saved_mapping",
            "created_by",
            "created_by_name",
            "created_at",
            "finished_at",
            "links",
        ]
        read_only_fields = fields
        extra_kwargs = {
            "saved_mapping": {
                "help_text": "The saved mapping the upload was mapped with, because it knows every column "
                "of the file; null when there was none."
            }
        }

    def get_kind_label(self, record_import: RecordImport) -> str:
        return kind_label(record_import.kind)

    @extend_schema_field(ImportLinksSerializer)
    def get_links(self, record_import: RecordImport) -> dict[str, str]:
        request = self.context.get("request")
        urls = {
            "self": reverse("api-import-detail", args=[record_import.pk]),
            "errors": reverse("api-import-errors", args=[record_import.pk]),
            "page": reverse("imports:detail", args=[record_import.pk]),
        }
        return {name: request.build_absolute_uri(url) if request else url for name, url in urls.items()}


class ImportFieldSerializer(serializers.Serializer):
    name = serializers.CharField(help_text="What a mapping names the field by.")
    label = serializers.CharField()  # type: ignore[assignment]  # a field, not Field.label


class ImportKindSerializer(serializers.Serializer):
    kind = serializers.CharField(help_text="What an upload names the record type by.")
    label = serializers.CharField()  # type: ignore[assignment]  # a field, not Field.label
    fields = ImportFieldSerializer(  # type: ignore[assignment]  # a field, not Serializer.fields
        source="fields.fields", many=True, help_text="The importable fields."
    )
    identity = serializers.SerializerMethodField(
        help_text="The fields of which the mapping needs at least one (e.g. the account name)."
    )

    def get_identity(self, imported: RecordType) -> list[str]:
        return sorted(imported.fields.identity)


class ImportUploadSerializer(serializers.Serializer):
    kind = serializers.CharField(
        help_text="The record type to import: a `kind` of GET /api/v1/imports/kinds/."
    )
    file = serializers.FileField(
        help_text=(
            "A .csv file (any separator, UTF-8 or Windows encoding) or an .xlsx workbook (its first sheet), "
            f"with the column names in the first row. Up to {MAX_ROWS:,} rows and {MAX_MEGABYTES} MB."
        )
    )

    def validate_kind(self, kind: str) -> str:
        return _importable_kind(kind)


class ImportChoicesSerializer(serializers.Serializer):
    """The choices an import is previewed under and started with; each left out keeps the saved one."""

    # The context's `fields` (the record type's ImportFields) limit the mapping to the record type's
    # fields, as the page's selects do.

    mapping = serializers.DictField(
        child=serializers.CharField(allow_blank=True), required=False, help_text=MAPPING_HELP
    )
    values = serializers.DictField(
        child=serializers.DictField(child=serializers.CharField(allow_blank=True)),
        required=False,
        help_text=VALUES_HELP,
    )
    date_order = serializers.ChoiceField(
        choices=DateOrder.choices,
        allow_blank=True,
        required=False,
        help_text='How to read dates such as 03/04/2024: "dmy", "mdy", or "" to report them. Dates written '
        "2024-04-03, or with a day above 12, are read whatever it says. Default: the saved order.",
    )

    saved_mapping = serializers.IntegerField(
        required=False,
        help_text="The id of a saved mapping of the record type (GET /api/v1/imports/saved-mappings/) to "
        "apply to the file's columns: the columns it knows take its fields, the others keep theirs, and "
        "its values are added. `mapping`, `values` and `date_order`, when sent too, replace what it gives.",
    )

    def validate_mapping(self, mapping: dict[str, str]) -> dict[str, str]:
        fields: ImportFields | None = self.context.get("fields")
        if fields is None:
            return mapping
        unknown = sorted({name for name in mapping.values() if name != IGNORE and name not in fields.labels})
        if unknown:
            raise serializers.ValidationError(
                f"Not a field of the {fields.record}: {', '.join(unknown)}. "
                f"The fields are: {', '.join(fields.labels)}."
            )
        return mapping


class ImportPreviewSerializer(ImportChoicesSerializer):
    rows = serializers.IntegerField(
        min_value=1,
        max_value=MOST_PREVIEW_ROWS,
        default=PREVIEW_ROWS,
        help_text="How many of the file's first rows to check.",
    )


class ImportStartSerializer(ImportChoicesSerializer):
    duplicate_policy = serializers.ChoiceField(
        choices=DuplicatePolicy.choices,
        help_text="What to do with a row that matches an existing record or an earlier row of the file.",
    )
    all_or_nothing = serializers.BooleanField(help_text="true: import no row at all if any row has an error.")
    owner = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(is_active=True),
        required=False,
        allow_null=True,
        default=None,
        help_text="Owner of the new records whose row names none; default (null): you.",
    )


@dataclass(frozen=True)
class PreviewAnswer:
    """What the preview endpoint renders: the service's preview, the choices it was made under, and what
    the mapping lacks for the import to start (None when it may start)."""

    preview: Preview
    mapping: dict[str, str]
    date_order: str
    mapping_problem: DomainError | None
    saved_mapping: SavedMappingMatch | None = None


class PreviewColumnSerializer(serializers.Serializer):
    header = serializers.CharField(help_text="The file's column name.")
    field = serializers.CharField(allow_blank=True, help_text='The field it fills; "" when not imported.')
    field_label = serializers.CharField(allow_blank=True)


class PreviewProblemSerializer(serializers.Serializer):
    column = serializers.CharField(
        allow_blank=True, help_text='The file\'s column the problem is in; "" for the whole row.'
    )
    message = serializers.CharField()


class PreviewRowSerializer(serializers.Serializer):
    line = serializers.IntegerField(help_text="The row's line in the file (the header is usually line 1).")
    values = serializers.ListField(child=serializers.CharField(allow_blank=True), help_text="One per column.")
    problems = PreviewProblemSerializer(
        many=True, help_text="What would stop the row; empty when it imports."
    )
    duplicate = serializers.CharField(
        allow_blank=True, help_text='What the row repeats (an existing record or an earlier row), or "".'
    )


class ValueOptionSerializer(serializers.Serializer):
    key = serializers.CharField(help_text="What `values` maps a cell to.")
    label = serializers.CharField()  # type: ignore[assignment]  # a field, not Field.label


class ValueItemSerializer(serializers.Serializer):
    cell = serializers.CharField()
    rows = serializers.IntegerField(help_text="How many rows have it.")
    exact = serializers.CharField(allow_null=True, help_text="The option the cell names exactly, if any.")
    suggested = serializers.CharField(
        allow_null=True, help_text="The nearest option, for a near miss; never applied unless chosen."
    )
    chosen = serializers.CharField(allow_null=True, help_text="The option chosen for it in `values`, if any.")


class ValueGroupSerializer(serializers.Serializer):
    field = serializers.CharField()
    column = serializers.CharField(help_text="The file's column.")
    what = serializers.CharField(source="values.what", help_text='What one option is, e.g. "stage".')
    options = ValueOptionSerializer(source="values.options", many=True)
    items = ValueItemSerializer(many=True, help_text="The column's distinct cells, most frequent first.")
    more = serializers.BooleanField(help_text="The column has more distinct cells than listed.")


class MappingProblemSerializer(serializers.Serializer):
    message = serializers.CharField()
    code = serializers.CharField(help_text="e.g. `identity_unmapped`, `field_mapped_twice`.")


class AppliedMappingSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="saved.pk")
    name = serializers.CharField(source="saved.name")
    matched = serializers.IntegerField(help_text="How many of the file's columns the saved mapping knows.")
    headers = serializers.IntegerField(help_text="How many columns the file has.")


class ImportPreviewResultSerializer(serializers.Serializer):
    mapping = serializers.DictField(
        child=serializers.CharField(allow_blank=True), help_text="The mapping the preview was made under."
    )
    date_order = serializers.CharField(allow_blank=True, help_text="The date order it was made under.")
    columns = serializers.SerializerMethodField()
    rows = PreviewRowSerializer(
        source="preview.rows", many=True, help_text="The first rows, as they would import."
    )
    values = ValueGroupSerializer(
        source="preview.values", many=True, help_text="The mapped choice columns' distinct cells and options."
    )
    mapping_problem = serializers.SerializerMethodField(
        help_text="Why the import cannot start under this mapping; null when it can."
    )
    saved_mapping = AppliedMappingSerializer(
        allow_null=True, help_text="The saved mapping applied (`saved_mapping` sent); null when none was."
    )

    @extend_schema_field(PreviewColumnSerializer(many=True))
    def get_columns(self, answer: PreviewAnswer) -> list[dict[str, str]]:
        return [
            {
                "header": column.header,
                "field": answer.mapping.get(column.header, IGNORE) or IGNORE,
                "field_label": column.field_label,
            }
            for column in answer.preview.columns
        ]

    @extend_schema_field(MappingProblemSerializer(allow_null=True))
    def get_mapping_problem(self, answer: PreviewAnswer) -> dict[str, str] | None:
        problem = answer.mapping_problem
        return None if problem is None else {"message": problem.message, "code": problem.code}


class SavedMappingSerializer(serializers.ModelSerializer):
    kind_label = serializers.SerializerMethodField()
    mapping = serializers.DictField(
        child=serializers.CharField(allow_blank=True),
        help_text='{column header: field name}; "" for a column of the source that is not imported.',
    )
    values = serializers.DictField(
        child=serializers.DictField(child=serializers.CharField()),
        help_text="{field: {cell: option key}}: how the source's choice cells read.",
    )
    date_order = serializers.ChoiceField(
        choices=DateOrder.choices, allow_blank=True, help_text='The source\'s date order; "" when not known.'
    )
    created_by_name = name_of("created_by")
    changeable = serializers.SerializerMethodField(
        help_text="Whether you may update or delete it: you saved it, or you are an admin."
    )

    class Meta:
        model = SavedMapping
        fields = [
            "id",
            "kind",
            "kind_label",
            "name",
            "mapping",
            "values",
            "date_order",
            "created_by",
            "created_by_name",
            "created_at",
            "updated_at",
            "changeable",
        ]
        read_only_fields = fields

    def get_kind_label(self, saved: SavedMapping) -> str:
        return kind_label(saved.kind)

    def get_changeable(self, saved: SavedMapping) -> bool:
        request = self.context.get("request")
        return request is not None and saved_mapping_changeable(request.user, saved)


class SavedMappingKindSerializer(serializers.Serializer):
    kind = serializers.CharField(
        required=False, help_text="Only this record type's, e.g. `deals`; default: every type you may import."
    )

    def validate_kind(self, kind: str) -> str:
        return _importable_kind(kind)


class SavedMappingWriteSerializer(serializers.Serializer):
    kind = serializers.CharField(help_text="The record type, as in GET /api/v1/imports/kinds/.")
    name = serializers.CharField(
        max_length=80,
        help_text="e.g. “Salesforce opportunities”. A saved mapping of the record type with that name (in "
        "any case) is updated: yours, or anyone's if you are an admin.",
    )
    mapping = serializers.DictField(child=serializers.CharField(allow_blank=True), help_text=MAPPING_HELP)
    values = serializers.DictField(
        child=serializers.DictField(child=serializers.CharField(allow_blank=True)),
        required=False,
        default=dict,
        help_text="{field: {cell: option key}} for the mapped choice columns' cells.",
    )
    date_order = serializers.ChoiceField(
        choices=DateOrder.choices,
        allow_blank=True,
        required=False,
        default="",
        help_text='How the source writes dates such as 03/04/2024: "dmy", "mdy", or "" when not known.',
    )

    def validate_kind(self, kind: str) -> str:
        return _importable_kind(kind)


def _importable_kind(kind: str) -> str:
    try:
        record_type(kind)
    except NotFound:
        raise serializers.ValidationError(
            "Not a record type that can be imported; see GET /api/v1/imports/kinds/."
        ) from None
    return kind
