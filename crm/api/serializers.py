"""What every API serializer shares: a related record's display name beside its id, and currency codes.

Related records are written as primary keys and read back with their display name beside them
(`owner` + `owner_name`). Every name read here comes from a row the list selector already joins,
so a page of results costs the same number of queries as a single row.
"""

from __future__ import annotations

from typing import Any

from rest_framework import serializers
from rest_framework.utils import html


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


class ExternallyKeyedSerializer(serializers.ModelSerializer):
    """For records with an external id (crm.models.external): the id needs its source, and the source is
    stored lowercased so that "Salesforce" and "salesforce" are one system. Posting a record whose key
    exists updates that record (the view's upsert), so the key's uniqueness is not a validation error."""

    def get_validators(self) -> list[Any]:
        return [v for v in super().get_validators() if set(getattr(v, "fields", ())) != EXTERNAL_KEY]

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs = super().validate(attrs)
        if "external_source" in attrs:
            attrs["external_source"] = attrs["external_source"].strip().lower()
        if attrs.get("external_id") and not attrs.get(
            "external_source", getattr(self.instance, "external_source", "")
        ):
            raise serializers.ValidationError(
                {"external_source": ["Name the system the external id comes from, e.g. salesforce."]}
            )
        return attrs


EXTERNAL_KEY = {"external_source", "external_id"}
