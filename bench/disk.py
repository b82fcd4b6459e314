"""Room for the seed: what a scale takes on disk, checked against the free space before seeding starts.

The free space is that of PostgreSQL's data directory (`SHOW data_directory`, when the server is on
this machine and lets us read the setting), else that of the working directory, with a note saying so.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass

from django.db import connection

from bench.scales import Scale

# Bytes on disk per seeded row, with its indexes, measured at full scale (PostgreSQL 15, 2026-11-29):
# 3.6 GB in all. A deal counts its history row, stage visits, lifecycle events and product lines; a
# lead its scores and the dead row versions the scoring pass leaves.
BYTES_PER_ROW = {
    "accounts": 480,
    "contacts": 390,
    "activities": 290,
    "deal_activities": 290,
    "contact_activities": 290,
    "tasks": 250,
    "deals": 3_060,
    "leads": 1_270,
    "engagements": 240,
}
# Besides the data and its snapshot: sort files of the index builds and WAL beyond what the server
# keeps anyway (measured: none at full scale with 1 GB of maintenance_work_mem), as a margin.
MARGIN = 0.25
MINIMUM_MARGIN = 256 * 2**20
LOCAL_HOSTS = {"", "localhost", "127.0.0.1", "::1"}


class NotEnoughDisk(SystemExit):
    pass


@dataclass(frozen=True)
class Room:
    path: str
    what: str  # which directory that is, and why
    free: int  # bytes


def data_size(scale: Scale) -> int:
    """Bytes the seeded database takes, tables and indexes."""
    return sum(getattr(scale, field) * size for field, size in BYTES_PER_ROW.items())


def needed(scale: Scale) -> tuple[int, str]:
    """Bytes a seed needs free, and what they are for."""
    data = data_size(scale)
    margin = max(MINIMUM_MARGIN, round(data * MARGIN))
    return (
        2 * data + margin,
        f"the data {size(data)}, its snapshot {size(data)}, sorting and WAL {size(margin)}",
    )


def room() -> Room:
    """The free space where the server keeps its data, or of the working directory if that is unknown."""
    directory = _data_directory()
    host = str(connection.settings_dict.get("HOST") or "")
    local = host in LOCAL_HOSTS or host.startswith("/")
    if directory and local and os.path.isdir(directory):
        return Room(directory, "PostgreSQL's data directory", shutil.disk_usage(directory).free)
    why = (
        "the server does not let this user read data_directory"
        if not directory
        else f"PostgreSQL's data directory {directory} is not on this machine"
    )
    cwd = os.getcwd()
    return Room(cwd, f"the working directory ({why})", shutil.disk_usage(cwd).free)


def check(scale_name: str, scale: Scale, *, reclaimed: int) -> None:
    """Stops before seeding when the disk cannot hold the scale; `reclaimed` is what seeding frees first."""
    total, parts = needed(scale)
    where = room()
    available = where.free + reclaimed
    freed = f" plus {size(reclaimed)} the old data frees" if reclaimed >= 2**20 else ""
    line = (
        f"seeding {scale_name} needs about {size(total)} ({parts}); "
        f"{size(where.free)} free{freed} on {where.path}, {where.what}"
    )
    if available < total:
        raise NotEnoughDisk(
            f"bench: not enough disk: {line}. Free {size(total - available)} or more, drop the benchmark's "
            "databases and snapshots (python -m bench --drop), or use a smaller scale (BENCH_SCALE=small)."
        )
    print(f"bench: {line}")


def check_restore(snapshot_size: int, snapshot_name: str, *, reclaimed: int) -> None:
    where = room()
    if where.free + reclaimed < snapshot_size + MINIMUM_MARGIN:
        raise NotEnoughDisk(
            f"bench: not enough disk to restore {snapshot_name}: it takes {size(snapshot_size)}, and "
            f"{where.path} ({where.what}) has {size(where.free)} free plus {size(reclaimed)} that "
            "dropping the current data frees."
        )


def size(bytes_: int) -> str:
    return f"{bytes_ / 2**30:.1f} GB" if bytes_ >= 2**30 else f"{max(1, round(bytes_ / 2**20))} MB"


def _data_directory() -> str:
    # pg_settings hides superuser-only settings from other users instead of raising.
    with connection.cursor() as cursor:
        cursor.execute("SELECT setting FROM pg_settings WHERE name = 'data_directory'")
        row = cursor.fetchone()
    return str(row[0]) if row else ""
