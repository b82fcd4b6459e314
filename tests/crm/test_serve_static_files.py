"""`make run` collects the static files as a deployment does, but only when a source file changed."""

import shutil
from pathlib import Path

import pytest

from crm.management.commands.serve import collect_static_if_changed


@pytest.fixture
def source(tmp_path: Path, settings) -> Path:
    folder = tmp_path / "static"
    folder.mkdir()
    (folder / "app.css").write_text("body { color: black; }")
    settings.STATICFILES_DIRS = [folder]
    settings.STATICFILES_FINDERS = ["django.contrib.staticfiles.finders.FileSystemFinder"]
    settings.STATIC_ROOT = tmp_path / "collected"
    settings.DATA_DIR = tmp_path / "data"
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"},
    }
    return folder


def _collected(settings) -> set[str]:
    return {path.name for path in Path(settings.STATIC_ROOT).glob("app.*.css")}


def test_the_first_start_collects_the_files_with_hashed_names(source, settings):
    said: list[str] = []

    assert collect_static_if_changed(announce=said.append)

    assert len(_collected(settings)) == 1
    assert said == ["Collecting the static files (again only when they change)..."]


def test_a_restart_with_nothing_changed_collects_nothing(source, settings):
    collect_static_if_changed(announce=lambda message: None)
    said: list[str] = []

    assert not collect_static_if_changed(announce=said.append)
    assert said == []


def test_a_changed_source_file_is_collected_again(source, settings):
    collect_static_if_changed(announce=lambda message: None)
    before = _collected(settings)

    (source / "app.css").write_text("body { color: darkblue; }")

    assert collect_static_if_changed(announce=lambda message: None)
    assert _collected(settings) != before
    assert len(_collected(settings)) == 1  # the old copy is cleared away


def test_deleted_collected_files_are_collected_again(source, settings):
    collect_static_if_changed(announce=lambda message: None)

    shutil.rmtree(settings.STATIC_ROOT)  # as `make clean` does; the fingerprint in .data/ stays

    assert collect_static_if_changed(announce=lambda message: None)
    assert len(_collected(settings)) == 1
