"""The OpenAPI schema documents every answer the API really gives, errors included.

drf-spectacular documents the success responses from the serializers; this AutoSchema adds the errors
that the kernel's machinery returns on every endpoint (crm.api.errors, crm.api.parsers,
crm.lists.api, DRF's authentication and throttling), each with the body it really has, so a client
(or schemathesis, `make fuzz`) can rely on the schema for every status code.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.plumbing import ComponentRegistry, ResolvedComponent

ERROR = {
    "type": "object",
    "properties": {
        "detail": {"type": "string", "description": "What went wrong, for a person to read."},
        "code": {
            "type": "string",
            "description": "What went wrong, for a program to match: a stable code such as `not_found`, "
            "`read_only` or `still_referenced`, which a change of wording leaves as it is.",
        },
    },
    "required": ["detail"],
}
VALIDATION_ERROR = {
    "type": "object",
    "description": (
        "What is wrong with the request: each refused field or query parameter (or `non_field_errors`) "
        "with its messages; a body that cannot be read at all gives `detail` instead."
    ),
    "properties": {
        "detail": {"type": "string"},
        "non_field_errors": {"type": "array", "items": {"type": "string"}},
    },
    # A field's messages, or a nested object of them for a field that holds objects or lists.
    "additionalProperties": {
        "oneOf": [{"type": "array", "items": {}}, {"type": "object"}, {"type": "string"}],
    },
}
RETRY_AFTER = {
    "Retry-After": {
        "description": "Seconds to wait before trying again.",
        "schema": {"type": "integer", "minimum": 0},
    }
}

# status code -> (description, component name, headers); a view's own text for a code is kept.
STANDARD_ERRORS: dict[str, tuple[str, str, dict[str, Any]]] = {
    "400": ("The request is invalid; the body says which field or parameter and why.", "ValidationError", {}),
    "401": ("No valid credentials: send `Authorization: Token <key>` or sign in.", "Error", {}),
    "403": ("You may not do this.", "Error", {}),
    "404": ("No such record, or you may not see it.", "Error", {}),
    "409": (
        "The change conflicts with the record's current state; the body says what blocks it.",
        "Error",
        {},
    ),
    "413": ("The request body is too large.", "Error", {}),
    "415": ("The request body's content type is not accepted.", "Error", {}),
    "429": ("Too many requests; wait as long as Retry-After says.", "Error", RETRY_AFTER),
}
SCHEMAS = {"Error": ERROR, "ValidationError": VALIDATION_ERROR}
WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


class AutoSchema(SpectacularAutoSchema):
    def get_operation(
        self, path: str, path_regex: str, path_prefix: str, method: str, registry: ComponentRegistry
    ) -> dict[str, Any] | None:
        operation: dict[str, Any] | None = super().get_operation(
            path, path_regex, path_prefix, method, registry
        )
        if operation is None:
            return None
        responses: dict[str, Any] = operation["responses"]
        for code in self._error_codes(operation):
            description, component, headers = STANDARD_ERRORS[code]
            response = responses.setdefault(code, {"description": description})
            # A view's own body for an error (e.g. the exit criteria a move misses) is kept.
            response.setdefault("content", {"application/json": {"schema": self._error_ref(component)}})
            if headers:
                response.setdefault("headers", {}).update(headers)
        operation["responses"] = dict(sorted(responses.items()))
        return operation

    def _error_codes(self, operation: dict[str, Any]) -> list[str]:
        security = operation.get("security", [])
        signed_in = bool(security) and {} not in security
        parameters = operation.get("parameters", [])
        has_body = "requestBody" in operation
        codes = ["429"]
        # A write's service may refuse it whatever it was sent (a domain error names the field).
        if has_body or self.method in WRITE_METHODS or any(p["in"] == "query" for p in parameters):
            codes.append("400")
        if has_body:
            codes += ["413", "415"]
        if signed_in:
            codes += ["401", "403"]
        if any(parameter["in"] == "path" for parameter in parameters):
            codes.append("404")
        if self.method in WRITE_METHODS and signed_in:
            codes.append("409")
        return codes

    def _error_ref(self, name: str) -> dict[str, str]:
        component = ResolvedComponent(
            name=name, type=ResolvedComponent.SCHEMA, object=name, schema=SCHEMAS[name]
        )
        self.registry.register_on_missing(component)
        ref: dict[str, str] = component.ref
        return ref


def add_links(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    """OpenAPI links from each create (a 201 with the new `id`) to what can be done to that record next:
    read, change, delete and its actions. Clients and schemathesis' stateful phase follow them."""
    paths: dict[str, dict[str, Any]] = result["paths"]
    for path, operations in paths.items():
        created = operations.get("post", {}).get("responses", {}).get("201")
        if created is None:
            continue
        for target, target_operations in paths.items():
            rest = target.removeprefix(path)
            if target == path or not rest.startswith("{"):
                continue
            new_parameter = rest[1 : rest.index("}")]
            parameters = {name: f"$request.path.{name}" for name in _path_parameters(path)}
            parameters[new_parameter] = "$response.body#/id"
            links = created.setdefault("links", {})
            for method, operation in target_operations.items():
                links[operation["operationId"]] = {
                    "operationId": operation["operationId"],
                    "parameters": parameters,
                    "description": f"{method.upper()} {target} of the record just created.",
                }
    return result


def _path_parameters(path: str) -> list[str]:
    return [part[1:-1] for part in path.split("/") if part.startswith("{") and part.endswith("}")]
