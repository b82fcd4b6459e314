"""The uploaded file as stored with its import, read back exactly as it was checked at upload."""

from __future__ import annotations

import hashlib

from crm.models.imports import FileImport

from .parsing import FileProblem, Table, read_table

CACHE_KEY = "_stored_table"


def file_sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def stored_table(file_import: FileImport) -> Table:
    """The parsed file; kept on the instance, so that one page reads the file once."""
    cached: Table | None = vars(file_import).get(CACHE_KEY)
    if cached is None:
        cached = vars(file_import)[CACHE_KEY] = _read(file_import)
    return cached


def _read(file_import: FileImport) -> Table:
    try:
        with file_import.file.open("rb") as file:
            data = file.read()
    except OSError:
        raise FileProblem("The uploaded file is no longer stored; upload it again.") from None
    if file_sha256(data) != file_import.file_sha256:
        raise FileProblem("The stored file is not the one that was uploaded; upload it again.")
    return read_table(data)
