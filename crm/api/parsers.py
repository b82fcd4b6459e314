"""JSON bodies are parsed with a bound on nesting: a body nested a thousand levels deep is a clear 400,
never a RecursionError (a 500) in the parser or in the code that walks the data afterwards."""

from __future__ import annotations

from collections.abc import Mapping
from typing import IO, Any

from rest_framework import parsers
from rest_framework.exceptions import ParseError

# Deeper than any body the API documents (a bulk request is two levels, a deal with lines three).
MAX_JSON_DEPTH = 32


class JSONParser(parsers.JSONParser):
    def parse(
        self, stream: IO[Any], media_type: str | None = None, parser_context: Mapping[str, Any] | None = None
    ) -> Any:
        too_deep = ParseError(f"JSON parse error - the body is nested deeper than {MAX_JSON_DEPTH} levels.")
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise too_deep from None
        if _depth_exceeds(data, MAX_JSON_DEPTH):
            raise too_deep
        return data


def _depth_exceeds(data: Any, limit: int) -> bool:
    """Whether `data` nests lists and objects more than `limit` levels deep (iterative: no recursion)."""
    pending = [(data, 1)]
    while pending:
        value, depth = pending.pop()
        children = value.values() if isinstance(value, dict) else value if isinstance(value, list) else ()
        for child in children:
            if isinstance(child, dict | list):
                if depth + 1 > limit:
                    return True
                pending.append((child, depth + 1))
    return False
